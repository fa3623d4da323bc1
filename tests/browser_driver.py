"""Drive JupyterLab in Debian's Chromium: start a lab on 127.0.0.1, open a notebook, run it, and work
every control of a calculator as a learner would. Used by tests/test_browser.py and
benchmarks/widget_latency.py. Playwright never downloads a browser: it is given Debian's.
"""
from __future__ import annotations

import ast
import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]

# notebook -> css class of its calculator
CALCULATORS = {
    "03_five_levers.ipynb": "course-cost-explorer",
    "04_private_deployment.ipynb": "course-vram-calculator",
    "05_tco.ipynb": "course-break-even",
    "06_your_own_bill.ipynb": "course-own-bill",
}


@contextlib.contextmanager
def lab_server(work: Path):
    """A JupyterLab on 127.0.0.1 over a copy of notebooks/ and data/; yields (url, token); stops it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
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
                    raise RuntimeError("JupyterLab did not start:\n" + (work / "lab.log").read_text()[-2000:]) from None
                time.sleep(0.5)
        yield url, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def open_and_run(page, url: str, token: str, notebook: str) -> None:
    """Open ``notebook`` in a workspace of its own and Run All once the kernel is connected."""
    page.goto(f"{url}/lab/workspaces/t{Path(notebook).stem[:2]}/tree/{notebook}?reset&token={token}", timeout=90_000)
    page.wait_for_selector(f"{PANEL} .jp-Notebook", timeout=90_000)
    page.wait_for_selector(f"{PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
    # the kernel's session must be connected (the status bar says "... | Idle") before Run All;
    # a Run All sent earlier walks the cells without running them, so try again (bounded)
    page.wait_for_selector(".jp-StatusBar-Item:has-text('| Idle')", timeout=90_000)
    for attempt in range(3):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click(timeout=30_000)
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click(timeout=30_000)
        try:
            page.wait_for_selector(f"{PANEL} .jp-InputPrompt:has-text('[1]')", timeout=30_000)
            break
        except Exception:
            if attempt == 2:
                raise


def wait_calculator(page, css: str):
    """The calculator's box, once its answer is shown."""
    widget = page.locator(f".{css}")
    widget.wait_for(state="attached", timeout=180_000)
    widget.scroll_into_view_if_needed(timeout=30_000)
    page.wait_for_function("(css) => { const a = document.querySelector('.' + css + ' .course-answer');"
                           " return !!a && a.innerText.includes('inputs:'); }", arg=css, timeout=120_000)
    return widget


def wait_idle(page) -> None:
    page.wait_for_selector(f"{PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)


def controls(widget) -> list[tuple[str, object]]:
    """(kind, locator) for every control: select, checkbox, slider."""
    out = [("select", s) for s in widget.locator("select").all()]
    out += [("checkbox", c) for c in widget.locator("input[type=checkbox]").all()]
    out += [("slider", s) for s in widget.locator(".widget-slider, .widget-hslider").all()]
    return out


def label(kind: str, loc) -> str:
    return loc.evaluate("el => { const w = el.closest('.widget-inline-hbox, .widget-checkbox, .jupyter-widgets');"
                        " const l = w && w.querySelector('label, .widget-label'); return l ? l.innerText : ''; }")


def change(page, kind: str, loc) -> None:
    """Move one control as a learner would: another option, a click, or one step of a slider."""
    if kind == "select":
        options = loc.locator("option").all_inner_texts()
        values = loc.evaluate("el => [...el.options].map(o => o.value)")
        current = loc.input_value()
        i = values.index(current)
        loc.select_option(values[(i + 1) % len(values)])
        del options
    elif kind == "checkbox":
        loc.click()
    else:
        handle = loc.locator(".noUi-handle").first
        handle.scroll_into_view_if_needed()
        now = handle.get_attribute("aria-valuenow")
        top = handle.get_attribute("aria-valuemax")
        handle.press("ArrowLeft" if now == top else "ArrowRight")  # focuses the handle, then the key


_CHART = """
async (img) => {
  if (!img.complete) await new Promise(r => img.addEventListener('load', r, {once: true}));
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let ink = 0, lastRowInk = 0, sum = 0, sum2 = 0;
  for (let p = 0; p < d.length; p += 4) {
    const v = (d[p] + d[p + 1] + d[p + 2]) / 3;
    sum += v; sum2 += v * v;
    if (v < 200) ink++;
  }
  // a half-drawn PNG is blank at the bottom: count ink in the lowest 15% of rows
  const start = Math.floor(c.height * 0.85) * c.width * 4;
  for (let p = start; p < d.length; p += 4) if ((d[p] + d[p + 1] + d[p + 2]) / 3 < 200) lastRowInk++;
  const n = d.length / 4;
  return {width: c.width, height: c.height, ink: ink / n, bottomInk: lastRowInk,
          std: Math.sqrt(Math.max(0, sum2 / n - (sum / n) ** 2))};
}
"""


def chart_stats(widget) -> dict | None:
    img = widget.locator("img").first
    if img.count() == 0 or not img.get_attribute("src") or not img.is_visible():
        return None
    return img.evaluate(_CHART)


def answer_text(widget) -> str:
    return widget.locator(".course-answer").first.inner_text()


def inputs_of(answer: str) -> dict:
    """The inputs the answer says it was computed for: ``inputs: a=1, b=x``."""
    line = next(l for l in answer.splitlines() if l.startswith("inputs: "))
    out = {}
    for part in re.split(r", (?=\w+=)", line[len("inputs: "):]):
        k, v = part.split("=", 1)
        try:
            out[k] = ast.literal_eval(v)
        except (ValueError, SyntaxError):
            out[k] = v
    return out


def change_and_wait(page, widget, kind, loc, timeout_s: float = 30) -> dict:
    """Change one control; wait for a new answer and, if there is a chart, a complete image.

    Returns the latency in ms from the control's event (the first input, change, key or pointer event the
    calculator receives) to the complete output, measured in the page (``latency_ms``), and the same from before
    the driver starts finding the control's next value (``driver_ms``: that also counts the driver's own round
    trips to the page, a few tens of ms)."""
    before_text = answer_text(widget)
    before_src = widget.evaluate("el => { const i = el.querySelector('img');"
                                 " return i && i.offsetParent !== null && i.naturalWidth > 0 ? i.src : null; }")
    widget.evaluate(_MARK_EVENT)
    t0 = page.evaluate("performance.now()")
    change(page, kind, loc)
    page.wait_for_function(
        """([el, prevText, prevSrc]) => {
             const a = el.querySelector('.course-answer');
             const img = el.querySelector('img');
             const textDone = a && a.innerText !== prevText;
             // the widget sends its chart before its answer; an unchanged chart is not re-sent
             const imgDone = !prevSrc || (img && img.complete && img.naturalWidth > 0);
             if (textDone && imgDone && !el.dataset.doneAt) el.dataset.doneAt = performance.now();
             return textDone && imgDone;
           }""", arg=[widget.element_handle(), before_text, before_src], timeout=timeout_s * 1000, polling="raf")
    done, event = widget.evaluate("el => { const t = [el.dataset.doneAt, el.dataset.eventAt];"
                                  " delete el.dataset.doneAt; delete el.dataset.eventAt; return t; }")
    done = float(done)
    return {"latency_ms": done - float(event), "driver_ms": done - t0, "answer": answer_text(widget)}


# the time of the first event a change gives the calculator (captured on its box before any control sees it)
_MARK_EVENT = """el => {
  delete el.dataset.eventAt;
  if (!el.dataset.marking) {
    el.dataset.marking = '1';
    const mark = () => { if (!el.dataset.eventAt) el.dataset.eventAt = performance.now(); };
    for (const type of ['input', 'change', 'keydown', 'pointerdown', 'mousedown', 'click'])
      el.addEventListener(type, mark, {capture: true});
  }
}"""
