"""Benchmark: all 34,413 recorded agent calls priced on every model of the price book at once,
against a sample through genai-prices' per-call ``calc_price``.

    python benchmarks/runs.py --json

Times each path REPEAT times and reports calls per second for each and the ratio as the median of the
repeats with its range, and the largest difference on the sample; writes benchmarks/results/runs.json
(or --out).
"""
from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone

import measure
from genai_prices import Usage as GPUsage
from genai_prices import calc_price

from course_lib import prices, runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=2_000, help="calls per model through calc_price")
    ap.add_argument("--repeat", type=int, default=5, help="timings of each path; the median is reported")
    ap.add_argument("--as-of", default="2026-06-15")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--out", help="results file (default benchmarks/results/runs.json)")
    a = ap.parse_args()
    calls = runs.load_calls()
    models = [m for m in prices.SOURCE_PAGE_MODELS if m not in ("qwen3.5-plus", "kimi-k2.7")]  # genai-prices' own
    priced = {m: runs.price_calls(calls, m, a.as_of) for m in models}
    ts = datetime.fromisoformat(a.as_of).replace(hour=12, tzinfo=timezone.utc)
    sample = {m: [(GPUsage(input_tokens=int(r.input_tokens), output_tokens=int(r.output_tokens),
                           cache_read_tokens=int(r.cache_read_tokens), cache_write_tokens=int(r.cache_write_tokens)),
                   r.total_usd) for r in priced[m].sample(min(a.sample, len(calls)), random_state=0).itertuples()]
              for m in models}
    worst = max(abs(float(calc_price(gp, m, genai_request_timestamp=ts).total_price) - usd)
                for m in models for gp, usd in sample[m])
    n_fast = len(calls) * len(models)
    n_slow = sum(len(v) for v in sample.values())

    def vectorised():
        for m in models:
            runs.price_calls(calls, m, a.as_of)

    def per_call():
        for m in models:
            for gp, _ in sample[m]:
                calc_price(gp, m, genai_request_timestamp=ts)

    vec_s, call_s = [], []
    for _ in range(a.repeat):  # interleaved, so that a burst of load on the shared machine hits both
        vec_s += measure.timings(vectorised, 1)
        call_s += measure.timings(per_call, 1)
    out = {"models": models, "calls": len(calls), "priced_calls": n_fast, "calc_price_sample": n_slow,
           "repeat": a.repeat, "vectorised_s": measure.summary(vec_s, 3),
           "vectorised_calls_per_s": measure.summary([n_fast / s for s in vec_s], 0),
           "calc_price_calls_per_s": measure.summary([n_slow / s for s in call_s], 0),
           "speedup": measure.summary([(n_fast / v) / (n_slow / c) for v, c in zip(vec_s, call_s, strict=True)], 1),
           "max_abs_diff_usd": worst}
    measure.write("runs", out, a.out)
    print(json.dumps(out) if a.json else "\n".join(f"{k}: {v}" for k, v in out.items()))


if __name__ == "__main__":
    main()
