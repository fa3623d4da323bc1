"""Build the course website from the committed, executed notebooks (``make site``).

    python scripts/build_site.py [--out _build/site]

It stages a Sphinx source folder (``_build/site-src``): the configuration and style of ``site/``, the
notebooks as committed (under ``notebooks/``, so a page's Binder link opens the same path in the
repository), MathJax 3 from the sphinx-mathjax-offline package (no CDN), and a home page made from the
README's introduction and lesson table (one home per fact: the table is written once, in the README).
Then ``sphinx-build`` writes static HTML that any web server, or GitHub Pages, can serve as it is.
Nothing is executed and nothing is downloaded: the build works offline.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = "OWNER/REPO"


def repository_url() -> str:
    """The public repository from pyproject's ``[project.urls] Repository``; empty while it is a placeholder."""
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("urls", {})
    url = urls.get("Repository", "")
    return "" if PLACEHOLDER in url else url


def lessons() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def home_page(readme: str, names: list[str]) -> str:
    """index.md: the README's title, opening and lesson table, with each lesson linked to its page."""
    title = readme.splitlines()[0].lstrip("# ").strip()
    body = readme.split("\n## ", 1)[0].split("\n", 1)[1]
    body = "\n".join(line for line in body.splitlines()
                     if "mybinder.org" not in line and not line.startswith("<!--"))
    table = readme.split("\n## The lessons\n", 1)[1].split("\n## ", 1)[0]
    for name in names:
        table = table.replace(f"`{name}`", f"[{name}](notebooks/{name}.ipynb)")
    table = re.sub(r"\[INSTRUCTORS\.md\]\(INSTRUCTORS\.md\)", "INSTRUCTORS.md (in the repository)", table)
    run = ("## Run it yourself\n\nEvery page here is a notebook as executed when it was committed. The calculators "
           "show a static snapshot at their default settings; to move their controls, run the notebooks: clone "
           "the repository and run `make lab` (Python 3.11+, no GPU, no API key)")
    url = repository_url()
    run += (f", or open them on Binder with the launch button at the top of each lesson ({url}).\n"
            if url else ". A Binder launch button appears on each lesson once the repository's public address "
                        "is set in `pyproject.toml` (see the README).\n")
    toc = "\n".join(f"notebooks/{n}" for n in names)
    return (f"# {title}\n{body.rstrip()}\n\n## The lessons\n{table.rstrip()}\n\n{run}\n"
            f"```{{toctree}}\n:hidden:\n:maxdepth: 1\n\n{toc}\n```\n")


def stage(src: Path) -> None:
    if src.exists():
        shutil.rmtree(src)
    shutil.copytree(ROOT / "site", src)
    (src / "notebooks").mkdir()
    for nb in lessons():
        shutil.copy2(nb, src / "notebooks" / nb.name)
    import importlib.util
    mathjax = Path(importlib.util.find_spec("sphinx-mathjax-offline").origin).parent / "static" / "mathjax"
    (src / "_static" / "mathjax").mkdir()
    shutil.copy2(mathjax / "tex-svg.js", src / "_static" / "mathjax" / "tex-svg.js")
    (src / "index.md").write_text(home_page((ROOT / "README.md").read_text(), [p.stem for p in lessons()]))


def build(out: Path) -> float:
    """Stage and build the site into ``out``; returns the seconds it took."""
    t0 = time.perf_counter()
    src = out.parent / (out.name + "-src")
    stage(src)
    if out.exists():
        shutil.rmtree(out)
    env = {**os.environ, "COURSE_REPOSITORY_URL": repository_url()}
    subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going", "-j", "1",
                    str(src), str(out)], check=True, env=env)
    (out / ".nojekyll").touch()  # GitHub Pages: serve _static/ as it is
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "_build" / "site"))
    a = ap.parse_args()
    out = Path(a.out).resolve()
    secs = build(out)
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    print(f"built {len(pages)} pages into {out} in {secs:.1f} s")


if __name__ == "__main__":
    main()
