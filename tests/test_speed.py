"""Lesson 04 §7: decode against the memory-bandwidth limit, from the measurement files read directly here."""
import json

import pandas as pd
import pytest

from course_lib import speed, vram
from course_lib.data import DATA_DIR


def _bench():
    out = {}
    for line in (DATA_DIR / "measured" / "h200_llamacpp" / "bench.jsonl").read_text().splitlines():
        run = json.loads(line)
        for r in run["results"]:
            key = f"pp{r['n_prompt']}" if r["n_prompt"] else f"tg{r['n_gen']}"
            out[(run["model"], key)] = r
    return out


def test_h200_decode_as_a_share_of_the_bandwidth_limit():
    b = _bench()
    d = speed.decode_vs_limit()
    h = d[(d.gpu == "H200 SXM") & d.runtime.str.startswith("llama.cpp")].set_index("model")
    assert set(h.index) == {"llama-3.1-8b", "qwen2.5-32b", "llama-3.1-70b"}
    for m in h.index:
        r = b[(m, "tg128")]
        limit = 4800e9 / r["model_size"]  # H200: 4,800 GB/s (data/gpus.csv)
        assert h.loc[m, "limit_tok_s"] == pytest.approx(limit)
        assert h.loc[m, "share_of_limit"] == pytest.approx(r["avg_ts"] / limit)
    assert 0.2 < h.loc["llama-3.1-8b", "share_of_limit"] < h.loc["llama-3.1-70b", "share_of_limit"] < 0.5


def test_the_published_4090_run_and_the_eager_pytorch_row():
    d = speed.decode_vs_limit()
    r4090 = d[d.gpu == "RTX 4090"].iloc[0]
    pub = pd.read_csv(DATA_DIR / "measured" / "published_llamacpp_gpu_speed.csv", comment="#")
    tok_s = float(pub[pub.gpu == "RTX 4090"].decode_tok_s.iloc[0])
    assert r4090.share_of_limit == pytest.approx(tok_s / (1008e9 / vram.weights_bytes("llama-3.1-8b", "Q6_K")))
    assert r4090.source.startswith("https://github.com/")
    eager = d[d.runtime.str.startswith("eager")].set_index("model")
    raw = pd.read_csv(DATA_DIR / "measured" / "decode_batch_h200.csv")
    row = raw[(raw.model == "qwen2.5-7b") & (raw.batch == 1)].iloc[0]
    assert eager.loc["qwen2.5-7b", "share_of_limit"] == pytest.approx(
        row.agg_tok_s / (4800e9 / (row.weights_bytes + row.kv_bytes)))
    assert eager.loc["qwen2.5-7b", "share_of_limit"] < 0.05  # not a serving figure


def test_the_cpu_share_is_unknown_not_zero():
    d = speed.decode_vs_limit()
    cpu = d[d.model == "gemma-3-270m"].iloc[0]
    assert pd.isna(cpu.limit_tok_s) and pd.isna(cpu.share_of_limit)
    assert cpu.read_GB_s == pytest.approx(cpu.bytes_per_token_GB * cpu.measured_tok_s) and cpu.read_GB_s > 0


def test_prefill_against_decode():
    b = _bench()
    p = speed.prefill_vs_decode()
    for m in p.index:
        assert p.loc[m, "prefill ÷ decode"] == pytest.approx(b[(m, "pp4096")]["avg_ts"] / b[(m, "tg128")]["avg_ts"])
        assert p.loc[m, "prefill TFLOP/s (2 × params × tok/s)"] == pytest.approx(
            2 * b[(m, "pp4096")]["model_n_params"] * b[(m, "pp4096")]["avg_ts"] / 1e12)
    assert (p["prefill ÷ decode"] > 10).all()
