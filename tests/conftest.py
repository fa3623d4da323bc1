"""Shared test fixtures. The environment every run needs (offline notebooks) is set in the root conftest.py."""
import json
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


def load_response(name: str) -> dict:
    """A recorded response body from data/responses/ (with its source)."""
    return json.loads((DATA / "responses" / f"{name}.json").read_text())


@pytest.fixture
def responses():
    return load_response
