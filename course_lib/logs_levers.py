"""What-ifs: the saving of each cost lever on a bill's traffic, ranked, with what each assumes (notebook
``06_your_own_bill``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import prices
from .data import assumption, min_cacheable_prefix
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
            prices.as_date(value)
        except ValueError:
            raise ValueError(f"what-if: date is a day as YYYY-MM-DD; got {value!r}") from None
    return name, value


def _unpriced_note(unpriced: list, under: str) -> str:
    """What a what-if leaves out: bill lines whose searches or audio ``under`` publishes no price for."""
    n, usd = unpriced[0]
    if not n:
        return ""
    return (f"; {n} line(s) with web searches or audio that {under} has no price for: those counts are left out "
            f"of this total (USD {usd:,.4f} at the bill's own rates), so the saving is unknown by that much")


def _lever(lines: pd.DataFrame, name: str, value: str, gateway_models=(), own=None) -> tuple[float, str]:
    """The total under one lever, and what it assumes. ``gateway_models``: models read from a gateway export with no
    batch API (OpenRouter); ``own``: the lines' own rates, where already worked out."""
    t = lines.copy()
    if name == "model":
        fell, unpriced = [], []
        total = float(reprice(lines, {"model": value}, batch_fallback=True, fell_back=fell, unpriced=unpriced).sum())
        return total, (
            f"every call served by {value} at the same token counts (tokenizers differ by up to a few tens of "
            "per cent) and the same quality; its long-context tier chosen by each line's tokens per request"
            + (f"; {fell[0]} batch or service-tier row(s) priced interactive at the standard tier: no batch or "
               f"such tier price for {value}" if fell[0] else "") + _unpriced_note(unpriced, value))
    if name == "date":
        day = prices.as_date(value).isoformat()
        fell, unpriced = [], []
        total = float(reprice(lines, {"price_day": day}, batch_fallback=True, fell_back=fell,
                              unpriced=unpriced).sum())
        return total, f"the same traffic at the prices in force on {day}" + (
            f"; {fell[0]} batch or service-tier row(s) priced interactive at the standard tier: no such price on "
            f"{day}" if fell[0] else "") + _unpriced_note(unpriced, f"the price book on {day}")
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
        return float(reprice(lines, tokens=t, at=own).sum()), (
            f"{x:.0%} of each request's input is a stable prefix that is read from cache; only where a request's "
            "input reaches the provider's minimum cacheable prefix and its request count is known; cache writes as "
            "recorded")
    if name == "batch":
        if not 0 <= x <= 1:
            raise ValueError(f"batch: a share must be in [0, 1], got {value}")
        no_api = lines["model"].isin(gateway_models)   # a gateway with no batch API (OpenRouter): unchanged
        inter = lines[~lines["batch"] & ~no_api]
        fell = []
        as_batch = reprice(inter, {"batch": True}, batch_fallback=True, fell_back=fell)
        now = float(lines.loc[lines["batch"] | no_api, "total_usd"].sum())
        moved = float(((1 - x) * inter["total_usd"] + x * as_batch).sum())
        return now + moved, (
            f"{x:.0%} of the interactive traffic can wait up to 24 hours and goes through the batch API"
            + (f"; {fell[0]} row(s) unchanged: their provider has no known batch price" if fell[0] else "")
            + (f"; {int(lines.loc[no_api, 'rows'].sum())} row(s) unchanged: sent through OpenRouter, which has no "
               "batch API" if no_api.any() else ""))
    if name == "cap":
        per_req = t["output_tokens"] / t["requests"].where(t["requests"] > 0)
        cut = (per_req > x).fillna(False)
        # max_tokens counts thinking: on a line that thinks, a cap below its output stops the answer (finish_reason
        # "length", a retry, or no answer at all). That is a risk, never a saving: those lines keep their cost.
        thinks = cut & (t["reasoning_tokens"].fillna(0) > 0)
        # a line whose export does not report thinking may think (GPT-5 always does, and a dashboard export does
        # not say): what a cap does to it is unknown, not a saving; it keeps its cost too
        unknown = cut & ~thinks & (lines["reasoning_unreported"].fillna(0) > 0 if "reasoning_unreported" in lines
                                   else False)
        capped = cut & ~thinks & ~unknown
        new_out = np.where(capped, x * t["requests"], t["output_tokens"])
        scale = (new_out / t["output_tokens"]).where(t["output_tokens"] > 0, 1.0)
        t["output_tokens"] = new_out
        t["reasoning_tokens"] = t["reasoning_tokens"] * scale
        t["output_audio_tokens"] = t["output_audio_tokens"] * scale
        total = float(reprice(lines, tokens=t, at=own).sum())
        risk = ""
        if thinks.any():
            share = float(t.loc[thinks, "reasoning_tokens"].sum() / lines.loc[thinks, "output_tokens"].sum())
            risk = (f"; risk, not saving: {int(lines.loc[thinks, 'requests'].sum()):,} request(s) of "
                    f"{', '.join(sorted(set(lines.loc[thinks, 'model'])))} average more than {int(x)} output tokens "
                    f"and spend {share:.0%} of them thinking: capped, they would stop before the answer")
        if unknown.any():
            risk += (f"; unknown, not counted: {int(lines.loc[unknown, 'requests'].sum()):,} request(s) of "
                     f"{', '.join(sorted(set(lines.loc[unknown, 'model'])))} average more than {int(x)} output tokens "
                     "and the export does not report how many of them were thinking: capped, they might stop before "
                     "the answer")
        return total, (
            f"max_tokens {int(x)}: output per request capped at {int(x)} on average where the model is known not to "
            "think; an upper bound on the saving, and only where a shorter answer still serves" + risk)
    raise ValueError(f"what-if: unknown lever {name!r}; accepted: {', '.join(LEVERS)}")


def what_if(b: LogBill, levers: list[str] | None = None) -> pd.DataFrame:
    """The saving of each lever on this traffic, ranked, with what each assumes.

    ``levers`` are ``NAME=VALUE`` strings (:data:`LEVERS`); the default set is the ``logs_*`` assumptions of
    ``data/lever_assumptions.csv``. Taught in notebook ``06_your_own_bill``.
    """
    if levers is None:
        levers = [f"cache={assumption('logs_cache_hit_rate')}", f"batch={assumption('logs_batch_share')}",
                  f"cap={int(assumption('logs_output_cap'))}"]
    own = b.own_rates()
    base = float(reprice(b.lines, at=own).sum())
    gateway = getattr(b, "no_batch_models", ())
    rows = []
    for text in levers:
        name, value = parse_lever(text)
        total, assumes = _lever(b.lines, name, value, gateway, own)
        saving = base - total
        kind = "saving"
        if "risk, not saving" in assumes and abs(saving) <= 1e-12:
            kind, saving, total = "risk", float("nan"), base   # nothing to save, only answers to lose
        rows.append({"lever": f"{name}={value}", "kind": kind, "total_usd": total, "saving_usd": saving,
                     "saving_pct": saving / base if base else 0.0, "assumes": assumes})
    out = pd.DataFrame(rows, columns=["lever", "kind", "total_usd", "saving_usd", "saving_pct", "assumes"])
    # savings ranked; a lever that only risks answers is listed after them, never ranked as a saving
    out["_risk"] = out["kind"] == "risk"
    return (out.sort_values(["_risk", "saving_usd"], ascending=[True, False], kind="stable")
            .drop(columns="_risk").reset_index(drop=True))
