"""What a learner sees, in a real browser: JupyterLab driven by Playwright in Debian's Chromium.

Two tests. Every notebook, as committed, renders without currency typeset as maths, literal Markdown,
outputs wider than the notebook or a source cut short. Every control of every calculator (each
dropdown, checkbox and slider; checkboxes both ways), changed as a learner would, gives a complete
chart (its pixels vary, its size is the figure's, its bottom is drawn) and an answer that matches what
``course_lib`` computes for the inputs the answer names. Screenshots go to test-artifacts/.
Chromium comes from Debian (scripts/install-system-deps.sh); Playwright never downloads a browser.
"""
from dataclasses import replace
from pathlib import Path

import pytest

from tests import browser_driver as drv

pytestmark = pytest.mark.browser
ROOT = drv.ROOT
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = drv.CHROMIUM
GIB = 1024 ** 3


@pytest.fixture(scope="module")
def lab(tmp_path_factory, missing):
    if CHROMIUM is None:
        missing("Debian's chromium is not installed (scripts/install-system-deps.sh needs root or sudo)")
    with drv.lab_server(tmp_path_factory.mktemp("lab")) as (url, token):
        yield url, token


@pytest.fixture(scope="module")
def browser(missing):
    from playwright.sync_api import sync_playwright
    if CHROMIUM is None:
        missing("Debian's chromium is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=drv.BROWSER_ARGS)
        yield b
        b.close()


def _expected(css: str, inputs: dict) -> list[str]:
    """What course_lib itself says for these inputs: strings the answer must contain."""
    from course_lib import levers, money, tco, vram
    if css == "course-vram-calculator":
        try:
            est = vram.estimate(inputs["model"], inputs["ctx"], inputs["quant"], inputs["kv_type"], inputs["parallel"],
                                inputs["flash_attention"])
        except ValueError as e:  # a combination the runtime refuses: the calculator says why
            return [f"cannot compute: {e}"]
        return [f"{est.total_bytes / GIB:.2f} GiB", "fits" if vram.fits(est, inputs["gpu"]) else "does NOT fit"]
    if css == "course-break-even":
        w = tco.Workload(tasks_per_day=inputs["tasks_per_day"], input_tokens=inputs["input_tokens"],
                         output_tokens=inputs["output_tokens"], model=inputs["model"],
                         cache_hit_rate=inputs["cache_hit_rate"])
        box = tco.LocalBox(gpu=inputs["gpu"], ops_hours_month=inputs["ops_hours_month"])
        return [f"break-even at {tco.break_even_tasks_per_day(w, box):,.0f} tasks/day",
                f"¥{tco.api_monthly(w)['monthly_cny']:,.0f}/month"]
    if css == "course-own-bill":
        from course_lib import logs
        from course_lib.data import DATA_DIR
        from course_lib.widgets import AS_LOGGED, EACH_ROW, OWN_SAMPLES
        b = logs.bill([DATA_DIR / "own_logs" / f for f in OWN_SAMPLES[inputs["sample"]]],
                      as_of=None if inputs["as_of"] == EACH_ROW else inputs["as_of"])
        levers_ = [f"cache={inputs['cache']}", f"batch={inputs['batch']}", f"cap={inputs['cap']}"]
        if inputs["model"] != AS_LOGGED:
            levers_.append(f"model={inputs['model']}")
        best = b.what_if(levers_).iloc[0]
        return [f"total: {money.md(b.total_usd, 2)}", f"largest saving: {best['lever']} saves "
                f"{money.md(best['saving_usd'], 2)}"]
    knobs = {k: v for k, v in inputs.items() if k != "tasks_per_day"}
    if knobs.get("system_prompt_tokens") == "as measured":
        knobs["system_prompt_tokens"] = None
    s = replace(levers.BASELINE, **knobs)
    usd_day = levers.daily_cost(s, inputs["tasks_per_day"])["usd_per_day"].sum()
    # a max_tokens below a task's need is shown as that task's failure, never as a saving
    return [f"monthly bill: {money.both(usd_day * 30)}"] + [f"FAILS: {kind} needs" for kind in levers.failures(s).index]


CHART_SIZE = {"course-vram-calculator": (640, 304), "course-break-even": (600, 304)}


@pytest.mark.parametrize("notebook", sorted(drv.CALCULATORS))
def test_every_control_of_every_calculator(lab, browser, notebook):
    url, token = lab
    css = drv.CALCULATORS[notebook]
    stem = Path(notebook).stem
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems, changes = [], 0
    try:
        drv.open_and_run(page, url, token, notebook)
        widget = drv.wait_calculator(page, css)
        drv.wait_idle(page)
        start = drv.answer_text(widget)
        if css == "course-cost-explorer":  # it starts on the baseline it compares with
            line = next(l for l in start.splitlines() if l.startswith("monthly bill"))
            bill, base = line.split("(baseline: ")
            assert bill.split(": ", 1)[1].split(" (")[0] == base.split(" (")[0], line
        widget.screenshot(path=str(ARTIFACTS / f"{stem}_start.png"))
        for kind, loc in drv.controls(widget):
            for _ in range(2 if kind == "checkbox" else 1):  # a checkbox both ways: flash attention off and on
                name = drv.label(kind, loc)
                got = drv.change_and_wait(page, widget, kind, loc)
                drv.wait_idle(page)
                changes += 1
                text = got["answer"]
                for want in _expected(css, drv.inputs_of(text)):
                    if want not in text:
                        problems.append(f"{kind} {name!r}: answer lacks {want!r}: {text[:160]!r}")
                stats = drv.chart_stats(widget)
                if css in CHART_SIZE and not text.startswith("cannot compute"):
                    ok = (stats is not None and (stats["width"], stats["height"]) == CHART_SIZE[css]
                          and 0.02 < stats["ink"] < 0.6 and stats["std"] > 10 and stats["bottomInk"] > 0)
                    if not ok:
                        problems.append(f"{kind} {name!r}: chart incomplete {stats}")
                        widget.screenshot(path=str(ARTIFACTS / f"{stem}_incomplete_{changes}.png"))
        widget.screenshot(path=str(ARTIFACTS / f"{stem}_end.png"))
        # the calculator fits the notebook's width: no horizontal scrolling
        assert widget.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
        assert "Traceback" not in " ".join(page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts())
    except Exception as exc:
        page.screenshot(path=str(ARTIFACTS / f"{stem}_failure.png"), full_page=True)
        raise AssertionError(f"{notebook}: {exc}") from exc
    finally:
        page.close()
    assert changes >= 7, f"only {changes} controls were found"
    assert not problems, "\n".join(problems)


# --- what a learner sees in every notebook, as committed (no kernel needed) ------------------------

NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
_SEE = r"""
() => {
  const cells = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')];
  return cells.map((cell, i) => {
    const md = cell.classList.contains('jp-MarkdownCell');
    const rendered = md ? cell.querySelector('.jp-MarkdownOutput') : null;
    const outputs = [...cell.querySelectorAll('.jp-OutputArea-output')];
    const tables = [...cell.querySelectorAll('.jp-OutputArea-output table')].map(t => ({
      headers: [...t.querySelectorAll('thead th')].map(th => th.innerText.trim().toLowerCase()),
      rows: [...t.querySelectorAll('tbody tr')].map(tr => [...tr.children].map(td => td.innerText.trim())),
    }));
    return {
      i, md,
      text: rendered ? rendered.innerText : '',
      mathInMarkdown: rendered ? rendered.querySelectorAll('mjx-container').length : 0,
      mathInOutputs: outputs.reduce((n, o) => n + o.querySelectorAll('mjx-container').length, 0),
      outputText: outputs.map(o => o.innerText).join('\n'),
      overflow: outputs.filter(o => o.scrollWidth > o.clientWidth + 1 && !o.querySelector('img')).map(o => [o.scrollWidth, o.clientWidth]),
      tables,
    };
  });
}
"""


def _open(page, url, token, notebook):
    import time
    page.goto(f"{url}/lab/workspaces/r{Path(notebook).stem[:2]}/tree/{notebook}?reset&token={token}", timeout=90_000)
    panel = ".jp-NotebookPanel:not(.lm-mod-hidden)"
    page.wait_for_selector(f"{panel} .jp-Notebook .jp-MarkdownOutput", timeout=90_000)
    # markdown renders and MathJax typesets asynchronously: wait until the count of math nodes is stable
    last, stable = -1, 0
    deadline = time.monotonic() + 30
    while stable < 3 and time.monotonic() < deadline:
        n = page.evaluate("document.querySelectorAll('mjx-container').length + "
                          "document.querySelectorAll('.jp-MarkdownOutput').length")
        stable = stable + 1 if n == last else 0
        last = n
        time.sleep(0.5)


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_what_the_learner_sees(lab, browser, notebook):
    """Rendered Markdown has no currency typeset as maths and no literal ** or $; outputs fit the width;
    a reason or a source is never cut with an ellipsis."""
    import nbformat
    url, token = lab
    ARTIFACTS.mkdir(exist_ok=True)
    nb = nbformat.read(ROOT / "notebooks" / notebook, as_version=4)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        _open(page, url, token, notebook)
        seen = page.evaluate(_SEE)
        page.screenshot(path=str(ARTIFACTS / f"{Path(notebook).stem}_render.png"), full_page=False)
    finally:
        page.close()
    assert len(seen) == len(nb.cells), "every cell is rendered (windowing off)"
    problems = []
    for cell, s in zip(nb.cells, seen, strict=True):
        src = cell.source
        if s["md"]:
            maths_allowed = "$$" in src or "\\text" in src
            if s["mathInMarkdown"] and not maths_allowed:
                problems.append(f"cell {s['i']}: typeset as maths: {s['text'][:120]!r}")
            if "**" in s["text"]:
                problems.append(f"cell {s['i']}: literal ** left: {s['text'][:120]!r}")
            if "$" in s["text"]:
                problems.append(f"cell {s['i']}: a $ left in the text: {s['text'][:120]!r}")
        elif s["mathInOutputs"]:
            problems.append(f"cell {s['i']}: an output was typeset as maths: {s['outputText'][:120]!r}")
        if s["overflow"]:
            problems.append(f"cell {s['i']}: output wider than the notebook {s['overflow']}: {s['outputText'][:80]!r}")
        for t in s["tables"]:
            cols = [j for j, h in enumerate(t["headers"]) if "reason" in h or "source" in h]
            for row in t["rows"]:
                for j in cols:
                    # the first header cell is the index's; body rows start with the index as a th
                    if j < len(row) and (row[j].endswith("...") or row[j].endswith("…")):
                        problems.append(f"cell {s['i']}: a {t['headers'][j]} cut short: {row[j]!r}")
    assert not problems, "\n".join(problems)
