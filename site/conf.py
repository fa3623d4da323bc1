"""Sphinx configuration of the course website (``make site``; built by scripts/build_site.py).

The site renders the committed, executed notebooks as they are (``nb_execution_mode = "off"``): what a
reader sees on the web is exactly what nbval checks. It builds and reads offline: MathJax is served from
the site itself (the copy inside the sphinx-mathjax-offline package), nothing is loaded from a CDN.
"""
import os

project = "LLM cost and deployment for web developers"
author = "the course authors"
copyright = "the course authors, MIT licence"
extensions = ["myst_nb"]
root_doc = "index"
exclude_patterns = ["_build"]

# the notebooks as committed: never re-executed here
nb_execution_mode = "off"
# a calculator's live widget cannot run on a static page: show its static snapshot (text/html) instead
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
nb_ipywidgets_js = {}  # no widget JavaScript from a CDN
myst_enable_extensions = ["dollarmath"]  # $$...$$ display maths as in JupyterLab
myst_dmath_allow_labels = False
myst_dmath_double_inline = True
# currency is written "USD 0.02" in the course; a single $ never starts maths on the site
myst_dmath_allow_space = False
myst_dmath_allow_digits = False
suppress_warnings = ["mystnb.unknown_mime_type"]

# MathJax 3.2.2 from the sphinx-mathjax-offline package (copied into the site by scripts/build_site.py):
# TeX in, SVG out, one self-contained script, so the page loads no font files and nothing from a CDN
mathjax_path = "mathjax/tex-svg.js"
mathjax3_config = {
    "tex": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]]},  # never a single $
    "options": {"processHtmlClass": "tex2jax_process|mathjax_process|math|output_area"},
}

html_theme = "sphinx_book_theme"
html_title = project
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_show_sourcelink = False
html_last_updated_fmt = None
html_copy_source = False
html_favicon = "_static/favicon.svg"
html_context = {"default_mode": "light"}

_repository = os.environ.get("COURSE_REPOSITORY_URL", "")  # set by scripts/build_site.py from pyproject
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "home_page_in_toc": True,
}
if _repository:
    html_theme_options.update({
        "repository_url": _repository,
        "repository_branch": "main",
        "path_to_docs": "",
        "use_repository_button": True,
        "launch_buttons": {"binderhub_url": "https://mybinder.org", "notebook_interface": "jupyterlab"},
    })
