"""Benchmark: execute the whole course headless and offline, as a learner's "Run All" would.

    python benchmarks/course_runtime.py --json

Runs every notebook in a fresh kernel (COURSE_LIB_OFFLINE=1, outputs discarded)
and prints one JSON line with the seconds per notebook and in total.
Goal (issue 7): under 60 s on a 2-core machine.
"""
import argparse
import json
import os
import platform
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    os.environ["COURSE_LIB_OFFLINE"] = "1"
    os.environ.pop("MPLBACKEND", None)
    per = {}
    t_all = time.perf_counter()
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        t0 = time.perf_counter()
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        per[path.stem] = round(time.perf_counter() - t0, 2)
    total = round(time.perf_counter() - t_all, 2)
    out = {"benchmark": "course_runtime", "notebooks": per, "total_s": total, "goal_s": 60,
           "goal_met": total < 60, "cpus": os.cpu_count(), "machine": platform.machine()}
    print(json.dumps(out) if a.json else "\n".join(f"{k:>14}: {v}" for k, v in out.items()))


if __name__ == "__main__":
    main()
