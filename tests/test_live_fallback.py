"""A reachable but slow server does not stop Run All (issue 22): the live parts of lessons 02 and 04 fall back
to their recordings, labelled, when the server answers its probe but not the run within its deadline.

A fake OpenAI-compatible server on 127.0.0.1 answers ``/v1/models`` at once and every chat call only after
3 s (a room's requests queued behind each other); the deadline is set to 0.5 s with COURSE_LLM_TIMEOUT_S.
The lessons' own section-8 cells are run, as the notebooks run them.
"""
import contextlib
import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from course_lib import live, review

ROOT = Path(__file__).resolve().parent.parent


class _Slow(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _json(self, obj):
        body = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self._json({"data": [{"id": "busy-model"}]})

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(3)  # bounded: slower than the deadline, never hung
        try:
            self._json({"choices": [{"message": {"content": "late"}}],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1}})
        except OSError:
            pass


@pytest.fixture
def busy_server(monkeypatch):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    monkeypatch.setenv("COURSE_LIB_OFFLINE", "0")
    monkeypatch.setenv("COURSE_LLM_BASE_URL", f"http://127.0.0.1:{srv.server_address[1]}/v1")
    monkeypatch.setenv("COURSE_LLM_TIMEOUT_S", "0.5")
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")  # nothing there: refused at once
    yield srv
    srv.shutdown()
    srv.server_close()


def _cell(lesson: str) -> str:
    """The lesson's cell that runs its live part (percent-format source)."""
    src = (ROOT / "notebooks" / "src" / f"{lesson}.py").read_text()
    cells = [c for c in src.split("\n# %%") if "live.live_or_recorded(" in c]
    assert len(cells) == 1, f"{lesson}: expected one cell with live.live_or_recorded"
    return cells[0].split("\n", 1)[1]


def test_the_probe_sees_the_busy_server_but_a_chat_call_misses_its_deadline(busy_server):
    assert live.probe_openai().reachable
    t0 = time.monotonic()
    with pytest.raises(ConnectionError, match="within 0.5 s"):
        live.openai_chat(live.openai_base_url(), [{"role": "user", "content": "hi"}])
    assert time.monotonic() - t0 < 2.5


def test_live_or_recorded_returns_the_recording_and_says_why(busy_server):
    said = []
    out = live.live_or_recorded(lambda: live.openai_chat(live.openai_base_url(), []), lambda: "recorded",
                                say=said.append)
    assert out == "recorded" and "did not answer within 0.5 s" in said[0] and "COURSE_LLM_TIMEOUT_S" in said[0]
    assert live.live_or_recorded(lambda: "live", lambda: "recorded") == "live"


@pytest.mark.parametrize("lesson, env", [
    ("04_private_deployment", lambda: {"display": print,
                                       "cpu": pd.DataFrame({"decode_tok_s": [100.0], "prompt_tok_s": [400.0]})}),
    ("02_review_assistant", lambda: {"review": review, "json": json, "Path": Path, "MODELS": ["gpt-5.5"]}),
])
def test_the_lessons_live_part_falls_back_instead_of_stopping_run_all(busy_server, monkeypatch, lesson, env):
    monkeypatch.chdir(ROOT / "notebooks")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(_cell(lesson), f"{lesson} section 8", "exec"), {"live": live, **env()})  # noqa: S102
    text = out.getvalue()
    assert "The live part stopped" in text and "RECORDED" in text, text


def test_a_bad_deadline_setting_is_named(monkeypatch):
    monkeypatch.setenv("COURSE_LLM_TIMEOUT_S", "soon")
    with pytest.raises(ValueError, match="COURSE_LLM_TIMEOUT_S"):
        live.chat_timeout()
    monkeypatch.setenv("COURSE_LLM_TIMEOUT_S", "90")
    assert live.chat_timeout() == 90.0
