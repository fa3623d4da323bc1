"""Measure llama.cpp's compute buffer on real model geometries, on the CPU backend.

A compute buffer's size depends on the graph's shapes, not on the weights' values, so a GGUF with a real
model's shapes and zero weights is enough: this script writes one per geometry (Llama 3.1 8B and Qwen2.5 7B as
llama.cpp's `llama` architecture, Gemma 3 4B as `gemma3`, dims from data/models.csv), starts the real llama.cpp
server (xllamacpp) on each with a grid of context, flash attention, n_ubatch and parallel slots, and reads the
"compute buffer size" line it logs. Writes data/measured/llamacpp_compute_buffer.csv.

Only a few layers are written (the graph allocator reuses each layer's buffers, so the compute buffer does not
grow with the layer count; the script checks that on one geometry with twice the layers): 2 for the llama
geometries, 6 for Gemma 3, whose every sixth layer is a full-attention one (the others slide over a window).

    .venv/bin/python scripts/measure_compute_buffer.py
"""
from __future__ import annotations

import csv
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from importlib.metadata import version
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "data" / "measured" / "llamacpp_compute_buffer.csv"
LAYERS = 2

from course_lib import vram  # noqa: E402
from course_lib.llama_server import free_port, model_path  # noqa: E402


def _q40(writer, name, ne0, ne1):
    from gguf import GGMLQuantizationType
    writer.add_tensor(name, np.zeros((ne1, ne0 // 32 * 18), dtype=np.uint8), raw_dtype=GGMLQuantizationType.Q4_0)


def _f32(writer, name, n):
    writer.add_tensor(name, np.ones(n, dtype=np.float32))


def layers_for(model: str) -> int:
    return 6 if model.startswith("gemma-3") else LAYERS


def write_gguf(path: Path, model: str, layers: int | None = None) -> None:
    from gguf import GGUFReader, GGUFWriter
    a = vram.from_catalog(model)
    arch = "gemma3" if model.startswith("gemma-3") else "llama"
    layers = layers or layers_for(model)
    w = GGUFWriter(str(path), arch)
    w.add_name(f"{model} shapes, zero weights")
    w.add_context_length(a.context_length or 131072)
    w.add_embedding_length(a.hidden)
    w.add_block_count(layers)
    w.add_feed_forward_length(a.ffn)
    w.add_head_count(a.heads)
    w.add_head_count_kv(a.kv_heads)
    w.add_key_length(a.head_dim)
    w.add_value_length(a.v_head_dim)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_rope_freq_base(1_000_000.0)
    if arch == "gemma3":
        w.add_sliding_window(a.sliding_window or 1024)
    else:
        w.add_rope_dimension_count(a.head_dim)
    # a SentencePiece vocabulary of the model's size, from Gemma 3's own tokens (ids 0-3 are special)
    src = GGUFReader(str(model_path()))
    tokens = [bytes(src.fields["tokenizer.ggml.tokens"].parts[i]).decode("utf-8", "replace")
              for i in src.fields["tokenizer.ggml.tokens"].data[: a.vocab]]
    tokens += [f"<extra_{i}>" for i in range(len(tokens), a.vocab)]
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores([0.0] * a.vocab)
    w.add_token_types([3 if i < 4 else 1 for i in range(a.vocab)])
    w.add_bos_token_id(2)
    w.add_eos_token_id(1)
    w.add_unk_token_id(3)
    w.add_pad_token_id(0)
    h, q, kv = a.hidden, a.heads * a.head_dim, a.kv_heads * a.head_dim
    _q40(w, "token_embd.weight", h, a.vocab)
    _f32(w, "output_norm.weight", h)
    if arch == "llama":
        _q40(w, "output.weight", h, a.vocab)
    for i in range(layers):
        b = f"blk.{i}."
        _f32(w, b + "attn_norm.weight", h)
        _q40(w, b + "attn_q.weight", h, q)
        _q40(w, b + "attn_k.weight", h, kv)
        _q40(w, b + "attn_v.weight", h, kv)
        _q40(w, b + "attn_output.weight", q, h)
        _f32(w, b + "ffn_norm.weight", h)
        _q40(w, b + "ffn_gate.weight", h, a.ffn)
        _q40(w, b + "ffn_up.weight", h, a.ffn)
        _q40(w, b + "ffn_down.weight", a.ffn, h)
        if arch == "gemma3":
            _f32(w, b + "attn_q_norm.weight", a.head_dim)
            _f32(w, b + "attn_k_norm.weight", a.head_dim)
            _f32(w, b + "post_attention_norm.weight", h)
            _f32(w, b + "post_ffw_norm.weight", h)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


SERVE = r"""
import sys, time, xllamacpp as xl
path, ctx, np_, fa, ub = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "on", int(sys.argv[5])
p = xl.CommonParams()
p.model.path = path
p.n_ctx = ctx
p.n_parallel = np_
p.n_batch = max(ub, 2048)
p.n_ubatch = ub
p.hostnames = ["127.0.0.1"]
p.port = int(sys.argv[6])
p.cpuparams.n_threads = 2
p.cpuparams_batch.n_threads = 2
t = xl.llama_flash_attn_type
p.flash_attn_type = t.LLAMA_FLASH_ATTN_TYPE_ENABLED if fa else t.LLAMA_FLASH_ATTN_TYPE_DISABLED
p.verbosity = 4
s = xl.Server(p)
print("listening", flush=True)
time.sleep(600)
"""


def measure(path: Path, ctx: int, parallel: int, fa: bool, ubatch: int) -> float:
    """The compute buffer (MiB) llama.cpp logs for one configuration."""
    with tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False) as log:
        proc = subprocess.Popen([sys.executable, "-c", SERVE, str(path), str(ctx), str(parallel),
                                 "on" if fa else "off", str(ubatch), str(free_port())],
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                text = Path(log.name).read_text(errors="replace")
                found = re.findall(r"CPU compute buffer size = +([\d.]+) MiB", text)
                if found:
                    time.sleep(1)  # a second line may follow (graph reserve after warmup)
                    text = Path(log.name).read_text(errors="replace")
                    return max(float(x) for x in re.findall(r"CPU compute buffer size = +([\d.]+) MiB", text))
                if proc.poll() is not None:
                    raise RuntimeError(text[-3000:])
                time.sleep(0.5)
            raise TimeoutError(Path(log.name).read_text(errors="replace")[-3000:])
        finally:
            proc.kill()
            proc.wait()


GEOMETRIES = ("llama-3.1-8b", "qwen2.5-7b", "gemma-3-4b")
GRID = [(ctx, 1, fa, 512) for ctx in (4096, 16384, 32768) for fa in (True, False)]
GRID += [(16384, 1, True, 256), (16384, 1, False, 256), (16384, 4, True, 512), (16384, 4, False, 512)]


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="cbuf-"))
    rows = []
    for model in GEOMETRIES:
        path = work / f"{model}.gguf"
        write_gguf(path, model)
        for ctx, parallel, fa, ub in GRID:
            mib = measure(path, ctx, parallel, fa, ub)
            rows.append({"model": model, "ctx": ctx, "parallel": parallel, "flash_attention": "on" if fa else "off",
                         "n_ubatch": ub, "compute_mib": mib, "layers_written": layers_for(model)})
            print(rows[-1], flush=True)
        path.unlink()
    # the layer count does not move the buffer: one geometry again with twice the layers
    path = work / "check.gguf"
    write_gguf(path, GEOMETRIES[0], layers=2 * LAYERS)
    for fa in (True, False):
        mib = measure(path, 16384, 1, fa, 512)
        rows.append({"model": GEOMETRIES[0], "ctx": 16384, "parallel": 1, "flash_attention": "on" if fa else "off",
                     "n_ubatch": 512, "compute_mib": mib, "layers_written": 2 * LAYERS})
        print(rows[-1], flush=True)
    path.unlink()
    with open(OUT, "w", newline="") as fh:
        fh.write(f"# llama.cpp server (xllamacpp {version('xllamacpp')}) on the CPU backend, {platform.machine()}; "
                 "GGUFs with each model's real shapes (data/models.csv) and zero Q4_0 weights, written by "
                 f"scripts/measure_compute_buffer.py on {date.today()}; compute_mib is the 'CPU compute buffer size' "
                 "line llama.cpp logs; llama-3.1-8b and qwen2.5-7b use llama.cpp's llama graph, gemma-3-4b its "
                 "gemma3 graph.\n")
        wr = csv.DictWriter(fh, fieldnames=list(rows[0]))
        wr.writeheader()
        wr.writerows(rows)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
