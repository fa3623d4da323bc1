#!/usr/bin/env bash
# Device run (issue 19): build llama.cpp b11434 (CUDA, sm_90; trimmed kernels as in the H200 folder's run.sh), then
# measure llama-server's own buffers for Gemma 3 27B with slots and q8_0 KV (zero-weight GGUFs of the real shapes).
set -u
T0=$(date +%s); HERE="$(cd "$(dirname "$0")" && pwd)"; OUT="${OUT:-$HERE/out}"; mkdir -p "$OUT"
# measure.py, gen_gguf.py and the trim scripts are the first H200 run's, unchanged: one copy, beside it
P="${PROBES:-$HERE/../gpu_llamacpp_h200}"
WORK=/tmp/lcw; mkdir -p "$WORK"
exec > >(tee -a "$OUT/progress.log") 2>&1
say() { echo "[+$(( $(date +%s) - T0 ))s] $*"; }
for d in /usr/local/cuda/bin /usr/local/cuda-13.0/bin /usr/local/cuda-13/bin; do [ -x "$d/nvcc" ] && export PATH="$d:$PATH" && break; done
say "nvcc: $(nvcc --version 2>&1 | tail -1); cmake: $(cmake --version | head -1); ninja: $(ninja --version 2>&1); $(nproc) cores"
nvidia-smi --query-gpu=name,memory.used,memory.total,driver_version --format=csv,noheader
export PYTHONPATH="$P:$HERE${PYTHONPATH:+:$PYTHONPATH}"
python3 -c "import numpy, gguf; print('numpy', numpy.__version__, 'gguf ok')" || { say "FATAL: numpy/gguf"; exit 0; }
SRC="$WORK/llama.cpp"; BUILD="$WORK/build"
if [ ! -f "$SRC/.trimmed" ]; then
  rm -rf "$SRC"; tar -C "$WORK" -xJf "$HERE/llama.cpp-b11434.tar.xz"
  python3 "$P/trim_fattn.py" "$SRC" && python3 "$P/trim_mmq.py" "$SRC" && touch "$SRC/.trimmed"
fi
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
    -DBUILD_SHARED_LIBS=OFF -DGGML_CCACHE=OFF -DLLAMA_BUILD_NUMBER=11434 -DLLAMA_BUILD_COMMIT=b11434 \
    -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90-real -DGGML_CUDA_FA_ALL_QUANTS=OFF "-DGGML_CUDA_FA_QUANTS=q8_0-q8_0" \
    -DGGML_CUDA_NCCL=OFF -DGGML_CUDA_COMPRESSION_MODE=none > "$OUT/build.log" 2>&1 || { say "FATAL configure"; tail -20 "$OUT/build.log"; exit 0; }
fi
say "build"
timeout "${BUILD_LIMIT:-400}" ninja -C "$BUILD" -j "$(nproc)" llama-server >> "$OUT/build.log" 2>&1
[ -x "$BUILD/bin/llama-server" ] || { say "BUILD NOT DONE"; tail -3 "$OUT/build.log"; exit 0; }
say "build done"; "$BUILD/bin/llama-server" --version 2>&1 | tail -2
GG="$HERE/gguf"; mkdir -p "$GG"; say "gguf dir fs: $(stat -f -c %T "$GG")"
DEADLINE=$(( T0 + ${TOTAL_LIMIT:-560} - 10 ))
cd "$HERE" && timeout -s TERM $(( DEADLINE - $(date +%s) + 5 )) python3 - "$BUILD/bin" "$GG" "$OUT" "$DEADLINE" "$WORK" <<'PY'
import sys
import measure
measure.PLAN[:] = [("gemma-3-27b", 32768, 4, "on", "f16"), ("gemma-3-27b", 32768, 1, "on", "f16"),
                   ("gemma-3-27b", 32768, 4, "on", "q8_0"), ("llama-3.1-8b", 32768, 4, "on", "q8_0"),
                   ("gemma-3-27b", 131072, 1, "on", "q8_0"), ("gemma-3-27b", 32768, 1, "off", "f16"),
                   ("gemma-3-27b", 8192, 4, "off", "f16"), ("qwen2.5-32b", 32768, 4, "on", "q8_0"),
                   ("gemma-3-27b", 131072, 4, "on", "f16")]
b, g, o, d, w = sys.argv[1:6]
sys.argv = ["measure.py", "--bin", b, "--gguf-dir", g, "--out", o, "--deadline", d, "--tmp", w]
measure.cli()
PY
say "done"; rm -f "$GG"/*.gguf; ls -la "$OUT"
