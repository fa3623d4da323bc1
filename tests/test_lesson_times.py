"""INSTRUCTORS.md's time per lesson is the estimate scripts/lesson_times.py makes from the executed notebook
(prose at 200 words a minute, a minute per code cell, five per exercise, ten per calculator): a lesson that grows
past its stated time fails here, and the row is updated from the script, not by hand."""
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import lesson_times  # noqa: E402

# 02 and 04 have a live section on top of the estimate
CHECKED = ["00_start_here", "01_token_billing", "03_five_levers", "05_tco", "06_your_own_bill"]


def _stated(stem: str) -> tuple[int, int]:
    n = stem[:2]
    row = next(l for l in (ROOT / "INSTRUCTORS.md").read_text().splitlines() if l.startswith(f"| {n} "))
    lo, hi = re.search(r"\| (\d+)(?:–(\d+))? min \|", row).groups()
    return int(lo), int(hi or lo)


@pytest.mark.parametrize("stem", CHECKED)
def test_stated_time_holds_the_estimate(stem):
    est = lesson_times.lesson(ROOT / "notebooks" / f"{stem}.ipynb")
    lo, hi = _stated(stem)
    assert lo - 2.5 <= est["minutes"] <= hi + 2.5, (
        f"INSTRUCTORS.md says {lo}-{hi} min for {stem}; scripts/lesson_times.py estimates {est['minutes']:.0f} min")


def test_the_estimate_counts_what_a_learner_does():
    """Counted by hand from lesson 03's source: its exercises, its one calculator."""
    src = (ROOT / "notebooks" / "src" / "03_five_levers.py").read_text()
    est = lesson_times.lesson(ROOT / "notebooks" / "03_five_levers.ipynb")
    assert est["exercises"] == src.count("print(question(")
    assert est["calculators"] == src.count("\ncost_explorer()") == 1
    words = est["words"]
    assert est["minutes"] == pytest.approx(words / 200 + est["code cells"] + 5 * est["exercises"] + 10)
