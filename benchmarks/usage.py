"""Benchmark: read and price genai-prices' 1,577 recorded bodies, course_lib against genai-prices.

    python benchmarks/usage.py --json

In one run: every body through ``course_lib.usage.normalize`` (detecting its shape) and
``course_lib.billing.cost``; and every body genai-prices can handle through its own
``extract_usage`` (told the provider and API flavour, which it cannot detect) and ``calc_price``.
Each path is timed REPEAT times; reports bodies per second for each and the ratio as the median of the
repeats with its range, and writes benchmarks/results/usage.json (or --out). Tests do not time anything;
this script does.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import measure  # noqa: E402
from genai_prices import calc_price, extract_usage  # noqa: E402

from course_lib.billing import cost  # noqa: E402
from course_lib.prices import DEFAULT_AS_OF, UnknownModelError  # noqa: E402
from course_lib.usage import normalize  # noqa: E402
from tests.usage_dataset import entries, reference_extractor  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--repeat", type=int, default=5, help="passes over the dataset; the median is reported")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--out", help="results file (default benchmarks/results/usage.json)")
    a = ap.parse_args()
    ts = datetime.combine(DEFAULT_AS_OF, datetime.min.time().replace(hour=12), tzinfo=timezone.utc)
    bodies = [({k: v for k, v in e["body"].items() if k != "file"}, reference_extractor(e)) for e in entries()]
    priceable = []
    for body, ex in bodies:  # the bodies both can price: a known model and a known extractor
        model = body.get("model") or body.get("modelVersion")
        if ex is None or not model:
            continue
        try:
            cost(normalize(body), model)
            calc_price(extract_usage(body, provider_id=ex[0], api_flavor=ex[1]).usage, model,
                       genai_request_timestamp=ts)
        except (UnknownModelError, LookupError, ValueError):
            continue
        priceable.append((body, ex, model))

    def ours():
        for body, _, model in priceable:
            cost(normalize(body), model, DEFAULT_AS_OF)

    def theirs():
        for body, ex, model in priceable:
            calc_price(extract_usage(body, provider_id=ex[0], api_flavor=ex[1]).usage, model,
                       genai_request_timestamp=ts)

    t_read = time.perf_counter()
    for body, _ in bodies:
        normalize(body)
    read_all_s = time.perf_counter() - t_read
    ours_s, theirs_s = [], []
    for _ in range(a.repeat):  # interleaved, so that a burst of load on the shared machine hits both
        ours_s += measure.timings(ours, 1)
        theirs_s += measure.timings(theirs, 1)
    n = len(priceable)
    out = {"bodies": len(bodies), "read_all_s": round(read_all_s, 4),
           "bodies_read_per_s": round(len(bodies) / read_all_s),
           "priced_bodies": n, "repeat": a.repeat,
           "course_lib_bodies_per_s": measure.summary([n / s for s in ours_s], 0),
           "genai_prices_bodies_per_s": measure.summary([n / s for s in theirs_s], 0),
           "ratio_course_lib_over_genai_prices": measure.summary(
               [t / o for t, o in zip(theirs_s, ours_s, strict=True)], 2),
           "note": "course_lib detects the shape itself; genai-prices is told provider and flavour"}
    measure.write("usage", out, a.out)
    print(json.dumps(out) if a.json else "\n".join(f"{k}: {v}" for k, v in out.items()))


if __name__ == "__main__":
    main()
