#!/usr/bin/env bash
# Every test: course_lib (unit and property-based), the notebooks (strict nbval),
# the live llama.cpp server, the browser. Used by `make test` and so by .ci/run.
set -uo pipefail
PY="${1:-.venv/bin/python}"
mkdir -p test-artifacts
"$PY" -m pytest "${@:2}"
rc=$?
# pytest exits 5 when it collected no test: that is a failure here, never a pass.
[ "$rc" -eq 5 ] && echo "no tests were collected" >&2
exit "$rc"
