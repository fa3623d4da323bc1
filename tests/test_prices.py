"""The price book: genai-prices at an explicit date, the course table, corrections, errors."""
from datetime import date, timedelta

import pytest

from course_lib import money, prices
from tests.fx_history import ROWS, rate_on
from course_lib.prices import DEFAULT_AS_OF, UnknownModelError, quote


def test_default_as_of_is_the_source_snapshot_month():
    assert DEFAULT_AS_OF == date(2026, 6, 15)


@pytest.mark.parametrize("model, inp, out, read", [
    ("gpt-5.5", 5, 30, 0.5),
    ("claude-sonnet-4-6", 3, 15, 0.3),
    ("gemini-2.5-flash-lite", 0.10, 0.40, 0.01),
    ("deepseek-v4-flash", 0.14, 0.28, 0.0028),
    ("deepseek-v4-pro", 0.435, 0.87, 0.003625),
    ("glm-5", 0.552, 2.483, 0.138),
])
def test_june_prices_from_genai_prices(model, inp, out, read):
    p = quote(model)
    assert (p.input, p.output, p.cache_read) == pytest.approx((inp, out, read))
    assert p.source.startswith("genai-prices 0.2.3")


def test_claude_cache_write_prices():
    p = quote("claude-sonnet-4-6")
    assert (p.cache_write, p.cache_write_1h) == (3.75, 6.0)


def test_course_table_fills_what_genai_prices_lacks():
    q = quote("qwen3.5-plus")
    assert (q.input, q.output) == (0.11, 0.67)
    assert "course table" in q.source and "阶梯价" in q.note
    k = quote("kimi-k2.7")
    assert (k.input, k.output, k.cache_read) == (0.95, 4.0, 0.19)


def test_qwen_cache_read_is_alibabas_implicit_cache_rule():
    """Alibaba Cloud bills implicit cache hits at 20% of the input price (Model Studio context-cache page of
    2026-10-11, cited in data/course_prices.csv); the course applies that rule to the page's input price."""
    q = quote("qwen3.5-plus")
    assert q.cache_read == pytest.approx(0.2 * q.input)
    assert "alibabacloud.com/help/en/model-studio/context-cache" in q.source


def test_gpt55_whole_request_long_context_tier():
    p = quote("gpt-5.5")
    assert p.rate("input", 272_000) == 5 and p.rate("input", 272_001) == 10
    assert p.rate("output", 300_000) == 45 and p.rate("cache_read", 300_000) == 1.0


def test_deepseek_prices_change_on_2026_08_17():
    before, after = quote("deepseek-v4-pro", "2026-08-16"), quote("deepseek-v4-pro", "2026-08-17")
    assert (before.input, before.output) == (0.435, 0.87)
    assert (after.input, after.output, after.cache_read) == (0.66, 1.98, 0.022)
    peak = quote("deepseek-v4-pro", "2026-08-17", period="peak")
    assert (peak.input, peak.output, peak.cache_read) == (1.32, 3.96, 0.044)


def test_peak_window_is_not_applied_before_it_existed():
    # genai-prices applies DeepSeek's peak windows on every date; the course does not
    p = quote("deepseek-v4-pro", "2026-06-15", period="peak")
    assert p.input == 0.435 and "no peak pricing" in p.note


def test_batch_before_and_after_genai_prices_carries_it():
    june = quote("claude-sonnet-4-6", "2026-06-15", batch=True)
    assert (june.input, june.output) == (1.5, 7.5) and "batch discount" in june.source
    nov = quote("claude-sonnet-4-6", "2026-11-01", batch=True)
    assert (nov.input, nov.output) == (1.5, 7.5) and "batch variant" in nov.source


def test_batch_unknown_for_deepseek_is_an_error():
    with pytest.raises(ValueError, match="batch: no batch price"):
        quote("deepseek-v4-pro", batch=True)


def test_unknown_model_names_closest():
    with pytest.raises(UnknownModelError, match="claude-sonnet-4-6") as e:
        quote("claude-sonet-4-6")
    assert isinstance(e.value, ValueError)


@pytest.mark.parametrize("typed", ["gpt-5.5-turbo", "ft:gpt-3.5-turbo"])
def test_the_closest_names_are_never_a_prefix_rule_read_as_a_name_cut_off(typed):
    """genai-prices lists fine-tunes under a prefix id (``ft:gpt-3.5-turbo-``); the suggestions are whole names."""
    from course_lib.prices import closest_models, known_models
    assert "ft:gpt-3.5-turbo-" in known_models()
    near = closest_models(typed)
    assert near and not any(m.endswith(("-", ".", ":", "/", "_")) for m in near)
    with pytest.raises(UnknownModelError) as e:
        quote(typed)
    assert not str(e.value).rstrip().endswith("-")


@pytest.mark.parametrize("kwargs, field", [
    ({"model": ""}, "model"),
    ({"model": "gpt-5.5", "as_of": "15/06/2026"}, "as_of"),
    ({"model": "gpt-5.5", "period": "night"}, "period"),
])
def test_bad_input_names_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        quote(**kwargs)


def test_source_page_table_printable_from_the_book():
    t = prices.source_page_table()
    assert list(t.index) == ["gpt-5.5", "claude-sonnet-4-6", "gemini-2.5-flash-lite", "deepseek-v4-flash",
                             "qwen3.5-plus", "glm-5", "kimi-k2.7"]
    assert t.loc["gpt-5.5", "check"] == "agrees" and t.loc["claude-sonnet-4-6", "check"] == "agrees"
    # GLM-5 at 0.552 / 2.483 is below the page's floor of 0.56 / 2.5: a difference, shown as one
    assert t.loc["glm-5", "check"].startswith("differs: input 0.552 outside the page's 0.56–0.95")
    # Qwen3.5-Plus and Kimi K2.7 were taken from the page: no check at all
    assert t.loc["qwen3.5-plus", "check"] == t.loc["kimi-k2.7", "check"] == "no check: the book's price is the page's"


def test_price_table_has_every_source_model():
    t = prices.price_table()
    assert set(prices.SOURCE_PAGE_MODELS) == set(t.index)


def test_fx_rate_is_dated_and_sourced_and_changeable():
    r = money.fx_rate("2026-06-15")
    assert (r.day, r.rate) == (date(2026, 6, 15), rate_on("2026-06-15")) and "ECB" in r.source and "http" in r.source
    assert money.fx_rate("2026-06-14").day == date(2026, 6, 12)   # a Sunday: the Friday's rate
    # the ECB cross rate agrees with the CFETS central parity news reports gave for 2025-11-26 (7.0796)
    assert money.fx_rate("2025-11-26").rate == pytest.approx(7.0796, rel=1e-3)
    assert money.convert(1, "CNY", rate=7.2) == 7.2
    with pytest.raises(ValueError, match="currency"):
        money.convert(1, "EUR")
    with pytest.raises(ValueError, match="on: no USD/CNY rate"):
        money.fx_rate("2020-01-01")
    with pytest.raises(ValueError, match="rate"):
        money.fx_rate(rate=-1)


def test_a_day_after_the_last_rate_says_which_rate_it_used():
    last_day, last_rate = ROWS[-1]
    r = money.fx_rate("2099-01-01")
    assert (r.day.isoformat(), r.rate) == (last_day, last_rate) and last_day in r.note and "2099-01-01" in r.note
    assert money.fx_rate(last_day).note == ""


def test_cny_rates_never_raise_and_say_why():
    rates, notes = money.cny_rates(["2020-01-01", "2026-06-15", "2099-01-01"])
    assert rates["2020-01-01"] != rates["2020-01-01"]   # NaN: unknown, not 0
    assert rates["2026-06-15"] == rate_on("2026-06-15") and rates["2099-01-01"] == ROWS[-1][1]
    assert any("CNY unknown" in n and ROWS[0][0] in n for n in notes)
    assert any(ROWS[-1][0] in n and "after the last rate" in n for n in notes)


def test_a_gateway_listing_with_its_own_length_tiers():
    """Qwen3.5-Plus as OpenRouter lists it (genai-prices 0.2.3, from 2026-10-19): USD 0.26 / 1.56 per million up
    to 256K input, 0.325 / 1.95 for every token of a longer request; priced by hand."""
    from course_lib.billing import cost_tokens
    q = prices.quote("qwen/qwen3.5-plus-02-15", "2026-11-01", provider="openrouter")
    assert (q.input, q.output, q.tiers[0][0]) == (0.26, 1.56, 256_000)
    assert cost_tokens(q, 256_000, 2_000).total_usd == pytest.approx(256_000 * 0.26 / 1e6 + 2_000 * 1.56 / 1e6)
    assert cost_tokens(q, 256_001, 2_000).total_usd == pytest.approx(256_001 * 0.325 / 1e6 + 2_000 * 1.95 / 1e6)
    with pytest.raises(prices.UnknownModelError):
        prices.quote("qwen/qwen3.5-plus-02-15", "2026-11-01", provider="anthropic")


def test_a_date_before_the_first_price_is_refused_naming_that_date():
    """gpt-5.5 on 2023-01-01 (issue 22): refused, naming the first date with a price, instead of a price and a
    note. genai-prices gives no launch date for a model's first price, so that date is the book's first dated
    change; a course-table model's is its first valid_from."""
    first = min(r["valid_from"] for r in prices.data_rows("course_prices.csv") if r["model"] == "qwen3.5-plus")
    with pytest.raises(ValueError, match=f"as_of: .*first date with a price in the price book is "
                                         f"{prices.history_start()}"):
        prices.quote("gpt-5.5", "2023-01-01")
    with pytest.raises(ValueError, match=f"first date with a price in the course table is {first}"):
        prices.quote("qwen3.5-plus", date.fromisoformat(first) - timedelta(days=1))
    assert prices.quote("gpt-5.5", prices.history_start()).input > 0


@pytest.mark.parametrize("name, where", [
    ("claude-sonnet-4-6\u200b", r"U\+200B"),   # a zero-width space pasted with the name
    ("\ufeffclaude-sonnet-4-6", r"U\+FEFF"),   # a byte-order mark at the start of a file's first cell
    ("claude-sonnet-4-6\u2060", r"U\+2060"),   # word joiner
    ("claude-sonnet-4-6 x", "a space"),        # genai-prices would match it to claude-sonnet-4-6
])
def test_a_name_with_an_invisible_character_is_refused(name, where):
    with pytest.raises(ValueError, match=f"model: .*{where}"):
        prices.quote(name)


def test_names_are_unicode_normalised():
    full_width = "ｃｌａｕｄｅ-sonnet-4-6"
    assert prices.model_name(full_width) == "claude-sonnet-4-6"
    assert prices.quote(full_width).input == prices.quote("claude-sonnet-4-6").input


def test_the_rate_of_every_day_is_the_latest_on_or_before_it():
    """money.fx_rate finds a day's rate by bisection: on every day from before the first rate to after the last,
    it is the rate of the latest row of data/fx_rates.csv on or before that day (read directly, tests/fx_history.py)."""
    day, last = date.fromisoformat(ROWS[0][0]) - timedelta(days=3), date.fromisoformat(ROWS[-1][0]) + timedelta(days=3)
    while day <= last:
        earlier = [r for d, r in ROWS if d <= day.isoformat()]
        if not earlier:
            with pytest.raises(ValueError, match="no USD/CNY rate on or before"):
                money.fx_rate(day)
        else:
            assert money.fx_rate(day).rate == earlier[-1], day
        day += timedelta(days=1)


def test_the_price_data_is_frozen_out_of_the_garbage_collector_once_loaded():
    """genai-prices' data lives as long as the process: once loaded it is frozen (gc.freeze), so that full
    collections no longer walk it (course_lib.prices.snapshot)."""
    import gc
    assert prices.snapshot() is prices.snapshot()
    assert gc.get_freeze_count() > 10_000
