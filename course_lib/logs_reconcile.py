"""Reconciliation: the re-priced bill against the cost the export reports, each difference explained by line
(notebook ``06_your_own_bill``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import money, prices
from .logs_rates import rates, reprice
from .logs_rows import M

if TYPE_CHECKING:
    from .logs import LogBill

RECONCILE_TOLERANCE = 0.005


def _explain(diff: float, parts: pd.Series, notes: list[str], tol: float) -> str:
    """The line that explains a difference: a priced rule whose amount matches it, else what could move it."""
    if abs(diff) <= tol:
        return "agrees"
    for name, amount in parts.items():
        if amount and abs(abs(diff) - abs(amount)) <= tol:
            return f"{name} ({money.md(amount)})"
    present = [f"{k} {money.md(v)}" for k, v in parts.items() if abs(v) > tol]
    said = notes + ([f"priced here: {', '.join(present)}"] if present else [])
    return "; ".join(said) if said else ("not explained by the export: regional or priority rates, credits, "
                                         "or a price the book does not have")


def reconcile(b: LogBill, tolerance: float = RECONCILE_TOLERANCE) -> pd.DataFrame:
    """Re-priced against reported cost, by day and model (or provider, where the cost export has no model).

    Each difference is explained by line: a pricing rule whose amount matches it within ``tolerance`` of the
    re-priced amount (cache-write premium, long-context tier, batch discount, peak premium), else what the
    export hides (no time of day, bucket averages, no cache split). Taught in notebook ``06_your_own_bill``.
    """
    lines = b.lines
    parts = _line_parts(lines)
    rows = []
    for (day, model), g in lines[lines["reported_rows"] > 0].groupby(["day", "model"]):
        rows.append(_recon_row(day, model, "reported per row", g, float(g["reported_cost_usd"].sum()),
                               parts, tolerance))
    rep = b.reported
    if len(rep):
        has_model = rep["model"].notna()
        for (day, model), g in rep[has_model].groupby(["day", "model"]):
            sel = lines[(lines["day"] == day) & (lines["model"] == model)]
            rows.append(_recon_row(day, model, f"cost report ({g['source'].iloc[0]})", sel,
                                   float(g["amount_usd"].sum()), parts, tolerance))
        for (day, provider), g in rep[~has_model].groupby(["day", "provider"]):
            sel = lines[(lines["day"] == day) & (lines["provider"] == provider)]
            rows.append(_recon_row(day, f"(all {provider})", f"cost report ({g['source'].iloc[0]})", sel,
                                   float(g["amount_usd"].sum()), parts, tolerance))
    cols = ["day", "model", "reported_by", "repriced_usd", "reported_usd", "difference_usd", "explained_by"]
    return pd.DataFrame(rows, columns=cols)


def _recon_row(day, model, by, sel: pd.DataFrame, theirs: float, parts: pd.DataFrame, tolerance: float) -> dict:
    ours = float(sel["total_usd"].sum())
    diff = theirs - ours
    p = parts.loc[sel.index]
    notes = []
    hidden_peak = float(p["peak premium if all at peak"].sum())
    if hidden_peak > 0:
        notes.append(f"the export gives no time of day: priced off-peak; peak hours would add up to "
                     f"{money.md(hidden_peak)}")
    if ((sel["requests"] > sel["rows"]) & p["has_tiers"]).any():
        notes.append("buckets of many requests priced by their average size: long-context calls inside a bucket "
                     "cannot be seen")
    if sel["cache_read_unreported"].sum() > 0:
        notes.append("the export gives no cache split: cache reads billed as plain input here")
    return {"day": day, "model": model, "reported_by": by, "repriced_usd": ours, "reported_usd": theirs,
            "difference_usd": diff,
            "explained_by": _explain(diff, p.drop(columns=["peak premium if all at peak", "has_tiers"]).sum(), notes,
                                     max(tolerance * ours, 1e-6))}


def _line_parts(lines: pd.DataFrame) -> pd.DataFrame:
    """Per line, what each pricing rule added or saved: the candidates that explain a difference; and whether
    the line's model has long-context tiers on its price date."""
    base = reprice(lines, overrides={"band": 0})
    interactive = reprice(lines, overrides={"batch": False})
    standard = reprice(lines, overrides={"period": "standard"})
    at_peak = reprice(lines, overrides={"period": "peak"})
    r_in = rates(lines)["r_in"]
    tiered = {(m, d): bool(prices.quote(m, d).tiers) for m, d in set(zip(lines["model"], lines["price_day"]))}
    return pd.DataFrame({
        "cache-write premium": lines["cache_write_usd"] - lines["cache_write_tokens"] * r_in / M,
        "long-context tier": lines["total_usd"] - base,
        "batch discount": np.where(lines["batch"], interactive - lines["total_usd"], 0.0),
        "peak premium": np.where(lines["period"] == "peak", lines["total_usd"] - standard, 0.0),
        "peak premium if all at peak": np.where(lines["hour"] == -1, at_peak - standard, 0.0),
        "has_tiers": [tiered[k] for k in zip(lines["model"], lines["price_day"])],
    }, index=lines.index)
