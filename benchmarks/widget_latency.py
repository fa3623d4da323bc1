"""Benchmark: every control of every calculator, driven in JupyterLab in Debian's Chromium.

    python benchmarks/widget_latency.py --json [--passes 3] [--runs 3 --out FILE] [--pause-s 1]

For each change: the latency in the page from the control event to the complete output (a new answer
and a loaded chart), and whether the chart is complete (its pixels vary, its bottom is drawn, its size
is the figure's). Reports p50/p95/max in milliseconds and the number of incomplete charts; beside them
``driver_*``: the same measured from before the driver looks up the control's next value (the definition
before 2026-12-04, which also counts the driver's own round trips to the page).

``--runs N`` repeats the whole run N times (a fresh JupyterLab, kernel and browser each time) and reports the
median of the runs' p50 and p95 with their range; ``--out`` writes that to a results file
(``benchmarks/results/widget_latency_own_bill.json`` is lesson 06's panel, ``--notebooks 06_your_own_bill.ipynb``).
``--against DIR`` alternates each run with one whose kernel imports ``course_lib`` from another checkout (DIR,
such as the commit before a change), and reports both and the ratio of their p95 medians; each side records
the commit its ``course_lib`` came from.
``--pause-s S`` waits S seconds between changes, as a learner who reads each answer would (default 0: the
changes follow each other as fast as the browser answers, the worst case).
Goal (issues 12 and 20): p95 under 250 ms on this project's 2-core machine, no incomplete chart.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import measure  # noqa: E402
from tests import browser_driver as drv  # noqa: E402

GOAL_P95_MS = 250


def _stats(values: list[float]) -> dict:
    return {"p50_ms": round(float(np.percentile(values, 50)), 1), "p95_ms": round(float(np.percentile(values, 95)), 1),
            "max_ms": round(max(values), 1)}


def one_run(only: list[str], passes: int, pause_s: float = 0.0) -> dict:
    """Every control of the chosen calculators changed ``passes`` times in a fresh JupyterLab."""
    from playwright.sync_api import sync_playwright
    latencies, driver, incomplete, per_nb, trace = [], [], 0, {}, []
    load = [round(x, 2) for x in os.getloadavg()]
    with drv.lab_server(Path(tempfile.mkdtemp())) as (url, token), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=drv.CHROMIUM, headless=True, args=drv.BROWSER_ARGS)
        for notebook, css in drv.CALCULATORS.items():
            if only and notebook not in only:
                continue
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            drv.open_and_run(page, url, token, notebook)
            widget = drv.wait_calculator(page, css)
            drv.wait_idle(page)
            mine = []
            for _ in range(passes):
                for kind, loc in drv.controls(widget):
                    if pause_s:
                        time.sleep(pause_s)
                    got = drv.change_and_wait(page, widget, kind, loc)
                    mine.append(got["latency_ms"])
                    driver.append(got["driver_ms"])
                    trace.append([notebook, kind, round(got["latency_ms"], 1), round(got["driver_ms"], 1)])
                    stats = drv.chart_stats(widget)
                    if stats is not None and not (stats["ink"] > 0.02 and stats["std"] > 10 and stats["bottomInk"] > 0):
                        incomplete += 1
            per_nb[notebook] = {"changes": len(mine), **_stats(mine)}
            latencies += mine
            page.close()
        browser.close()
    d = _stats(driver)
    return {"changes": len(latencies), **_stats(latencies), "driver_p50_ms": d["p50_ms"], "driver_p95_ms": d["p95_ms"],
            "incomplete_charts": incomplete, "per_notebook": per_nb, "load_average_before": load,
            "changes_ms": trace}


def course_lib_source() -> dict:
    """Where the kernel's ``course_lib`` comes from (the first PYTHONPATH entry, else this checkout) and its commit."""
    import subprocess
    root = Path((os.environ.get("PYTHONPATH") or str(drv.ROOT)).split(os.pathsep)[0]).resolve()
    git = ["git", "-C", str(root)]
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "course_lib"], capture_output=True, text=True).stdout
    return {"path": str(root), "commit": commit, "course_lib_edited": bool(dirty.strip())}


def summary(runs: list[dict]) -> dict:
    """The runs' p50 and p95 (from the control event, and from the driver's start): median and range."""
    out = {}
    for k in ("p95_ms", "p50_ms", "driver_p95_ms", "driver_p50_ms"):
        v = [r[k] for r in runs]
        out |= {f"{k}_median": round(statistics.median(v), 1), f"{k}_min": min(v), f"{k}_max": max(v)}
    return out | {"incomplete_charts": sum(r["incomplete_charts"] for r in runs), "goal_p95_ms": GOAL_P95_MS}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passes", type=int, default=3, help="times each control is changed")
    ap.add_argument("--notebooks", default="", help="only these notebooks' calculators (comma-separated names, "
                    "such as 06_your_own_bill.ipynb); default: all")
    ap.add_argument("--runs", type=int, default=1, help="whole runs, each in a fresh JupyterLab (default 1)")
    ap.add_argument("--pause-s", type=float, default=0.0, help="seconds between changes (default 0)")
    ap.add_argument("--against", help="another checkout: alternate each run with one on its course_lib")
    ap.add_argument("--out", help="write the result (with the command and the machine) to this file")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if drv.CHROMIUM is None:
        raise SystemExit("Debian's chromium is needed (scripts/install-system-deps.sh)")
    only = [n for n in a.notebooks.split(",") if n]
    runs, other, mine, theirs = [], [], course_lib_source(), None
    for _ in range(a.runs):
        runs.append(one_run(only, a.passes, a.pause_s))
        if a.against:
            saved = os.environ.get("PYTHONPATH")
            os.environ["PYTHONPATH"] = str(Path(a.against).resolve())
            try:
                theirs = course_lib_source()
                other.append(one_run(only, a.passes, a.pause_s))
            finally:
                if saved is None:
                    del os.environ["PYTHONPATH"]
                else:
                    os.environ["PYTHONPATH"] = saved
    if a.runs == 1 and not a.against:
        out = {"benchmark": "widget_latency", **runs[0], "python": platform.python_version(),
               "machine": platform.machine()}
    else:
        out = {"notebooks": only or list(drv.CALCULATORS), "passes": a.passes, "pause_s": a.pause_s,
               "course_lib": mine, **summary(runs), "runs": runs}
    if a.against:
        out["against"] = {"course_lib": theirs, **summary(other), "runs": other}
        out["p95_ratio_against_over_this"] = round(out["against"]["p95_ms_median"] / out["p95_ms_median"], 2)
    if a.out:
        measure.write("widget_latency", out, a.out)
    print(json.dumps(out) if a.json else "\n".join(f"{k}: {v}" for k, v in out.items() if k != "runs"))


if __name__ == "__main__":
    main()
