"""The live path against a real local model server.

The fixture starts llama.cpp's server (prebuilt xllamacpp wheel) with Gemma 3
270M from PyPI on 127.0.0.1 and stops it afterwards. The model is a base
model: these tests assert on token counts, usage, cache hits and timings,
never on generated text.
"""
import time

import pytest

from course_lib import live
from course_lib.billing import cost
from course_lib.llama_server import LlamaServer
from course_lib.usage import normalize

pytestmark = pytest.mark.live

MESSAGES = [
    {"role": "system", "content": "You are a careful code reviewer. Point out bugs in the diff. " * 4},
    {"role": "user", "content": "--- a/cart.py\n+++ b/cart.py\n-    return total\n+    return total - discount\n"},
]


@pytest.fixture(scope="module")
def server():
    with LlamaServer(ctx=8192) as srv:
        yield srv
    assert srv.proc is None  # stopped


def test_health_props_metrics(server):
    assert live.http_json(f"{server.base_url}/health")["status"] == "ok"
    props = live.http_json(f"{server.base_url}/props")
    assert props["default_generation_settings"]["n_ctx"] == 8192


def test_usage_is_normalised_and_priced(server):
    body = server.chat(MESSAGES, max_tokens=8)
    u = normalize(body)
    assert u.shape == "llamacpp" and u.output_tokens == 8 and u.input_tokens > 40
    assert cost(u, "claude-sonnet-4-6").total_usd == pytest.approx(
        (u.input_tokens * 3 + 8 * 15) / 1e6)


def test_second_identical_call_hits_the_prompt_cache(server):
    fresh = [{"role": "system", "content": "Review this change for security issues first. " * 4}, MESSAGES[1]]
    first = normalize(server.chat(fresh, max_tokens=4))
    second_body = server.chat(fresh, max_tokens=4)
    second = normalize(second_body)
    assert second.input_tokens == first.input_tokens and first.cache_read_tokens < second.cache_read_tokens
    assert 0 < second.cache_read_tokens < second.input_tokens
    assert second_body["timings"]["prompt_n"] == second.input_tokens - second.cache_read_tokens
    assert cost(second, "claude-sonnet-4-6").total_usd < cost(first, "claude-sonnet-4-6").total_usd


def test_tokenize_counts_match_usage_growth(server):
    assert len(server.tokenize("Hello world")) == 2


def test_probe_finds_the_server(server, monkeypatch):
    monkeypatch.delenv("COURSE_LIB_OFFLINE", raising=False)
    p = live.probe_openai(f"{server.base_url}/v1", timeout=5)
    assert p.reachable and "models" in p.detail


def test_no_server_answers_fast(monkeypatch):
    monkeypatch.delenv("COURSE_LIB_OFFLINE", raising=False)
    t0 = time.monotonic()
    p = live.probe_ollama("http://127.0.0.1:9", timeout=2)
    assert not p.reachable and time.monotonic() - t0 < 5


def test_a_server_that_never_answers_times_out(monkeypatch):
    import socket
    monkeypatch.delenv("COURSE_LIB_OFFLINE", raising=False)
    with socket.socket() as s:  # accepts connections, never replies
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        t0 = time.monotonic()
        with pytest.raises(ConnectionError, match="did not answer within 1 s"):
            live.http_json(f"http://127.0.0.1:{s.getsockname()[1]}/api/version", timeout=1)
        assert time.monotonic() - t0 < 5


def test_bad_timeout_rejected():
    with pytest.raises(ValueError, match="timeout"):
        live.http_json("http://127.0.0.1:9", timeout=0)


def test_review_v1_and_short_v3_live(server):
    import functools
    from course_lib.review import live_runs, price_live
    # 120 s, not the classroom's 30: this test checks the counts, and a shared 2-core CI box under load has
    # taken over 30 s for the 1,500-token prefill (the classroom's deadline and fallback are tested elsewhere)
    bodies = live_runs(functools.partial(live.openai_chat, f"{server.base_url}/v1", timeout=120), v3_turns=2,
                       max_tokens=8)
    t = price_live(bodies, ["claude-sonnet-4-6", "deepseek-v4-pro"])
    assert (t["v1_input"] > 1500).all() and (t["v3_turns"] == 2).all()
    assert t.loc["claude-sonnet-4-6", "v3_cached"] > 0  # turn 2 re-sends turn 1: a real cache hit


def test_openai_server_measure_and_metrics(server):
    m = live.openai_server_measure(f"{server.base_url}/v1", max_tokens=8)
    assert m["n_ctx"] == 8192 and m["decode_tok_s"] > 0 and m["usage"]["completion_tokens"] == 8
    metrics = live.prometheus_metrics(f"{server.base_url}/v1")
    assert metrics["llamacpp:tokens_predicted_total"] >= 8


def test_memory_reported_by_the_server_log_matches_the_estimator(server):
    import re
    from course_lib import vram
    log = server.log()
    kv = sum(float(x) for x in re.findall(r"llama_kv_cache: size = +([\d.]+) MiB", log))
    assert kv == pytest.approx(vram.kv_bytes("gemma-3-270m", 8192) / vram.MIB, abs=0.01)


def test_timestamp_first_destroys_cache_hits_live():
    import json
    from course_lib.agent import SYSTEM_PROMPT, TOOLS
    stable = SYSTEM_PROMPT + "\nTools: " + json.dumps(TOOLS)
    with LlamaServer(ctx=2048, swa_full=True) as srv:
        def cached(layout):
            out = []
            for i in range(3):
                stamp = f"Current time: 2026-06-15T09:00:{10 + i * 17:02d}"
                system = stamp + "\n" + stable if layout == "first" else stable + "\n" + stamp
                out.append(normalize(srv.chat([{"role": "system", "content": system},
                                               {"role": "user", "content": "Review PR #42."}], max_tokens=1)))
            return out
        first, last = cached("first"), cached("last")
    assert all(u.cache_read_tokens < 0.1 * u.input_tokens for u in first)
    assert all(u.cache_read_tokens > 0.9 * u.input_tokens for u in last[1:])


def test_local_models_own_tokenizer_counts_through_llama_cpp(server):
    from course_lib import tokens
    c = tokens.count("The model gives you capability; the workflow decides the bill.", "gemma3", server=server)
    assert c.exact and c.family == "gemma3" and 8 <= c.tokens <= 20
    assert tokens.encode("Hello world", "gemma3", server=server) == server.tokenize("Hello world")
