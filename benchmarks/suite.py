"""Record the whole test suite's size and time in benchmarks/results/suite.json, from a run's own output.

    make test 2>&1 | tee test.log
    python benchmarks/suite.py test.log

Reads pytest's last summary line (``== 562 passed, 2 skipped in 212.34s (0:03:32) ==``) and writes the
tests passed, the seconds, the machine and its load; README's sentence about the suite is built from
that file (``benchmarks/figures.py``) and checked by ``tests/test_benchmark.py``.
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import measure

SUMMARY = re.compile(r"=+ (?P<counts>.*?) in (?P<seconds>[\d.]+)s\b.*=+\s*$")


def parse(text: str) -> dict:
    """``{tests_passed, seconds, counts}`` from pytest's output; a run without a summary line is refused."""
    lines = [m for m in map(SUMMARY.match, text.splitlines()) if m]
    if not lines:
        raise ValueError("log: no pytest summary line ('== N passed in S s ==') found")
    m = lines[-1]
    counts = {k: int(n) for n, k in re.findall(r"(\d+) (\w+)", m["counts"])}
    if "passed" not in counts:
        raise ValueError(f"log: the summary line says no test passed: {m.group(0)!r}")
    return {"tests_passed": counts["passed"], "seconds": round(float(m["seconds"]), 1), "counts": counts}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log", help="the output of `make test` or `bash scripts/run-tests.sh`")
    ap.add_argument("--out", help="results file (default benchmarks/results/suite.json)")
    a = ap.parse_args()
    print(measure.write("suite", parse(Path(a.log).read_text(encoding="utf-8", errors="replace")), a.out))


if __name__ == "__main__":
    main()
