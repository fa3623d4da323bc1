"""Shared test set-up.

The notebooks are validated against their committed outputs (strict nbval), so
they must not depend on what happens to run on the machine: the kernels nbval
starts inherit COURSE_LIB_OFFLINE=1 and skip probing for servers and GPUs. The
live paths are tested against a real llama.cpp server in tests/test_live*.py.
"""
import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("COURSE_LIB_OFFLINE", "1")
os.environ.pop("MPLBACKEND", None)  # notebook kernels need the inline backend

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


def load_response(name: str) -> dict:
    """A recorded response body from data/responses/ (with its source)."""
    return json.loads((DATA / "responses" / f"{name}.json").read_text())


@pytest.fixture
def responses():
    return load_response
