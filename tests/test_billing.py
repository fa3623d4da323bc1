"""Billing: the teaching numbers, per-call == vectorised == genai-prices, and clear errors."""
from datetime import datetime, time, timezone

import numpy as np
import pandas as pd
import pytest
from genai_prices import Usage as GPUsage
from genai_prices import calc_price
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.billing import cost, cost_frame, cost_tokens, compare_models
from course_lib.prices import quote
from course_lib.usage import Usage
from tests.fx_history import rate_on


# --- the source page's figures, recomputed (FINDINGS §1) -------------------------
def test_v1_is_0_0171_not_0_01():
    assert cost_tokens("claude-sonnet-4-6", 3200, 500).total_usd == pytest.approx(0.0171, abs=1e-12)


def test_v2_is_0_087_and_5x_v1_not_9x():
    v1 = cost_tokens("claude-sonnet-4-6", 3200, 500).total_usd
    v2 = cost_tokens("claude-sonnet-4-6", 25_000, 800).total_usd
    assert v2 == pytest.approx(0.087, abs=1e-12)
    assert v2 / v1 == pytest.approx(5.09, abs=0.01)


def test_v3_is_2_475():
    assert cost_tokens("claude-sonnet-4-6", 600_000, 45_000).total_usd == pytest.approx(2.475, abs=1e-12)


@pytest.mark.parametrize("as_of, period, usd", [
    ("2026-06-15", "standard", 0.09309),
    ("2026-08-20", "off-peak", 0.17886),
    ("2026-08-20", "peak", 0.35772),
])
def test_v3_on_deepseek_v4_pro_at_80_percent_cache_hits(as_of, period, usd):
    b = cost_tokens("deepseek-v4-pro", 600_000, 45_000, cached=480_000, as_of=as_of, period=period)
    assert b.total_usd == pytest.approx(usd, abs=1e-9)


def test_cached_tokens_billed_once_at_read_price():
    b = cost_tokens("claude-sonnet-4-6", 10_000, 0, cached=8_000)
    assert b.uncached_input_usd == pytest.approx(2_000 * 3 / 1e6)
    assert b.cache_read_usd == pytest.approx(8_000 * 0.3 / 1e6)


def test_cache_write_billed_at_write_price_and_defaults_to_input_price():
    b = cost_tokens("claude-sonnet-4-6", 1_000, 0, cache_write=1_000)
    assert b.cache_write_usd == pytest.approx(1_000 * 3.75 / 1e6)
    o = cost_tokens("gpt-5.5", 1_000, 0, cache_write=1_000)  # OpenAI: no write premium
    assert o.cache_write_usd == pytest.approx(1_000 * 5 / 1e6)


def test_long_context_tier_applies_to_the_whole_request():
    small = cost_tokens("gpt-5.5", 272_000, 1_000)
    big = cost_tokens("gpt-5.5", 272_001, 1_000)
    assert small.total_usd == pytest.approx((272_000 * 5 + 1_000 * 30) / 1e6)
    assert big.total_usd == pytest.approx((272_001 * 10 + 1_000 * 45) / 1e6)


def test_batch_halves_the_bill():
    assert cost_tokens("claude-sonnet-4-6", 3200, 500, batch=True).total_usd == pytest.approx(0.00855)


def test_currency():
    b = cost_tokens("claude-sonnet-4-6", 600_000, 45_000)
    assert b.total("CNY") == pytest.approx(2.475 * rate_on(b.as_of.isoformat()))
    assert b.total("CNY", rate=7.0) == pytest.approx(17.325)


def test_nothing_is_silently_zero():
    with pytest.raises(ValueError, match="usage"):
        cost({"prompt_tokens": 5}, "gpt-5.5")
    with pytest.raises(ValueError, match="unknown model"):
        cost_tokens("gpt-55", 1, 1)


def test_frame_errors_name_the_column():
    with pytest.raises(ValueError, match="output_tokens"):
        cost_frame(pd.DataFrame({"input_tokens": [1]}), "gpt-5.5")
    with pytest.raises(ValueError, match="input_tokens"):
        cost_frame(pd.DataFrame({"input_tokens": [1.5], "output_tokens": [1]}), "gpt-5.5")
    with pytest.raises(ValueError, match="output_tokens"):
        cost_frame(pd.DataFrame({"input_tokens": [1], "output_tokens": [-1]}), "gpt-5.5")
    with pytest.raises(ValueError, match="cache_read_tokens"):
        cost_frame(pd.DataFrame({"input_tokens": [1], "output_tokens": [1], "cache_read_tokens": [2]}), "gpt-5.5")


def test_compare_models_sorted_with_cny():
    t = compare_models(Usage(3200, 500), ["gpt-5.5", "claude-sonnet-4-6", "deepseek-v4-flash"])
    assert list(t.index) == ["deepseek-v4-flash", "claude-sonnet-4-6", "gpt-5.5"]
    assert {"total_usd", "total_cny"} <= set(t.columns)


# --- properties ---------------------------------------------------------------
usages = st.integers(0, 600_000).flatmap(lambda n: st.tuples(
    st.just(n), st.integers(0, 100_000), st.integers(0, n)).flatmap(lambda t: st.tuples(
        st.just(t[0]), st.just(t[1]), st.just(t[2]), st.integers(0, t[0] - t[2]))))
MODELS = ["gpt-5.5", "claude-sonnet-4-6", "deepseek-v4-pro", "gemini-2.5-flash-lite", "glm-5"]
DATES = ["2026-02-01", "2026-06-15", "2026-08-20", "2026-11-01"]


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(usages, min_size=1, max_size=25), model=st.sampled_from(MODELS),
       as_of=st.sampled_from(DATES), batch=st.booleans())
def test_vectorised_path_equals_per_call_path(rows, model, as_of, batch):
    if batch and model in ("deepseek-v4-pro", "glm-5"):
        return
    df = pd.DataFrame(rows, columns=["input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens"])
    fast = cost_frame(df, model, as_of, batch=batch)
    slow = [cost(Usage(*r), model, as_of, batch=batch) for r in rows]
    np.testing.assert_allclose(fast["total_usd"], [b.total_usd for b in slow], rtol=0, atol=1e-12)
    np.testing.assert_allclose(fast["cache_read_usd"], [b.cache_read_usd for b in slow], rtol=0, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(row=usages, model=st.sampled_from(MODELS), as_of=st.sampled_from(DATES))
def test_same_as_genai_prices_calc_price(row, model, as_of):
    n, out, read, write = row
    ours = cost(Usage(n, out, read, write), model, as_of).total_usd
    ts = datetime.combine(quote(model, as_of).as_of, time(12, 0, tzinfo=timezone.utc))
    theirs = calc_price(GPUsage(input_tokens=n, output_tokens=out, cache_read_tokens=read,
                                cache_write_tokens=write), model, genai_request_timestamp=ts).total_price
    assert ours == pytest.approx(float(theirs), abs=1e-9)


def test_cost_frame_refuses_a_token_column_it_would_ignore():
    df = pd.DataFrame({"input_tokens": [1000], "output_tokens": [10], "cached_tokens": [800]})
    with pytest.raises(ValueError, match="cached_tokens: unknown token column .did you mean 'cache_read_tokens'"):
        cost_frame(df, "gpt-5.5")
    with pytest.raises(ValueError, match="input_audio_tokens: unknown token column"):
        cost_frame(df.rename(columns={"cached_tokens": "input_audio_tokens"}), "gpt-5.5")
    ok = df.rename(columns={"cached_tokens": "cache_read_tokens"}).assign(model=["x"], reasoning_tokens=[5])
    got = cost_frame(ok, "gpt-5.5")["total_usd"].iloc[0]
    assert got == pytest.approx((200 * 5 + 800 * 0.5 + 10 * 30) / 1e6)


def test_cost_frame_prices_one_hour_writes_like_cost():
    df = pd.DataFrame({"input_tokens": [10_000], "output_tokens": [100], "cache_write_tokens": [6_000],
                       "cache_write_1h_tokens": [4_000]})
    frame = cost_frame(df, "claude-sonnet-4-6")["total_usd"].iloc[0]
    from course_lib.usage import Usage
    one = cost(Usage(10_000, 100, 0, 6_000, cache_write_1h_tokens=4_000), "claude-sonnet-4-6").total_usd
    hand = (4_000 * 3 + 2_000 * 3.75 + 4_000 * 6 + 100 * 15) / 1e6  # 1h writes at 2x input (Anthropic)
    assert frame == pytest.approx(one) == pytest.approx(hand)
    with pytest.raises(ValueError, match="cache_write_1h_tokens: exceeds cache_write_tokens"):
        cost_frame(df.assign(cache_write_1h_tokens=[7_000]), "claude-sonnet-4-6")
