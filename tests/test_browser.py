"""Every interactive calculator, in a real browser: JupyterLab driven by Playwright in Debian's Chromium.

The test starts JupyterLab on 127.0.0.1 (and stops it), opens each notebook that
has a widget, runs all cells, moves a control and checks that the widget's output
changed. Screenshots before and after go to test-artifacts/. Chromium comes from
Debian (scripts/install-system-deps.sh); Playwright never downloads a browser.
"""
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# notebook -> (css class of its widget, how to move a control)
WIDGETS = {
    "03_five_levers.ipynb": ("course-cost-explorer", ("select", "gpt-5.5", "deepseek-v4-pro")),
    "04_private_deployment.ipynb": ("course-vram-calculator", ("select", "qwen2.5-7b", "qwen2.5-32b")),
    "05_tco.ipynb": ("course-break-even", ("select", "deepseek-v4-pro", "claude-sonnet-4-6")),
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (scripts/install-system-deps.sh needs root or sudo)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    work = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", work / "notebooks", ignore=shutil.ignore_patterns("src"))
    shutil.copytree(ROOT / "data", work / "data")  # the notebooks read ../data
    settings = work / "settings"
    (settings / "@jupyterlab" / "notebook-extension").mkdir(parents=True)
    # render every cell (no lazy windowing), so the test can find widgets far down a notebook
    (settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    env = {**os.environ, "COURSE_LIB_OFFLINE": "1", "JUPYTER_CONFIG_DIR": str(work / "cfg"),
           "JUPYTER_RUNTIME_DIR": str(work / "rt")}
    env.pop("MPLBACKEND", None)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--ServerApp.token={token}", "--ServerApp.root_dir=" + str(work / "notebooks"),
           f"--LabApp.user_settings_dir={settings}", "--ServerApp.open_browser=False"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(work / "lab.log", "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("JupyterLab did not start:\n" + (work / "lab.log").read_text()[-2000:])
                time.sleep(0.5)
        yield url, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@pytest.mark.parametrize("notebook", sorted(WIDGETS))
def test_widget_moves_its_output(lab, browser, notebook):
    url, token = lab
    css, (kind, before_value, after_value) = WIDGETS[notebook]
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        # a workspace of its own, reset: only this notebook is open
        page.goto(f"{url}/lab/workspaces/t{Path(notebook).stem[:2]}/tree/{notebook}?reset&token={token}", timeout=90_000)
        panel = ".jp-NotebookPanel:not(.lm-mod-hidden)"
        page.wait_for_selector(f"{panel} .jp-Notebook", timeout=90_000)
        page.wait_for_selector(f"{panel} .jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
        # the kernel's session must be connected (the status bar says "... | Idle") before Run All;
        # a Run All sent earlier walks the cells without running them, so try again (bounded)
        page.wait_for_selector(".jp-StatusBar-Item:has-text('| Idle')", timeout=90_000)
        for attempt in range(3):
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click(timeout=30_000)
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click(timeout=30_000)
            try:
                page.wait_for_selector(f"{panel} .jp-InputPrompt:has-text('[1]')", timeout=30_000)
                break
            except Exception:
                if attempt == 2:
                    raise
        widget = page.locator(f".{css}")
        # JupyterLab 4 renders off-screen cells lazily: wait for the widget to exist, then bring it into view
        widget.wait_for(state="attached", timeout=180_000)
        widget.scroll_into_view_if_needed(timeout=30_000)
        output = widget.locator(".widget-output, .jp-OutputArea").first
        page.wait_for_function(f"document.querySelector('.{css} .widget-output, .{css} .jp-OutputArea') && "
                               f"document.querySelector('.{css} .widget-output, .{css} .jp-OutputArea').innerText.length > 20",
                               timeout=120_000)
        widget.scroll_into_view_if_needed()
        before = output.inner_text()
        widget.screenshot(path=str(ARTIFACTS / f"{Path(notebook).stem}_before.png"))
        select = widget.locator("select").first
        assert select.input_value() == before_value
        select.select_option(after_value)
        page.wait_for_function(
            f"(prev) => {{ const el = document.querySelector('.{css} .widget-output, .{css} .jp-OutputArea');"
            f" return el && el.innerText.length > 20 && el.innerText !== prev; }}", arg=before, timeout=60_000)
        after = output.inner_text()
        widget.screenshot(path=str(ARTIFACTS / f"{Path(notebook).stem}_after.png"))
        assert after != before and after_value.split("-")[0] in after.lower() + after_value
        # the calculator fits the notebook's width: no horizontal scrolling
        assert widget.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert "Traceback" not in " ".join(errors.all_inner_texts())
    except Exception as exc:
        page.screenshot(path=str(ARTIFACTS / f"{Path(notebook).stem}_failure.png"), full_page=True)
        errors = page.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']").all_inner_texts()
        raise AssertionError(f"{notebook}: {exc}\ncell errors: {errors[:2]}") from exc
    finally:
        page.close()


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
    for cell, s in zip(nb.cells, seen):
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
