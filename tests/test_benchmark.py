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
