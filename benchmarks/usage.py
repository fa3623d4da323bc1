"""Benchmark: read and price genai-prices' 1,577 recorded bodies, course_lib against genai-prices.

    python benchmarks/usage.py --json

In one run: every body through ``course_lib.usage.normalize`` (detecting its shape) and
``course_lib.billing.cost``; and every body genai-prices can handle through its own
``extract_usage`` (told the provider and API flavour, which it cannot detect) and ``calc_price``.
Prints bodies per second for each and the ratio. Tests do not time anything; this script does.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from genai_prices import calc_price, extract_usage  # noqa: E402

from course_lib.billing import cost  # noqa: E402
from course_lib.prices import DEFAULT_AS_OF, UnknownModelError  # noqa: E402
from course_lib.usage import normalize  # noqa: E402
from tests.usage_dataset import entries, reference_extractor  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--repeat", type=int, default=3, help="passes over the dataset (best one kept)")
    ap.add_argument("--json", action="store_true")
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

    def best(fn):
        times = []
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)

    t_read = time.perf_counter()
    for body, _ in bodies:
        normalize(body)
    read_all_s = time.perf_counter() - t_read
    ours_s, theirs_s = best(ours), best(theirs)
    n = len(priceable)
    out = {"benchmark": "usage", "bodies": len(bodies), "read_all_s": round(read_all_s, 4),
           "bodies_read_per_s": round(len(bodies) / read_all_s),
           "priced_bodies": n, "course_lib_s": round(ours_s, 4), "genai_prices_s": round(theirs_s, 4),
           "course_lib_bodies_per_s": round(n / ours_s), "genai_prices_bodies_per_s": round(n / theirs_s),
           "ratio_course_lib_over_genai_prices": round(theirs_s / ours_s, 2),
           "note": "course_lib detects the shape itself; genai-prices is told provider and flavour",
           "python": platform.python_version(), "machine": platform.machine()}
    print(json.dumps(out) if a.json else "\n".join(f"{k}: {v}" for k, v in out.items()))


if __name__ == "__main__":
    main()
