"""Ollama-only calls (show, ps, chat) through the official client, against recorded real response bodies.

No Ollama server installs from a package registry here, so a tiny HTTP server on
127.0.0.1 replays real recorded bodies: the official client, its timeouts and
course_lib's parsing all run for real; only the server is a recording.
"""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from course_lib import live
from course_lib.data import DATA_DIR

SHOW = json.loads((DATA_DIR / "recorded" / "ollama_show_llama3.1_8b.json").read_text())["body"]
PS = json.loads((DATA_DIR / "recorded" / "ollama_ps.json").read_text())["body"]
CHAT = json.loads((DATA_DIR / "responses" / "ollama_chat.json").read_text())["body"]


class Replay(BaseHTTPRequestHandler):
    routes = {"/api/show": SHOW, "/api/ps": PS, "/api/chat": CHAT, "/api/version": {"version": "recorded"}}

    def _reply(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = json.dumps(self.routes.get(self.path, {"error": "not found"})).encode()
        self.send_response(200 if self.path in self.routes else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _reply

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def replay():
    srv = HTTPServer(("127.0.0.1", 0), Replay)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_ps_table_from_a_recorded_body():
    t = live.ps_table(PS)
    assert t.loc["mistral:latest", "gpu_share"] == 1.0
    assert t.loc["mistral:latest", "size_gib"] == pytest.approx(5137025024 / 2**30)


def test_official_client_show_ps_chat(replay, monkeypatch):
    monkeypatch.delenv("COURSE_LIB_OFFLINE", raising=False)
    client = live.ollama_client(replay, timeout=5)
    assert live.probe_ollama(replay).reachable
    shown = live._plain(client.show("dolphin3"))  # the client names it modelinfo
    assert shown["modelinfo"]["llama.block_count"] == 32
    assert live.ollama_tokens_per_s(client.chat(model="x", messages=[])) == pytest.approx(298 / 4.799921)


def test_ctx_sweep_sets_ollama_beside_the_estimate(replay):
    df = live.ollama_ctx_sweep("mistral:latest", (2048, 8192), client=live.ollama_client(replay, 5), progress=False)
    assert list(df.index) == [2048, 8192]
    assert (df["estimate_gib"].diff().dropna() > 0).all() and (df["gpu_share"] == 1.0).all()


def test_client_times_out_on_a_silent_server():
    import socket

    import httpx
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        client = live.ollama_client(f"http://127.0.0.1:{s.getsockname()[1]}", timeout=1)
        t0 = time.monotonic()
        with pytest.raises((ConnectionError, httpx.TimeoutException)):
            client.ps()
        assert time.monotonic() - t0 < 5


def test_missing_eval_duration():
    with pytest.raises(ValueError, match="eval_duration"):
        live.ollama_tokens_per_s({"eval_count": 3})
