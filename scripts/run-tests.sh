#!/usr/bin/env bash
# The linter (ruff, configured in pyproject.toml), then every test: course_lib (unit and
# property-based), the notebooks (strict nbval), the live llama.cpp server, the browser.
# Used by `make test` and so by .ci/run. A ruff finding fails the run before pytest starts.
set -uo pipefail
PY="${1:-.venv/bin/python}"
"$PY" -m ruff check . || { echo "ruff found problems (see above): fix them, then run the tests" >&2; exit 1; }
mkdir -p test-artifacts
"$PY" -m pytest "${@:2}"
rc=$?
# pytest exits 5 when it collected no test: that is a failure here, never a pass.
[ "$rc" -eq 5 ] && echo "no tests were collected" >&2
exit "$rc"
