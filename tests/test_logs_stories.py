"""Lesson 06's reconciliation stories, tied to the data that produces them.

The provider exports of the sample week are aggregates of the team's call log (``team_calls.csv``, one row per call
with its time and size). Each story the lesson tells about a difference is checked here against that log, read with
pandas directly: the days, the counts and the amounts.
"""
from pathlib import Path

import pandas as pd
import pytest

from course_lib import logs
from course_lib.logs_rates import reprice

SAMPLES = Path(__file__).parent.parent / "data" / "own_logs"
PROVIDER_EXPORTS = ["openai_usage.json", "openai_costs.json", "anthropic_usage.json", "anthropic_cost.json",
                    "openrouter_activity.json"]


@pytest.fixture(scope="module")
def week():
    finance = logs.bill([SAMPLES / n for n in PROVIDER_EXPORTS])
    team = logs.bill(SAMPLES / "team_calls.csv")
    calls = pd.read_csv(SAMPLES / "team_calls.csv")
    calls["day"] = calls["timestamp"].str[:10]
    return finance, finance.reconcile(), team, calls


def test_anthropic_agrees_every_day(week):
    _, r, _, _ = week
    anth = r[r["model"] == "claude-sonnet-4-6"]
    assert len(anth) == 7 and (anth["explained_by"] == "agrees").all()


def test_openai_differs_exactly_on_the_days_of_a_review_above_272k_and_by_its_tier_premium(week):
    _, r, team, calls = week
    oa = r[r["model"] == "(all openai)"].set_index("day")
    off = oa[oa["explained_by"] != "agrees"]
    long_days = set(calls.loc[(calls["model"] == "gpt-5.5") & (calls["input_tokens"] > 272_000), "day"])
    assert set(off.index) == long_days and len(long_days) == 4
    assert (off["difference_usd"] > 0).all()
    lines = team.lines[team.lines["model"] == "gpt-5.5"]
    premium = (lines["total_usd"] - reprice(lines, overrides={"band": 0})).groupby(lines["day"]).sum()
    assert off["difference_usd"].to_dict() == pytest.approx(premium[off.index].to_dict(), abs=1e-6)
    assert off["explained_by"].str.startswith("within what the export hides: buckets of many requests").all()


def test_deepseek_is_reported_higher_every_day_by_its_peak_hour_premium(week):
    _, r, team, calls = week
    ds = r[r["model"] == "deepseek/deepseek-v4-flash"].set_index("day")
    assert len(ds) == 7 and (ds["difference_usd"] > 0).all()
    assert ds["explained_by"].str.contains("no time of day").all()
    peak = team.lines[(team.lines["model"] == "deepseek-v4-flash") & (team.lines["period"] == "peak")]
    premium = (peak["total_usd"] - reprice(peak, overrides={"period": "standard"})).groupby(peak["day"]).sum()
    assert ds["difference_usd"].to_dict() == pytest.approx(premium.to_dict(), abs=1e-6)
    # the call log has DeepSeek calls in the peak window every day
    hours = pd.to_datetime(calls.loc[calls["model"] == "deepseek-v4-flash", "timestamp"], utc=True)
    assert hours.dt.date.nunique() == 7


def test_gemini_differs_by_whether_the_days_average_crosses_200k(week):
    finance, r, _, _ = week
    gem = r[r["model"] == "google/gemini-2.5-pro"].set_index("day")["difference_usd"]
    rows = finance.lines[finance.lines["model"] == "google/gemini-2.5-pro"]
    per_request = rows.groupby("day")["input_tokens"].sum() / rows.groupby("day")["requests"].sum()
    crosses = per_request > 200_000
    assert ((gem < 0) == crosses).all() and crosses.any() and (~crosses).any()


def test_the_agents_cache_writes_are_a_third_of_its_cost(week):
    _, _, team, calls = week
    agent = calls[calls["model"] == "claude-sonnet-4-6"]
    lines = team.lines[team.lines["model"] == "claude-sonnet-4-6"]
    assert lines["cache_write_tokens"].sum() == agent["cache_write_tokens"].sum()
    share = lines["cache_write_usd"].sum() / lines["total_usd"].sum()
    # Claude Sonnet 4.6: input USD 3, 5-minute write 3.75, 1-hour write 6, read 0.30, output 15 per 1M tokens
    w1h = agent["cache_write_1h_tokens"].fillna(0) if "cache_write_1h_tokens" in agent else 0
    by_hand_writes = ((agent["cache_write_tokens"] - w1h) * 3.75 + w1h * 6.0).sum() / 1e6
    assert lines["cache_write_usd"].sum() == pytest.approx(by_hand_writes, rel=1e-9)
    assert 0.3 < share < 0.45
