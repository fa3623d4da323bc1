"""The workflow model: price a per-turn profile for any model and date (notebooks ``02`` and ``03``).

A *profile* is a table of turns with input and output tokens, measured (from
an agent run) or assumed (the source page's 15 turns × 40K in / 3K out).
:func:`price_profile` bills it turn by turn with caching on or off at a given
cache-hit rate. The distribution of cost per task comes from real recorded runs
(:mod:`course_lib.runs`), not from a simulation.
"""
from __future__ import annotations

import pandas as pd

from .billing import cost_frame
from .prices import quote


def uniform_profile(turns: int = 15, input_tokens: int = 40_000, output_tokens: int = 3_000) -> pd.DataFrame:
    """Every turn alike: the source page's agent profile by default. Taught in notebook ``02_review_assistant``."""
    for name, v in (("turns", turns), ("input_tokens", input_tokens), ("output_tokens", output_tokens)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ValueError(f"{name}: expected a non-negative integer, got {v!r}")
    return pd.DataFrame({"input_tokens": [input_tokens] * turns, "output_tokens": [output_tokens] * turns},
                        index=pd.RangeIndex(1, turns + 1, name="turn"))


def growing_profile(turns: int, first_input: int, output_tokens: int, tool_result_tokens: int) -> pd.DataFrame:
    """A loop that re-sends its whole history: turn k's input is turn k-1's input + reply + tool result. Taught in notebook ``02_review_assistant``."""
    inputs = [first_input + (k - 1) * (output_tokens + tool_result_tokens) for k in range(1, turns + 1)]
    return pd.DataFrame({"input_tokens": inputs, "output_tokens": [output_tokens] * turns},
                        index=pd.RangeIndex(1, turns + 1, name="turn"))


def from_run(run) -> pd.DataFrame:
    """The measured profile of an :class:`~course_lib.agent.AgentRun`. Taught in notebook ``02_review_assistant``."""
    return run.frame()[["input_tokens", "output_tokens"]]


def price_profile(profile: pd.DataFrame, model: str, as_of=None, *, caching: bool = False,
                  hit_rate: float = 0.0, period: str = "standard", batch: bool = False) -> pd.DataFrame:
    """Bill each turn; adds cost and cumulative-cost columns (notebook ``02_review_assistant``).

    With ``caching``, ``hit_rate`` of each turn's input is read from the cache
    (at the read price) and the rest is billed as a cache write, which costs
    the write premium where the provider has one (Anthropic) and the input
    price elsewhere.
    """
    if not 0.0 <= float(hit_rate) <= 1.0:
        raise ValueError(f"hit_rate: expected a fraction between 0 and 1, got {hit_rate!r}")
    if hit_rate and not caching:
        raise ValueError("hit_rate: a cache-hit rate needs caching=True")
    df = profile[["input_tokens", "output_tokens"]].astype("int64").copy()
    if caching:
        df["cache_read_tokens"] = (df["input_tokens"] * float(hit_rate)).round().astype("int64")
        p = quote(model, as_of, batch=batch, period=period)
        write = p.cache_write is not None
        df["cache_write_tokens"] = (df["input_tokens"] - df["cache_read_tokens"]) if write else 0
    else:
        df["cache_read_tokens"] = 0
        df["cache_write_tokens"] = 0
    costs = cost_frame(df, model, as_of, batch=batch, period=period)
    df["cost_usd"] = costs["total_usd"]
    df["cumulative_usd"] = df["cost_usd"].cumsum()
    return df


def total(profile: pd.DataFrame, model: str, as_of=None, **kwargs) -> float:
    """The whole profile's cost in USD. Taught in notebook ``02_review_assistant``."""
    return float(price_profile(profile, model, as_of, **kwargs)["cost_usd"].sum())


def source_profile_table(as_of_dates=("2026-06-15", "2026-08-20")) -> pd.DataFrame:
    """The source page's V3 profile (15 × 40K in / 3K out) on Sonnet 4.6 and on DeepSeek V4-Pro at 80% hits. Taught in notebook ``02_review_assistant``."""
    prof = uniform_profile()
    rows = [{"model": "claude-sonnet-4-6", "as of": "2026-06-15", "period": "standard", "caching": "off",
             "total_usd": total(prof, "claude-sonnet-4-6", "2026-06-15")}]
    for d in as_of_dates:
        for period in (("standard",) if d < "2026-08-17" else ("off-peak", "peak")):
            rows.append({"model": "deepseek-v4-pro", "as of": d, "period": period, "caching": "80% hits",
                         "total_usd": total(prof, "deepseek-v4-pro", d, caching=True, hit_rate=0.8, period=period)})
    return pd.DataFrame(rows)
