"""The billing benchmark runs and reports what it promises (its speed is measured, never asserted)."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_reports_speedup_and_agreement():
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "billing.py"), "--rows", "20000",
                        "--sample", "200", "--json"], capture_output=True, text=True, timeout=300, check=True)
    out = json.loads(r.stdout)
    assert {"speedup", "max_abs_diff_usd", "rows", "sample"} <= set(out)
    assert out["max_abs_diff_usd"] <= 1e-9 and out["speedup"] > 0


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
