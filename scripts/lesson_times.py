"""Estimate each lesson's classroom time from the executed notebooks, the way INSTRUCTORS.md states it.

    python scripts/lesson_times.py

Per lesson: the words of prose a learner reads (Markdown cells, and the Markdown that code cells render; exercise
feedback left out) at 200 words a minute, one minute per code cell (run it, read its table or chart), five
minutes per exercise and ten per calculator to explore. Those rates are assumptions, set so that the method gives
back the times INSTRUCTORS.md already stated for lessons 00 and 01 (15 min; 60-75 min); a live section (02, 04)
comes on top. The range printed is the estimate ±10%, to the nearest 5 minutes.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
WORDS_PER_MIN, MIN_PER_CODE_CELL, MIN_PER_EXERCISE, MIN_PER_CALCULATOR = 200, 1, 5, 10
CALCULATOR = re.compile(r"^(cost_explorer|vram_calculator|break_even_widget|own_bill)\(\)", re.M)


def _words(text: str) -> int:
    return len(re.findall(r"\w+", re.sub(r"[|#*`>-]", " ", text)))


def lesson(path: Path) -> dict:
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    prose = sum(_words(c.source) for c in nb.cells if c.cell_type == "markdown")
    rendered = sum(_words(o["data"]["text/markdown"]) for c in code for o in c.get("outputs", [])
                   if "text/markdown" in o.get("data", {}) and "Not yet" not in o["data"]["text/markdown"])
    exercises = sum("question(" in c.source for c in code)
    calculators = sum(bool(CALCULATOR.search(c.source)) for c in code)
    minutes = ((prose + rendered) / WORDS_PER_MIN + MIN_PER_CODE_CELL * len(code) + MIN_PER_EXERCISE * exercises
               + MIN_PER_CALCULATOR * calculators)
    return {"lesson": path.stem, "code cells": len(code), "words": prose + rendered, "exercises": exercises,
            "calculators": calculators, "minutes": minutes,
            "range": (5 * round(minutes * 0.9 / 5), 5 * round(minutes * 1.1 / 5))}


def main() -> None:
    print(f"{'lesson':24} {'code cells':>10} {'words':>6} {'exercises':>9} {'calculators':>11} {'estimate':>9}  range")
    for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        r = lesson(p)
        lo, hi = r["range"]
        print(f"{r['lesson']:24} {r['code cells']:>10} {r['words']:>6,} {r['exercises']:>9} {r['calculators']:>11} "
              f"{r['minutes']:>6.0f} min  {lo}-{hi} min")


if __name__ == "__main__":
    main()
