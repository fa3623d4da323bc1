"""Where the course's data lives and how it is read: the bottom room every other one reads through.

``data/`` beside the package in the repository, ``course_lib/_data`` inside an installed wheel
(pyproject.toml ships it there). Every CSV under it may open with ``#`` lines that describe it; the
reader skips them. The labelled assumptions (``data/lever_assumptions.csv``) and the providers' cache
rules (``data/cache_rules.csv``) are read here, so the lessons that use them (notebooks ``03`` and
``06``) do not import one another to reach a file. Data files and their sources are listed in
``data/README.md``.
"""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path


def _data_dir() -> Path:
    """``data/`` beside the package in the repository; ``course_lib/_data`` inside an installed wheel."""
    repo = Path(__file__).resolve().parent.parent / "data"
    if (repo / "README.md").is_file():
        return repo
    packaged = Path(__file__).resolve().parent / "_data"
    if packaged.is_dir():
        return packaged
    raise RuntimeError(f"course_lib's data is missing: neither {repo} nor {packaged} exists; "
                       "reinstall course_lib (pip install .) or run from the repository")


#: The data directory every lesson reads from (notebook ``01_token_billing`` first).
DATA_DIR = _data_dir()


def data_rows(name: str) -> list[dict]:
    """The rows of ``data/<name>``, a CSV file whose leading ``#`` lines describe it (parsed once; callers
    get copies). Every notebook reads its data through it; first in notebook ``01_token_billing``.
    """
    return [dict(r) for r in _rows(name)]


@lru_cache(maxsize=None)
def _rows(name: str) -> tuple:
    with open(DATA_DIR / name, newline="", encoding="utf-8") as fh:
        return tuple(csv.DictReader(line for line in fh if not line.startswith("#")))


def assumption(name: str) -> float:
    """A labelled assumption from ``data/lever_assumptions.csv``, where each says why it is one; whole numbers
    of turns or tokens come back as ``int``. Taught in notebooks ``03_five_levers`` and ``06_your_own_bill``."""
    for r in data_rows("lever_assumptions.csv"):
        if r["name"] == name:
            v = float(r["value"])
            return int(v) if v.is_integer() and r["unit"] in ("turns", "tokens", "tokens per call") else v
    raise ValueError(f"name: {name!r} is not in data/lever_assumptions.csv")


def min_cacheable_prefix(provider: str) -> int:
    """The shortest prefix a provider caches (``data/cache_rules.csv``; 1,024 tokens where the provider is not
    listed). Taught in notebooks ``03_five_levers`` and ``06_your_own_bill``."""
    for r in data_rows("cache_rules.csv"):
        if r["provider"] == provider:
            return int(r["min_prefix_tokens"])
    return 1024
