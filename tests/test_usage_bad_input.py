"""Bad input to the usage reader and the CLI (issue 22): JSON nested 10,000 deep is a clear error, never a
RecursionError traceback, in `usage` and in `bill`; a count of 1e20 is refused quoting the value, never
overflowed into a negative 64-bit number."""
import json
import subprocess
import sys

import pytest

from course_lib.usage import MAX_COUNT, loads_json, normalize

DEEP_LIST = "[" * 10_000 + "]" * 10_000
DEEP_OBJECT = '{"usage":' * 10_000 + "1" + "}" * 10_000


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "course_lib", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("text", [DEEP_LIST, DEEP_OBJECT])
def test_json_nested_too_deep_is_a_clear_error(text):
    with pytest.raises(ValueError, match="body: JSON nested too deeply"):
        loads_json(text)
    assert loads_json("[[[1]]]") == [[[1]]]
    with pytest.raises(json.JSONDecodeError):
        loads_json("{not json")


@pytest.mark.parametrize("command", ["usage", "bill"])
def test_the_cli_says_so_without_a_traceback(tmp_path, command):
    path = tmp_path / "deep.json"
    path.write_text(DEEP_OBJECT)
    r = _cli(command, str(path))
    assert r.returncode == 2 and "nested too deeply" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_a_count_of_1e20_is_refused_quoting_it():
    with pytest.raises(ValueError, match=r"usage.prompt_tokens: 1e\+20 is more than the largest count") as e:
        normalize({"usage": {"prompt_tokens": 1e20, "completion_tokens": 5}})
    assert "-9223372036854775808" not in str(e.value) and f"{MAX_COUNT:,}" in str(e.value)
    assert normalize({"usage": {"prompt_tokens": MAX_COUNT, "completion_tokens": 0}}).input_tokens == MAX_COUNT


def test_a_stream_event_nested_too_deep_is_refused():
    with pytest.raises(ValueError, match="stream: JSON nested too deeply"):
        normalize(["data: " + DEEP_LIST])
