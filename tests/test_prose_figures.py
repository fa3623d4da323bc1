"""Figures written in prose are held to the values they describe (issue 13: no figure typed twice).

Most prose figures in the lessons are rendered from computed values (Markdown built in a cell). The few
words that stay typed, in the notebooks' Markdown and in the README, are listed here with the value each
describes, computed by course_lib; a drift in either fails the test.
"""
import re
from pathlib import Path

import nbformat
import pytest

from course_lib import review, runs
from course_lib.billing import cost_tokens

ROOT = Path(__file__).resolve().parent.parent


def _markdown(notebook: str) -> str:
    nb = nbformat.read(ROOT / "notebooks" / f"{notebook}.ipynb", as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


V1 = cost_tokens("claude-sonnet-4-6", 3_200, 500).total_usd
V3 = 15 * cost_tokens("claude-sonnet-4-6", 40_000, 3_000).total_usd

# (where, the words as typed, a check of the value they describe)
CLAIMS = [
    ("00_start_here", "costs about two cents as one chat call", lambda: round(V1, 2) == 0.02),
    ("00_start_here", "about two and a half dollars as an agent loop", lambda: round(V3 * 2) / 2 == 2.5),
    ("00_start_here", "V1 costs about two cents", lambda: round(V1, 2) == 0.02),
    ("00_start_here", "about 145×", lambda: round(V3 / V1) == 145),
    ("README.md", "costs about two cents as one chat call and about two and a half dollars as an agent loop",
     lambda: round(V1, 2) == 0.02 and round(V3 * 2) / 2 == 2.5),
    ("README.md", "1,542 agree with genai-prices'", lambda: _agreeing() == 1_542),
    ("02_review_assistant", "Turn 4 reads a 2,948-line test file",
     lambda: len((review.get_change("marshmallow-3.21.1").project / "tests/test_schema.py").read_text().splitlines())
     == 2_948),
    ("01_token_billing", "wrote 89 visible tokens and thought for 167", lambda: _gemini_split() == (89, 167)),
    ("02_review_assistant", "**678 coding-agent runs**", lambda: runs.load_calls()["run_id"].nunique() == 678),
    ("02_review_assistant", "34,413 API calls", lambda: len(runs.load_calls()) == 34_413),
    ("02_review_assistant", "about 15,000 lines", lambda: 14_500 <= _lines() <= 15_500),
]


def _gemini_split() -> tuple:
    import json
    from course_lib.usage import normalize
    u = normalize(json.loads((ROOT / "data" / "responses" / "gemini_cached.json").read_text())["body"])
    return u.output_tokens - u.reasoning_tokens, u.reasoning_tokens


def _agreeing() -> int:
    """How many of genai-prices' recorded usage bodies course_lib reads as the serving provider's extraction."""
    from course_lib.usage import normalize
    from tests.usage_dataset import as_reference, entries, reference, reference_counts
    n = 0
    for e in entries():
        ref = reference(e)
        body = {k: v for k, v in e["body"].items() if k != "file"}
        n += ref is not None and as_reference(normalize(body)) == reference_counts(ref[1])
    return n


def _lines() -> int:
    from course_lib.agent import REAL_PROJECT
    return sum(len(p.read_text(encoding="utf-8").splitlines()) for p in REAL_PROJECT.rglob("*.py"))


@pytest.mark.parametrize("where, words, holds", CLAIMS, ids=[f"{w}: {t[:40]}" for w, t, _ in CLAIMS])
def test_typed_figure_matches_its_value(where, words, holds):
    text = (ROOT / where).read_text(encoding="utf-8") if where.endswith(".md") else _markdown(where)
    assert words in re.sub(r"\s*\n#?\s*", " ", text) or words in text, f"{where} no longer says {words!r}"
    assert holds(), f"{where}: {words!r} no longer matches the computed value"


def test_no_lesson_markdown_writes_money_with_a_dollar_sign():
    """Two $ in a paragraph are typeset as maths in JupyterLab; money is written USD 0.0171 (money.md)."""
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for line in _markdown(nb.stem).splitlines():
            assert not re.search(r"\$\d", line), f"{nb.name}: {line}"


def _own_logs_figures(d: dict) -> str:
    """The README's sentence of benchmarks/own_logs.py figures, built from its results file."""
    parts = []
    for r in d["results"]:
        dk = r["duckdb"]
        s = (f"{r['rows']:,} rows ({r['file']}, load average {r['load_average_before'][0]}): DuckDB {dk['seconds']} s "
             f"(median of {dk['runs']}, {dk['seconds_min']}-{dk['seconds_max']} s; {dk['rows_per_s']:,} rows/s, "
             f"{dk['peak_rss_mib']} MiB peak)")
        if "plain" in r:
            p, q = r["plain"], r["ratio_to_plain"]
            s += (f" against a plain DuckDB scan joined to a price table {p['seconds']} s ({p['seconds_min']}-"
                  f"{p['seconds_max']} s, {p['peak_rss_mib']} MiB): **{q['median']}×** the plain scan "
                  f"({q['min']}-{q['max']}×)")
            if "cpu_ratio_to_plain" in r:   # CPU seconds, all threads: less at the mercy of a shared machine
                s += (f", in CPU time {dk['cpu_seconds']} s against {p['cpu_seconds']} s: "
                      f"{r['cpu_ratio_to_plain']}×")
        if "note" in r:
            s += f" ({r['note']})"
        if "pandas" in r:
            pd_ = r["pandas"]
            s += (f"; pandas {pd_['seconds']} s ({pd_['seconds_min']}-{pd_['seconds_max']} s, "
                  f"{pd_['peak_rss_mib']} MiB), DuckDB **{r['duckdb_speedup']}×** faster, same total")
        parts.append(s)
    return "; ".join(parts) + "."


def test_readme_own_logs_figures_are_the_recorded_benchmark():
    import json
    d = json.loads((ROOT / "benchmarks" / "results" / "own_logs.json").read_text())
    readme = re.sub(r"\s*\n\s*", " ", (ROOT / "README.md").read_text(encoding="utf-8"))
    assert _own_logs_figures(d) in readme
    ratios = {r["rows"]: r["ratio_to_plain"]["median"] for r in d["results"] if "ratio_to_plain" in r}
    assert ratios, "the bill is measured against the plain scan in the same run"
    for rows, ratio in ratios.items():   # the README says whether the 2x goal holds, as the results say
        said = f"{rows:,} rows: {'within' if ratio <= 2 else 'not within'} 2× of the plain scan"
        assert said in readme, said


def test_readme_counts_the_export_formats():
    """The README names how many export formats lesson 06 reads: as many as course_lib.exports.FORMATS."""
    from course_lib.exports import FORMATS
    words = {9: "nine", 10: "ten", 11: "eleven", 12: "twelve", 13: "thirteen"}
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert f"({words[len(FORMATS)]} formats)" in readme and f"of {words[len(FORMATS)]} formats" in readme
