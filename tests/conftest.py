"""Shared test fixtures. The environment every run needs (offline notebooks) is set in the root conftest.py."""
import json
import os
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


def load_response(name: str) -> dict:
    """A recorded response body from data/responses/ (with its source)."""
    return json.loads((DATA / "responses" / f"{name}.json").read_text())


def usage_counts(u) -> tuple:
    """A Usage's counts as one tuple: input, output, cache read, cache write, reasoning (None = not reported)."""
    return (u.input_tokens, u.output_tokens, u.cache_read_tokens, u.cache_write_tokens, u.reasoning_tokens)


@pytest.fixture
def responses():
    return load_response


def in_ci() -> bool:
    """True when the run is a CI run (CI=true, as GitHub Actions, GitLab and .ci/run's callers set it)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def missing_system_piece(reason: str) -> None:
    """A system piece a test needs is absent: a skip on a learner's machine, a failure in CI.

    A CI run that skipped the browser or the sandbox would be green without testing them, so under
    CI=true the absence fails the run; scripts/install-system-deps.sh fails there too.
    """
    if in_ci():
        pytest.fail(f"{reason}; CI=true, so a missing system piece fails the run "
                    "(scripts/install-system-deps.sh installs it)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def missing():
    """``missing(reason)``: skip here, fail under CI=true (see missing_system_piece)."""
    return missing_system_piece
