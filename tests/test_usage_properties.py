"""Property-based: whatever the provider's shape, cached tokens are counted once, never dropped."""
import pytest
from hypothesis import given
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
