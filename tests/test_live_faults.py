"""Every network call ends by its deadline and every probe returns a Probe, whatever answers.

A fake server on 127.0.0.1 plays each fault real networks have (bounded in time, loopback only):
bytes that are not HTTP, an HTML error page, a JSON list, an HTTP 500, valid headers and then one
byte a second, a server that accepts and never answers; and a /metrics page with timestamps.
"""
import socket
import threading
import time

import pytest

from course_lib import live

BEHAVIOURS = {}


def _serve(conn, mode):
    try:
        _play(conn, mode)
    except OSError:  # the client gave up first: that is the point of a deadline
        pass
    finally:
        conn.close()


def _play(conn, mode):
    if True:
        conn.settimeout(5)
        try:
            conn.recv(65536)
        except OSError:
            pass
        if mode == "garbage":
            conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
        elif mode == "html":
            body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        elif mode == "list":
            body = b"[1, 2, 3]"
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        elif mode == "error500":
            body = b'{"error": "model not loaded"}'
            conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        elif mode == "trickle":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
            for _ in range(10):  # one byte a second, for at most 10 s
                conn.sendall(b" ")
                time.sleep(1)
        elif mode == "silent":
            time.sleep(8)
        elif mode == "metrics":
            body = (b"# HELP llamacpp:prompt_tokens_total Number of prompt tokens processed.\n"
                    b"# TYPE llamacpp:prompt_tokens_total counter\n"
                    b"llamacpp:prompt_tokens_total 417 1732800000000\n"
                    b'vllm:gpu_cache_usage_perc{model_name="a b"} 0.25\n'
                    b"plain_gauge 3.5\n")
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


@pytest.fixture(scope="module")
def fake():
    """One listening socket per fault; yields {mode: base url}."""
    servers, urls, stop = [], {}, threading.Event()
    for mode in ("garbage", "html", "list", "error500", "trickle", "silent", "metrics"):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        s.settimeout(0.2)
        servers.append(s)
        urls[mode] = f"http://127.0.0.1:{s.getsockname()[1]}"

        def loop(sock=s, mode=mode):
            deadline = time.monotonic() + 120  # the fixture stops by itself
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    conn, _ = sock.accept()
                except OSError:
                    continue
                threading.Thread(target=_serve, args=(conn, mode), daemon=True).start()
        threading.Thread(target=loop, daemon=True).start()
    yield urls
    stop.set()
    for s in servers:
        s.close()


@pytest.fixture(autouse=True)
def online(monkeypatch):
    monkeypatch.delenv("COURSE_LIB_OFFLINE", raising=False)


@pytest.mark.parametrize("mode, says", [
    ("garbage", "does not speak HTTP"), ("html", "HTML page"), ("list", "JSON list, not an object"),
    ("error500", "HTTP 500"), ("trickle", "did not answer within 2 s"), ("silent", "did not answer within 2 s"),
])
@pytest.mark.parametrize("probe", ["ollama", "openai"])
def test_every_probe_returns_a_probe_by_its_deadline(fake, mode, says, probe):
    t0 = time.monotonic()
    p = live.probe_ollama(fake[mode], timeout=2) if probe == "ollama" else live.probe_openai(fake[mode] + "/v1", timeout=2)
    elapsed = time.monotonic() - t0
    assert isinstance(p, live.Probe) and not p.reachable and says in p.detail
    assert elapsed < 2 + 1.0  # a total deadline, not one per socket read


def test_chat_against_a_trickling_server_ends_by_its_deadline(fake):
    t0 = time.monotonic()
    with pytest.raises(ConnectionError, match="within 3 s"):
        live.openai_chat(fake["trickle"] + "/v1", [{"role": "user", "content": "hi"}], timeout=3)
    assert time.monotonic() - t0 < 4
    assert live.CHAT_TIMEOUT_S <= 60


def test_ollama_client_errors_are_wrapped_with_the_host_and_what_to_do(fake):
    client = live.ollama_client(fake["silent"], timeout=1)
    t0 = time.monotonic()
    with pytest.raises(ConnectionError, match="did not answer list\\(\\) within 1 s"):
        client.list()
    assert time.monotonic() - t0 < 3
    with pytest.raises(ConnectionError, match="not reachable"):
        live.ollama_client("http://127.0.0.1:9", timeout=1).list()


def test_metrics_timestamps_are_not_taken_for_values(fake):
    m = live.prometheus_metrics(fake["metrics"] + "/v1")
    assert m["llamacpp:prompt_tokens_total"] == 417
    assert m['vllm:gpu_cache_usage_perc{model_name="a b"}'] == 0.25 and m["plain_gauge"] == 3.5


@pytest.mark.parametrize("value", ["localhost:abc", "http://[::1", "ftp://x"])
def test_a_malformed_ollama_host_is_named_not_a_traceback(monkeypatch, value):
    monkeypatch.setenv("OLLAMA_HOST", value)
    with pytest.raises(ValueError, match="OLLAMA_HOST"):
        live.ollama_host()
    p = live.probe_ollama()
    assert not p.reachable and "OLLAMA_HOST" in p.detail
