"""What every benchmark here shares: repeat a timing, report its median and spread, say on what machine
and under what load, and write the result to ``benchmarks/results/<name>.json``.

One timing on a shared machine is noise (``benchmarks/billing.py`` once gave 548×, 1,626× and 1,493× on
three runs); the median of several repeats, with its range beside it, is a figure that reproduces, and the
range says how far to trust it. The README's figures are built from the results files (``figures.py``)
and ``tests/test_benchmark.py`` checks that the README says what the files say.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def timings(fn, repeat: int) -> list[float]:
    """Seconds of ``repeat`` calls of ``fn``, one after another."""
    if repeat < 1:
        raise ValueError(f"repeat: expected at least 1, got {repeat!r}")
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def summary(values: list[float], digits: int = 4) -> dict:
    """Median, lowest and highest of repeated measurements, and the spread (highest - lowest) / median."""
    med = statistics.median(values)
    return {"median": round(med, digits), "min": round(min(values), digits), "max": round(max(values), digits),
            "spread": round((max(values) - min(values)) / med, 3) if med else None, "n": len(values)}


def machine() -> dict:
    """The machine and its load when the benchmark ran (the build machine is shared: load moves the figures)."""
    return {"machine": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version(),
            "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")}


def command() -> str:
    """The command line that produced a result, as a reader would type it from the repository root."""
    return " ".join(["python", f"benchmarks/{Path(sys.argv[0]).name}", *sys.argv[1:]])


def write(name: str, result: dict, out: str | None = None) -> Path:
    """Write ``result`` (with the command and the machine) to ``--out`` or ``benchmarks/results/<name>.json``."""
    path = Path(out) if out else RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    full = {"benchmark": name, "command": command(), **machine(), **result}
    path.write_text(json.dumps(full, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
