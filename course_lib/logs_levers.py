"""What-ifs: the saving of each cost lever on a bill's traffic, ranked, with what each assumes (notebook
``06_your_own_bill``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import prices
from .levers import assumption, min_cacheable_prefix
from .logs_rates import reprice

if TYPE_CHECKING:
    from .logs import LogBill

LEVERS = ("model", "date", "cache", "batch", "cap")
#: The accepted values of the numeric levers: (lowest, highest, what the number is).
LEVER_RANGES = {"cache": (0, 1, "a cache hit rate"), "batch": (0, 1, "a share of the traffic"),
                "cap": (1, 10_000_000, "a whole number of output tokens per request")}


def parse_lever(text: str) -> tuple[str, str]:
    """``"cache=0.5"`` -> ("cache", "0.5"), checked (notebook ``06_your_own_bill``)."""
    name, _, value = str(text).partition("=")
    name = name.strip()
    if name not in LEVERS or not value.strip():
        raise ValueError(f"what-if: expected NAME=VALUE with NAME one of {', '.join(LEVERS)} "
                         f"(model=deepseek-v4-flash, date=2026-11-01, cache=0.5, batch=0.25, cap=800); got {text!r}")
    value = value.strip()
    if name in LEVER_RANGES:
        lo, hi, what = LEVER_RANGES[name]
        try:
            x = float(value)
        except ValueError:
            x = None
        if x is None or not lo <= x <= hi or (name == "cap" and x != int(x)):
            raise ValueError(f"what-if: {name} is {what} from {lo:,} to {hi:,}; got {value!r}")
    elif name == "date":
        try:
            prices._as_date(value)
        except ValueError:
            raise ValueError(f"what-if: date is a day as YYYY-MM-DD; got {value!r}") from None
    return name, value


def _lever(lines: pd.DataFrame, name: str, value: str) -> tuple[float, str]:
    """The total under one lever, and what it assumes."""
    t = lines.copy()
    if name == "model":
        fell = []
        total = float(reprice(lines, {"model": value}, batch_fallback=True, fell_back=fell).sum())
        return total, (
            f"every call served by {value} at the same token counts (tokenizers differ by up to a few tens of "
            "per cent) and the same quality; its long-context tier chosen by each line's tokens per request"
            + (f"; {fell[0]} batch row(s) priced interactive: no batch price for {value}" if fell[0] else ""))
    if name == "date":
        day = prices._as_date(value).isoformat()
        return float(reprice(lines, {"price_day": day}).sum()), f"the same traffic at the prices in force on {day}"
    x = float(value)
    if name == "cache":
        if not 0 <= x <= 1:
            raise ValueError(f"cache: a hit rate must be in [0, 1], got {value}")
        per_req = t["input_tokens"] / t["requests"].where(t["requests"] > 0)
        minimum = t["provider"].map(min_cacheable_prefix)
        ok = (per_req >= minimum).fillna(False)
        read = np.maximum(t["cache_read_tokens"], np.floor(x * t["input_tokens"]))
        t["cache_read_tokens"] = np.where(ok, read, t["cache_read_tokens"])
        t["cache_write_tokens"] = np.minimum(t["cache_write_tokens"], t["input_tokens"] - t["cache_read_tokens"])
        t["cache_write_1h_tokens"] = np.minimum(t["cache_write_1h_tokens"], t["cache_write_tokens"])
        return float(reprice(lines, tokens=t).sum()), (
            f"{x:.0%} of each request's input is a stable prefix that is read from cache; only where a request's "
            "input reaches the provider's minimum cacheable prefix and its request count is known; cache writes as "
            "recorded")
    if name == "batch":
        if not 0 <= x <= 1:
            raise ValueError(f"batch: a share must be in [0, 1], got {value}")
        inter = lines[~lines["batch"]]
        fell = []
        as_batch = reprice(inter, {"batch": True}, batch_fallback=True, fell_back=fell)
        now = float(lines.loc[lines["batch"], "total_usd"].sum())
        moved = float(((1 - x) * inter["total_usd"] + x * as_batch).sum())
        return now + moved, (
            f"{x:.0%} of the interactive traffic can wait up to 24 hours and goes through the batch API"
            + (f"; {fell[0]} row(s) unchanged: their provider has no known batch price" if fell[0] else ""))
    if name == "cap":
        cap = x * t["requests"].where(t["requests"] > 0)
        new_out = np.minimum(t["output_tokens"], cap).fillna(t["output_tokens"])
        scale = (new_out / t["output_tokens"]).where(t["output_tokens"] > 0, 1.0)
        t["output_tokens"] = new_out
        t["reasoning_tokens"] = t["reasoning_tokens"] * scale
        t["output_audio_tokens"] = t["output_audio_tokens"] * scale
        return float(reprice(lines, tokens=t).sum()), (
            f"max_tokens {int(x)}: output per request (thinking included) capped at {int(x)} on average; an upper "
            "bound on the saving, and only where a shorter answer still serves")
    raise ValueError(f"what-if: unknown lever {name!r}; accepted: {', '.join(LEVERS)}")


def what_if(b: LogBill, levers: list[str] | None = None) -> pd.DataFrame:
    """The saving of each lever on this traffic, ranked, with what each assumes.

    ``levers`` are ``NAME=VALUE`` strings (:data:`LEVERS`); the default set is the ``logs_*`` assumptions of
    ``data/lever_assumptions.csv``. Taught in notebook ``06_your_own_bill``.
    """
    if levers is None:
        levers = [f"cache={assumption('logs_cache_hit_rate')}", f"batch={assumption('logs_batch_share')}",
                  f"cap={int(assumption('logs_output_cap'))}"]
    base = float(reprice(b.lines).sum())
    rows = []
    for text in levers:
        name, value = parse_lever(text)
        total, assumes = _lever(b.lines, name, value)
        rows.append({"lever": f"{name}={value}", "total_usd": total, "saving_usd": base - total,
                     "saving_pct": (base - total) / base if base else 0.0, "assumes": assumes})
    out = pd.DataFrame(rows, columns=["lever", "total_usd", "saving_usd", "saving_pct", "assumes"])
    return out.sort_values("saving_usd", ascending=False, kind="stable").reset_index(drop=True)
