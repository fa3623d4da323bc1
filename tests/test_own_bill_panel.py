"""Lesson 06's own-bill panel keeps what it worked out (issue 20, panel speed) and still shows what a fresh
computation shows: a lever's move leaves the chart as drawn, a new grouping or file draws it again, a file
rewritten at the same path is read again, and the static snapshot names the settings it shows."""
from __future__ import annotations

import os

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

from course_lib import widgets  # noqa: E402

OK = {"timestamp": "2026-10-28T10:00:00Z", "model": "gpt-5.5", "input_tokens": "1000", "output_tokens": "100"}


def fresh(panel) -> tuple[str, bytes]:
    """The answer and chart own_bill_answer gives for the panel's current values, worked out again from the file
    (nothing the panel kept is used)."""
    kept = dict(widgets._KEPT)
    widgets._KEPT.clear()
    try:
        values = panel.values()
        with matplotlib.rc_context({"figure.dpi": widgets.CHART_DPI}):   # drawn at the PNG's resolution, as the panel
            lines, fig, table = widgets.own_bill_answer(**values)
        return widgets._answer_html(lines, panel._shown(values), table), widgets._png(fig)
    finally:
        widgets._KEPT.clear()
        widgets._KEPT.update(kept)


@pytest.fixture
def panel():
    widgets._KEPT.clear()
    return widgets.own_bill()


def test_a_lever_move_keeps_the_chart_and_answers_as_a_fresh_computation(panel, monkeypatch):
    from course_lib import plots
    real, drawn = plots.bill_breakdown, []

    def counted(b, by="model", title=""):
        drawn.append(by)
        return real(b, by, title)
    monkeypatch.setattr(plots, "bill_breakdown", counted)
    assert (panel.answer.value, panel.chart.value) == fresh(panel)
    chart = panel.chart.value
    drawn.clear()
    panel.controls["cache"].value = 0.9
    panel.controls["model"].value = "deepseek-v4-flash"
    assert drawn == [] and panel.chart.value == chart, "a lever's move draws no new chart (the chart shows the bill)"
    assert "cache=0.9" in panel.answer.value and "model=deepseek-v4-flash" in panel.answer.value
    assert panel.answer.value == fresh(panel)[0]
    drawn.clear()
    panel.controls["by"].value = "feature"
    assert drawn == ["feature"] and panel.chart.value != chart
    assert (panel.answer.value, panel.chart.value) == fresh(panel)
    panel.controls["as_of"].value = "2026-06-15"
    panel.controls["sample"].value = "provider exports"
    assert (panel.answer.value, panel.chart.value) == fresh(panel)


def test_the_panel_reads_a_file_rewritten_at_the_same_path_with_the_same_size_and_time(panel, tmp_path):
    path = tmp_path / "mine.csv"
    pd.DataFrame([{**OK, "project": r"$\foo{$"}]).to_csv(path, index=False)
    panel.controls["by"].value = "project"
    panel.controls["path"].value = str(path)
    assert "your file" in panel.answer.value and panel.chart.value   # mathtext never sees the "$"
    first = panel.answer.value
    st = path.stat()
    pd.DataFrame([{**OK, "project": r"$\foo{$", "output_tokens": "900"}]).to_csv(path, index=False)
    assert path.stat().st_size == st.st_size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))   # the same modification time too: only the content differs
    panel.controls["cache"].value = 0.6
    assert panel.answer.value != first and panel.answer.value == fresh(panel)[0]


def test_the_snapshot_names_the_settings_it_shows(panel):
    panel.controls["by"].value = "project"
    panel.controls["cap"].value = 2000
    snap = panel.snapshot_html()
    assert "default settings" not in snap and "group by = project" in snap and "max_tokens = 2000" in snap
    assert panel.answer.value in snap


def test_what_the_panel_works_out_ahead_is_what_a_pick_then_shows(monkeypatch):
    import threading
    import time
    import weakref
    monkeypatch.setattr(widgets._Idle, "PAUSE_S", 0.0)
    widgets._KEPT.clear()
    panel = widgets.own_bill()
    each, june = widgets.EACH_ROW, "2026-06-15"
    samples, dates, groups = ["team_calls.csv", "otel_spans.jsonl"], [each, june], ["model", "project"]
    tasks = widgets._ahead(panel.values(), samples, dates, groups)
    assert tasks[0] == ("chart", "team_calls.csv", each, "project")   # the next grouping of this bill first
    assert [t[1:3] for t in tasks if t[0] == "bill"] == [("team_calls.csv", june), ("otel_spans.jsonl", each),
                                                          ("otel_spans.jsonl", june)]   # then the nearest bills

    def done() -> bool:
        for kind, s, d, extra in tasks:
            f = widgets._KEPT.get(("sample", s, widgets._prices_day(d)))
            if f is None or not f.done() or not f.result().has(extra if kind == "chart" else None,
                                                               extra if kind == "what_if" else None):
                return False
        return True
    ahead = threading.Thread(target=widgets._warm, args=(weakref.ref(panel), samples, dates, groups), daemon=True)
    ahead.start()
    deadline = time.monotonic() + 300
    while not done():
        assert time.monotonic() < deadline, "the background work should finish"
        time.sleep(0.2)
    from course_lib import plots
    drawn = []
    monkeypatch.setattr(plots, "bill_breakdown", lambda *a: drawn.append(a))
    monkeypatch.setattr(widgets._Idle, "PAUSE_S", 3600.0)   # nothing more in the background from here
    panel.controls["sample"].value = "otel_spans.jsonl"
    assert drawn == [], "the chart was drawn ahead"
    monkeypatch.undo()
    assert (panel.answer.value, panel.chart.value) == fresh(panel)
    panel.close()
    ahead.join(timeout=30)
    assert not ahead.is_alive(), "the background work ends when its panel is closed"
