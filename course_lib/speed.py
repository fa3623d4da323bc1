"""Decode and prefill speed against the memory-bandwidth limit (notebook ``04_private_deployment`` §7).

Decoding one token reads every (active) weight once, plus the KV cache of the sequence: the fastest any runtime
can decode one stream is bandwidth ÷ bytes read per token. What a runtime reaches, as a share of that limit, is
its **MBU** (model bandwidth utilisation, 内存带宽利用率). Every row here is a measurement in ``data/measured/``
with its source; the limits use ``data/gpus.csv``.
"""
from __future__ import annotations

import json

import pandas as pd

from . import vram
from .data import DATA_DIR

H200_DIR = DATA_DIR / "measured" / "h200_llamacpp"


def h200_bench() -> pd.DataFrame:
    """llama-bench on the H200 (``bench.jsonl``): one row per model and test, mean and standard deviation of its
    repetitions as llama-bench printed them. Taught in notebook ``04_private_deployment``."""
    rows = []
    for line in (H200_DIR / "bench.jsonl").read_text().splitlines():
        run = json.loads(line)
        for r in run.get("results", []):
            test = f"pp{r['n_prompt']}" if r["n_prompt"] else f"tg{r['n_gen']}"
            rows.append({"model": run["model"], "test": test, "tok_s": r["avg_ts"], "stddev_tok_s": r["stddev_ts"],
                         "samples": len(r["samples_ts"]), "model_bytes": r["model_size"], "n_params": r["model_n_params"],
                         "build": r["build_commit"], "backend": r["backends"], "gpu_info": r["gpu_info"],
                         "flash_attn": r["flash_attn"], "type": r["model_type"]})
    return pd.DataFrame(rows)


def _limit(gpu: str, bytes_per_token: float) -> float:
    return float(vram.gpu(gpu)["bandwidth_gb_s"]) * 1e9 / bytes_per_token


def decode_vs_limit() -> pd.DataFrame:
    """Measured single-stream decode beside the bandwidth limit, as a share of it (notebook ``04_private_deployment``).

    Rows: llama.cpp (CUDA) on the H200 (llama-bench tg128; bytes = the GGUF's tensor bytes, the KV of a 128-token
    context being under 0.1% of them); the published llama.cpp RTX 4090 run (bytes = Llama 3.1 8B's weights at
    Q6_K, the same shapes as the Llama 3 8B it ran); eager PyTorch on the H200 at batch 1 (bytes = the weights and
    KV tensors it measured); the course's own CPU llama.cpp server (bytes = the model buffer it logged; this
    machine's memory bandwidth is not recorded, so its share is unknown, not zero).
    """
    rows = []
    b = h200_bench()
    for r in b[b.test == "tg128"].itertuples():
        rows.append({"runtime": f"llama.cpp {r.build} (CUDA), llama-bench tg128", "gpu": "H200 SXM", "model": r.model,
                     "weights": "Q4_K_M", "bytes_per_token_GB": r.model_bytes / 1e9,
                     "measured_tok_s": r.tok_s, "spread": f"± {r.stddev_tok_s:.2f} (sd of {r.samples})",
                     "source": "data/measured/h200_llamacpp/bench.jsonl"})
    pub = pd.read_csv(DATA_DIR / "measured" / "published_llamacpp_gpu_speed.csv", comment="#")
    for r in pub[pub.gpu == "RTX 4090"].itertuples():
        rows.append({"runtime": r.runtime, "gpu": "RTX 4090", "model": "llama-3.1-8b (Llama 3 8B)", "weights": r.quant,
                     "bytes_per_token_GB": vram.weights_bytes("llama-3.1-8b", r.quant) / 1e9,
                     "measured_tok_s": float(r.decode_tok_s), "spread": "one run, as printed", "source": r.url})
    dec = pd.read_csv(DATA_DIR / "measured" / "decode_batch_h200.csv")
    for r in dec[dec.batch == 1].itertuples():
        rows.append({"runtime": "eager PyTorch (bf16), one decode step at a time", "gpu": "H200 SXM", "model": r.model,
                     "weights": "BF16", "bytes_per_token_GB": (r.weights_bytes + r.kv_bytes) / 1e9,
                     "measured_tok_s": float(r.agg_tok_s), "spread": "one run", "source":
                     "data/measured/decode_batch_h200.csv"})
    out = pd.DataFrame(rows)
    out["limit_tok_s"] = [_limit(g, bpt * 1e9) for g, bpt in zip(out.gpu, out.bytes_per_token_GB, strict=True)]
    out["share_of_limit"] = out.measured_tok_s / out.limit_tok_s
    cpu = pd.read_csv(DATA_DIR / "measured" / "llamacpp_cpu_gemma3_270m.csv", comment="#")
    c = cpu[(cpu.parallel == 1) & (cpu.kv_type == "f16")]
    mib = float(c.model_mib.iloc[0])
    rows_cpu = {"runtime": "llama.cpp (xllamacpp) on this course's 2-core CPU", "gpu": "CPU (bandwidth not recorded)",
                "model": "gemma-3-270m", "weights": "Q4_K_M", "bytes_per_token_GB": mib * 2**20 / 1e9,
                "measured_tok_s": float(c.decode_tok_s.median()),
                "spread": f"{c.decode_tok_s.min():.1f}-{c.decode_tok_s.max():.1f} over {len(c)} server settings",
                "source": "data/measured/llamacpp_cpu_gemma3_270m.csv", "limit_tok_s": None, "share_of_limit": None}
    out = pd.concat([out, pd.DataFrame([rows_cpu])], ignore_index=True)
    out["read_GB_s"] = out.bytes_per_token_GB * out.measured_tok_s
    return out


def prefill_vs_decode() -> pd.DataFrame:
    """Prompt (prefill) against generation (decode) speed on the H200, and the arithmetic prefill does: about
    2 × parameters floating-point operations per prompt token (notebook ``04_private_deployment``)."""
    b = h200_bench().pivot_table(index="model", columns="test", values="tok_s")
    params = h200_bench().groupby("model")["n_params"].first()
    out = pd.DataFrame({"prefill_tok_s (pp4096)": b["pp4096"], "decode_tok_s (tg128)": b["tg128"]})
    out["prefill ÷ decode"] = out.iloc[:, 0] / out.iloc[:, 1]
    out["prefill TFLOP/s (2 × params × tok/s)"] = 2 * params * out.iloc[:, 0] / 1e12
    return out.loc[[m for m in ("llama-3.1-8b", "qwen2.5-32b", "llama-3.1-70b") if m in out.index]]
