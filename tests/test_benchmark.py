"""The benchmarks run and report what they promise (their speed is measured, never asserted), and the
README's figures are the ones their results files hold."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import figures

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_reports_speedup_and_agreement(tmp_path):
    """Each path is timed --repeat times: the median and the range are reported, and the result is written."""
    out_file = tmp_path / "billing.json"
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "billing.py"), "--rows", "20000",
                        "--sample", "200", "--repeat", "3", "--json", "--out", str(out_file)],
                       capture_output=True, text=True, timeout=300, check=True)
    out = json.loads(r.stdout)
    assert {"speedup", "max_abs_diff_usd", "rows", "sample"} <= set(out)
    s = out["speedup"]
    assert s["n"] == 3 and s["min"] <= s["median"] <= s["max"] and s["min"] > 0
    assert out["max_abs_diff_usd"] <= 1e-9
    saved = json.loads(out_file.read_text())
    assert saved["command"].startswith("python benchmarks/billing.py --rows 20000")
    assert len(saved["loadavg_1_5_15"]) == 3 and saved["speedup"] == s


def test_own_logs_benchmark_prices_one_file_with_both_engines(tmp_path):
    """benchmarks/own_logs.py writes an export, prices it with DuckDB and pandas in child processes, and the two
    totals agree; it appends to --out (the README's figures come from such a file)."""
    out_file = tmp_path / "r.json"
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "own_logs.py"), "--rows", "20000", "--json",
                        "--dir", str(tmp_path), "--out", str(out_file)],
                       capture_output=True, text=True, timeout=300, check=True)
    out = json.loads(r.stdout)
    row = out["results"][0]
    assert row["rows"] == 20000 and row["totals_differ_usd"] < 1e-9
    for engine in ("duckdb", "pandas"):
        assert {"seconds", "rows_per_s", "peak_rss_mib", "total_usd"} <= set(row[engine])
    assert json.loads(out_file.read_text())["command"].startswith("python benchmarks/own_logs.py --rows 20000")


@pytest.mark.parametrize("doc, name", sorted(figures.SENTENCES))
def test_readme_figures_are_the_recorded_results(doc, name):
    """README.md and INSTRUCTORS.md say what benchmarks/results/<name>.json holds (benchmarks/figures.py
    builds the words)."""
    text = re.sub(r"\s*\n\s*", " ", (ROOT / doc).read_text(encoding="utf-8"))
    assert figures.sentence(doc, name) in text, f"{doc} should say: {figures.sentence(doc, name)}"


def test_recorded_results_repeat_and_report_their_spread():
    for name in ("billing", "usage", "runs", "course_runtime"):
        d = json.loads((ROOT / "benchmarks" / "results" / f"{name}.json").read_text())
        assert d["repeat"] >= 3 and len(d["loadavg_1_5_15"]) == 3, name
        assert d["command"].startswith(f"python benchmarks/{name}.py"), name


def test_suite_figures_come_from_pytest_output(tmp_path):
    log = tmp_path / "test.log"
    log.write_text("...\n===== 562 passed, 2 skipped, 1 xfailed in 212.34s (0:03:32) =====\n")
    out = tmp_path / "suite.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "suite.py"), str(log), "--out", str(out)],
                   check=True, capture_output=True, text=True, timeout=60)
    d = json.loads(out.read_text())
    assert (d["tests_passed"], d["seconds"], d["counts"]["skipped"]) == (562, 212.3, 2)
    log.write_text("collected 0 items\n")
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "suite.py"), str(log), "--out", str(out)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "no pytest summary line" in r.stderr


@pytest.mark.parametrize("name", ["widget_latency_own_bill", "widget_latency_own_bill_paced"])
def test_the_panel_latency_repeats_and_is_compared_with_the_panel_before(name):
    """Lesson 06's panel latency: whole runs repeated, each alternated with a run on the course_lib before the
    change, on committed code (benchmarks/widget_latency.py --runs --against)."""
    import statistics
    d = json.loads((ROOT / "benchmarks" / "results" / f"{name}.json").read_text())
    assert (d["pause_s"] > 0) == name.endswith("_paced")
    assert d["command"].startswith("python benchmarks/widget_latency.py --notebooks 06_your_own_bill.ipynb")
    assert len(d["runs"]) >= 3 and len(d["against"]["runs"]) == len(d["runs"])
    for side in (d, d["against"]):
        assert side["p95_ms_median"] == pytest.approx(statistics.median(r["p95_ms"] for r in side["runs"]), abs=0.05)
        assert not side["course_lib"]["course_lib_edited"] and len(side["course_lib"]["commit"]) == 40
        assert all(r["changes"] == 21 and r["incomplete_charts"] == 0 for r in side["runs"])
    assert d["course_lib"]["commit"] != d["against"]["course_lib"]["commit"]
