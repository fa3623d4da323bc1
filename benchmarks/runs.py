"""Benchmark: all 34,413 recorded agent calls priced on every model of the price book at once,
against a sample through genai-prices' per-call ``calc_price``.

    python benchmarks/runs.py --json

Prints calls per second for each path, the ratio, and the largest difference on the sample.
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import datetime, timezone

from genai_prices import Usage as GPUsage
from genai_prices import calc_price

from course_lib import prices, runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=2_000, help="calls per model through calc_price")
    ap.add_argument("--as-of", default="2026-06-15")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    calls = runs.load_calls()
    models = [m for m in prices.SOURCE_PAGE_MODELS if m not in ("qwen3.5-plus", "kimi-k2.7")]  # genai-prices' own
    t0 = time.perf_counter()
    priced = {m: runs.price_calls(calls, m, a.as_of) for m in models}
    vec_s = time.perf_counter() - t0
    ts = datetime.fromisoformat(a.as_of).replace(hour=12, tzinfo=timezone.utc)
    worst, n_slow = 0.0, 0
    t0 = time.perf_counter()
    for m in models:
        for row in priced[m].sample(min(a.sample, len(calls)), random_state=0).itertuples():
            gp = GPUsage(input_tokens=int(row.input_tokens), output_tokens=int(row.output_tokens),
                         cache_read_tokens=int(row.cache_read_tokens), cache_write_tokens=int(row.cache_write_tokens))
            want = float(calc_price(gp, m, genai_request_timestamp=ts).total_price)
            worst = max(worst, abs(want - row.total_usd))
            n_slow += 1
    call_s = time.perf_counter() - t0
    n_fast = len(calls) * len(models)
    out = {"benchmark": "runs", "models": models, "calls": len(calls), "priced_calls": n_fast,
           "vectorised_s": round(vec_s, 3), "vectorised_calls_per_s": round(n_fast / vec_s),
           "calc_price_sample": n_slow, "calc_price_s": round(call_s, 3),
           "calc_price_calls_per_s": round(n_slow / call_s),
           "speedup": round((n_fast / vec_s) / (n_slow / call_s), 1), "max_abs_diff_usd": worst,
           "python": platform.python_version(), "machine": platform.machine()}
    print(json.dumps(out) if a.json else "\n".join(f"{k}: {v}" for k, v in out.items()))


if __name__ == "__main__":
    main()
