"""Property-based: whatever the provider's shape, cached tokens are counted once, never dropped."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_lib.billing import cost
from course_lib.usage import normalize

n = st.integers(0, 2_000_000)


@given(uncached=n, read=n, write=n, out=n)
def test_anthropic_input_is_the_sum_of_its_parts(uncached, read, write, out):
    u = normalize({"usage": {"input_tokens": uncached, "cache_read_input_tokens": read,
                             "cache_creation_input_tokens": write, "output_tokens": out}})
    assert (u.input_tokens, u.uncached_input_tokens, u.cache_read_tokens, u.cache_write_tokens) == \
        (uncached + read + write, uncached, read, write)
    b = cost(u, "claude-sonnet-4-6")
    assert b.total_usd == pytest.approx((uncached * 3 + read * 0.3 + write * 3.75 + out * 15) / 1e6)


@given(data=st.data(), prompt=n, out=n)
def test_openai_deepseek_llamacpp_shapes_agree(data, prompt, out):
    cached = data.draw(st.integers(0, prompt))
    openai = normalize({"usage": {"prompt_tokens": prompt, "completion_tokens": out,
                                  "prompt_tokens_details": {"cached_tokens": cached}}})
    deepseek = normalize({"usage": {"prompt_tokens": prompt, "completion_tokens": out,
                                    "prompt_cache_hit_tokens": cached, "prompt_cache_miss_tokens": prompt - cached,
                                    "prompt_tokens_details": {"cached_tokens": cached}}})
    gemini = normalize({"usageMetadata": {"promptTokenCount": prompt, "candidatesTokenCount": out,
                                          "cachedContentTokenCount": cached}})
    for u in (openai, deepseek, gemini):
        assert (u.input_tokens, u.cache_read_tokens, u.output_tokens) == (prompt, cached, out)


@given(data=st.data(), prompt=n)
def test_more_cached_than_input_is_refused(data, prompt):
    cached = data.draw(st.integers(prompt + 1, prompt + 10_000))
    with pytest.raises(ValueError, match="cache_read_tokens"):
        normalize({"usage": {"prompt_tokens": prompt, "completion_tokens": 0,
                             "prompt_tokens_details": {"cached_tokens": cached}}})


_SHAPES = {
    "openai-chat": lambda a, b, c, d: {"usage": {"prompt_tokens": a + b + c, "completion_tokens": d,
                                                 "prompt_tokens_details": {"cached_tokens": b, "cache_write_tokens": c}}},
    "openai-responses": lambda a, b, c, d: {"object": "response", "usage": {
        "input_tokens": a + b + c, "output_tokens": d, "input_tokens_details": {"cached_tokens": b, "cache_write_tokens": c}}},
    "anthropic": lambda a, b, c, d: {"type": "message", "usage": {
        "input_tokens": a, "cache_read_input_tokens": b, "cache_creation_input_tokens": c, "output_tokens": d,
        "output_tokens_details": {"thinking_tokens": d // 2}}},
    "bedrock-converse": lambda a, b, c, d: {"usage": {"inputTokens": a, "cacheReadInputTokens": b,
                                                      "cacheReadInputTokenCount": b, "cacheWriteInputTokens": c,
                                                      "outputTokens": d}},
    "gemini": lambda a, b, c, d: {"usageMetadata": {"promptTokenCount": a + b + c, "cachedContentTokenCount": b,
                                                    "candidatesTokenCount": d}},
    "deepseek": lambda a, b, c, d: {"usage": {"prompt_tokens": a + b + c, "completion_tokens": d,
                                              "prompt_cache_hit_tokens": b, "prompt_cache_miss_tokens": a + c,
                                              "prompt_tokens_details": {"cached_tokens": b}}},
}


@given(shape=st.sampled_from(sorted(_SHAPES)), a=n, b=n, c=n, d=n)
def test_no_shape_counts_a_cached_token_twice_or_goes_negative(shape, a, b, c, d):
    u = normalize(_SHAPES[shape](a, b, c, d))
    assert u.shape == shape
    counts = [u.input_tokens, u.output_tokens, u.cache_read_tokens or 0, u.cache_write_tokens or 0,
              u.reasoning_tokens or 0, u.uncached_input_tokens]
    assert min(counts) >= 0
    assert u.input_tokens == u.uncached_input_tokens + (u.cache_read_tokens or 0) + (u.cache_write_tokens or 0)
    assert u.input_tokens == a + b + c and u.output_tokens == d
    assert (u.cache_read_tokens or 0) == b


# keys real bodies carry beside their usage (and a few others): none of them is a count
_ANY_KEYS = st.sampled_from(["id", "model", "object", "created", "choices", "content", "role", "stop_reason",
                             "type", "data", "output", "candidates", "message", "system_fingerprint", "x", "total"])


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(body=st.dictionaries(_ANY_KEYS, st.one_of(st.integers(0, 10**6), st.sampled_from(["", "ok", "stop", "x"])),
                            max_size=6))
def test_a_body_without_usage_is_refused_never_read_as_zero(body):
    with pytest.raises(ValueError, match="usage|shape"):
        normalize(body)
