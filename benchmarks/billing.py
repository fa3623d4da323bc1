"""Benchmark: the vectorised billing path against genai-prices' per-call calc_price.

    python benchmarks/billing.py --json

Prices ROWS usage rows through course_lib.billing.cost_frame and, in the same
run, a SAMPLE of them one by one through genai_prices.calc_price, REPEAT times
each; reports the per-row speed-up as the median of the repeats with its range,
and the largest difference in USD. Writes benchmarks/results/billing.json (or --out).
Goal (issue 2): speedup >= 100 and max_abs_diff_usd <= 1e-9. Tests do not
time anything; this script is where speed is measured.
"""
from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone

import measure
import numpy as np
import pandas as pd
from genai_prices import Usage as GPUsage
from genai_prices import calc_price

from course_lib.billing import cost_frame
from course_lib.prices import DEFAULT_AS_OF, quote


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=2_000)
    ap.add_argument("--repeat", type=int, default=5, help="timings of each path; the median is reported")
    ap.add_argument("--model", default="gpt-5.5", help="gpt-5.5 exercises the long-context tier too")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--out", help="results file (default benchmarks/results/billing.json)")
    a = ap.parse_args()

    rng = np.random.default_rng(a.seed)
    n = rng.integers(0, 400_000, a.rows)
    read = (n * rng.random(a.rows) * 0.9).astype(np.int64)
    write = ((n - read) * rng.random(a.rows) * 0.1).astype(np.int64)
    df = pd.DataFrame({"input_tokens": n, "output_tokens": rng.integers(0, 50_000, a.rows),
                       "cache_read_tokens": read, "cache_write_tokens": write})
    price = quote(a.model, DEFAULT_AS_OF)
    ts = datetime.combine(DEFAULT_AS_OF, datetime.min.time().replace(hour=12), tzinfo=timezone.utc)
    idx = rng.choice(a.rows, size=min(a.sample, a.rows), replace=False)
    rows = df.iloc[idx].to_dict("records")

    fast = cost_frame(df, price)["total_usd"].to_numpy()
    slow = [float(calc_price(GPUsage(**r), a.model, genai_request_timestamp=ts).total_price) for r in rows]
    vec_s = measure.timings(lambda: cost_frame(df, price), a.repeat)
    call_s = measure.timings(lambda: [calc_price(GPUsage(**r), a.model, genai_request_timestamp=ts) for r in rows],
                             a.repeat)
    vec_us = [s / a.rows * 1e6 for s in vec_s]
    call_us = [s / len(rows) * 1e6 for s in call_s]
    speedup = [c / v for c, v in zip(call_us, vec_us, strict=True)]
    out = {
        "model": a.model, "as_of": str(DEFAULT_AS_OF), "rows": a.rows, "sample": len(rows), "repeat": a.repeat,
        "vectorised_us_per_row": measure.summary(vec_us),
        "calc_price_us_per_row": measure.summary(call_us, 2),
        "speedup": measure.summary(speedup, 1),
        "max_abs_diff_usd": float(np.max(np.abs(fast[idx] - np.array(slow)))),
    }
    out["goal_met"] = out["speedup"]["median"] >= 100 and out["max_abs_diff_usd"] <= 1e-9
    measure.write("billing", out, a.out)
    print(json.dumps(out) if a.json else "\n".join(f"{k:>24}: {v}" for k, v in out.items()))


if __name__ == "__main__":
    main()
