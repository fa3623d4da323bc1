"""Benchmark: execute the whole course headless and offline, as a learner's "Run All" would.

    python benchmarks/course_runtime.py --json [--repeat 3] [NAME ...]

Runs every notebook (or the NAMEs given) in a fresh kernel (COURSE_LIB_OFFLINE=1, outputs discarded),
REPEAT times, and reports the median seconds per notebook and of the whole course, with the range;
writes benchmarks/results/course_runtime.json (or --out). Goal (issue 7): under 60 s on a 2-core machine.
"""
import argparse
import json
import os
from pathlib import Path

import measure
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("names", nargs="*", help="notebooks to run (default: all)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of the course; the median is reported")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--out", help="results file (default benchmarks/results/course_runtime.json)")
    a = ap.parse_args()
    os.environ["COURSE_LIB_OFFLINE"] = "1"
    os.environ.pop("MPLBACKEND", None)
    paths = [p for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) if not a.names or p.stem in a.names]
    per = {p.stem: [] for p in paths}
    totals = []
    for _ in range(a.repeat):
        total = 0.0
        for path in paths:
            nb = nbformat.read(path, as_version=4)
            client = NotebookClient(nb, timeout=600, kernel_name="python3",
                                    resources={"metadata": {"path": str(path.parent)}})
            (s,) = measure.timings(client.execute, 1)
            per[path.stem].append(s)
            total += s
        totals.append(total)
    med = measure.summary(totals, 2)
    out = {"notebooks": {k: measure.summary(v, 2) for k, v in per.items()}, "repeat": a.repeat,
           "total_s": med, "goal_s": 60, "goal_met": med["median"] < 60}
    measure.write("course_runtime", out, a.out)
    print(json.dumps(out) if a.json else "\n".join(f"{k:>14}: {v}" for k, v in out.items()))


if __name__ == "__main__":
    main()
