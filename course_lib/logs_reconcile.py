"""Reconciliation: the re-priced bill against the cost the export reports, each difference explained by line
(notebook ``06_your_own_bill``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import money, prices
from .logs_rates import reprice_each
from .logs_rows import M

if TYPE_CHECKING:
    from .logs import LogBill

RECONCILE_TOLERANCE = 0.005

#: A cost report's line item (Anthropic's token_type or cost_type) and the part of the re-priced bill it is
#: compared with; any other item is compared with the whole re-priced amount.
ITEM_COMPONENTS = {"uncached_input_tokens": "input_usd", "output_tokens": "output_usd",
                   "cache_read_input_tokens": "cache_read_usd",
                   "cache_creation.ephemeral_5m_input_tokens": "cache_write_usd",
                   "cache_creation.ephemeral_1h_input_tokens": "cache_write_usd", "web_search": "extras_usd"}
_COMPONENT_NAMES = {"total_usd": "all", "input_usd": "uncached input", "output_usd": "output",
                    "cache_read_usd": "cache reads", "cache_write_usd": "cache writes", "extras_usd": "searches"}

#: Each pricing rule the re-price applied, and the sign of (reported - re-priced) if the other side did not apply
#: it: a rule explains a difference only with that sign and its own size.
_RULE_SIGN = {"cache-write premium": -1, "long-context tier": -1, "batch discount": +1, "peak premium": -1}


#: The columns of a reconciliation.
_COLUMNS = ["day", "model", "line", "reported_by", "repriced_usd", "reported_usd", "difference_usd", "explained_by"]


def _explain(diff: float, rules: dict, bounds: list, tol: float) -> str:
    """The sentence that explains ``diff`` (reported - re-priced): a rule the re-price applied whose amount matches
    it in sign and size; else a range of what the export hides that contains it; else "not explained"."""
    if abs(diff) <= tol:
        return "agrees"
    for name, amount in rules.items():
        expected = _RULE_SIGN[name] * amount
        if amount > tol and abs(diff - expected) <= tol:
            return f"{name}: {money.md(amount)} in the re-price, {'not ' if expected < 0 else ''}applied by the " \
                   f"reporter ({'less' if expected < 0 else 'more'} by that amount)"
    for low, high, why in bounds:
        if low - tol <= diff <= high + tol and (low < -tol or high > tol):
            return f"within what the export hides: {why}; that moves the cost by {money.md(low)} to " \
                   f"{money.md(high)}, and the difference is {money.md(diff)}"
    return (f"not explained: reported {money.md(abs(diff))} {'more' if diff > 0 else 'less'} than re-priced, "
            "and no rule or gap in these rows has that sign and size (other products, credits, regional or priority "
            "rates, or a price the book does not have)")


def reconcile(b: LogBill, tolerance: float = RECONCILE_TOLERANCE) -> pd.DataFrame:
    """Re-priced against reported cost, by day and model (or provider, where the cost export has no model).

    A cost report's line item (Anthropic's input, output, cache reads or writes, web search) is compared with
    that part of the re-priced bill, never with the whole day. Each difference is explained only by an amount
    computed from the rows and checked in sign and size: a pricing rule the re-price applied (cache-write premium,
    long-context tier, batch discount, peak premium) whose amount matches it, or a range of what the export hides
    (no time of day: the peak premium; buckets priced by their average size: the long-context tier; no cache
    split: the cache-read discount) that contains it; else it says "not explained". Taught in notebook
    ``06_your_own_bill``.
    """
    if not len(b.reported) and not (b.lines["reported_rows"] > 0).any():   # nothing reported: nothing to compare
        return pd.DataFrame([], columns=_COLUMNS)
    lines = b.lines.reset_index(drop=True)   # positions: each group's lines are picked as arrays, not frames
    parts = _line_parts(lines, b.own_rates().reset_index(drop=True))
    cols = {**{c: lines[c].to_numpy(dtype=float) for c in {*_COMPONENT_NAMES, "requests", "rows", "cache_read_unreported"}},
            **{c: parts[c].to_numpy() for c in parts}}
    rows = []
    reported = lines["reported_rows"] > 0
    by_model = lines.groupby(["day", "model"]).indices
    for (day, model), at in by_model.items():
        if reported.iloc[at].any():
            at = at[reported.iloc[at].to_numpy()]
            rows.append(_recon_row(day, model, "reported per row", at, _sum(lines["reported_cost_usd"].to_numpy()[at]),
                                   cols, tolerance))
    rows.sort(key=lambda r: (r["day"], r["model"]))
    rep = b.reported
    if len(rep):
        none = np.array([], dtype=np.intp)
        by_provider = lines.groupby(["day", "provider"]).indices
        rep = rep.assign(component=rep["item"].map(ITEM_COMPONENTS).fillna("total_usd"))
        has_model = rep["model"].notna()
        for (day, model, comp), g in rep[has_model].groupby(["day", "model", "component"]):
            rows.append(_recon_row(day, model, f"cost report ({g['source'].iloc[0]})", by_model.get((day, model), none),
                                   float(g["amount_usd"].sum()), cols, tolerance, comp))
        for (day, provider), g in rep[~has_model].groupby(["day", "provider"]):
            rows.append(_recon_row(day, f"(all {provider})", f"cost report ({g['source'].iloc[0]})",
                                   by_provider.get((day, provider), none), float(g["amount_usd"].sum()), cols,
                                   tolerance))
    return pd.DataFrame(rows, columns=_COLUMNS)


def _sum(a: np.ndarray) -> float:
    """``Series.sum()`` of these values (missing ones skipped), without building a Series."""
    return float(np.where(np.isnan(a), 0.0, a).sum())


def _recon_row(day, model, by, at: np.ndarray, theirs: float, cols: dict, tolerance: float,
               component: str = "total_usd") -> dict:
    """One reconciliation row: the lines at positions ``at`` against ``theirs``; ``cols`` holds the lines' and their
    parts' columns as arrays."""
    ours = _sum(cols[component][at])
    diff = theirs - ours
    row = {"day": day, "model": model, "line": _COMPONENT_NAMES[component], "reported_by": by, "repriced_usd": ours,
           "reported_usd": theirs, "difference_usd": diff}
    tol = max(tolerance * max(ours, theirs), 1e-6)
    if not len(at):
        return {**row, "explained_by": "no usage rows for this day in the files given: the reported cost is of usage "
                                       "these files do not hold (another export, or another product)"}
    if component != "total_usd":   # one line item: only an exact agreement or a plain "not explained"
        return {**row, "explained_by": _explain(diff, {}, [], tol)}
    def p(c):
        return cols[c][at]
    rules = {k: _sum(p(k)) for k in _RULE_SIGN}
    bounds = []
    peak = _sum(p("peak premium if all at peak"))
    if peak > tol:
        bounds.append((0.0, peak, "no time of day, so priced off-peak; had every call run in the peak hours"))
    many = (p("requests") > p("rows")) & p("has_tiers")
    if many.any():
        low = _sum(p("all in band 0")[many] - p("total_usd")[many])
        high = _sum(p("all in the top band")[many] - p("total_usd")[many])
        bounds.append((low, high, "buckets of many requests priced by their average size, so the long-context "
                                  "tier of the calls inside cannot be seen"))
    saving = _sum(np.where(p("cache_read_unreported") > 0, p("cache-read discount if all input were read"), 0))
    if saving > tol:
        bounds.append((-saving, 0.0, "no cache split, so cached input is re-priced as plain input"))
    return {**row, "explained_by": _explain(diff, rules, bounds, tol)}


def _line_parts(lines: pd.DataFrame, r: pd.DataFrame) -> pd.DataFrame:
    """Per line, what each pricing rule added or saved (the rules that can explain a difference), and the ends of
    what the export hides: every call at peak, every request in band 0 or in the top band, all input read from
    cache. ``r``: the lines' own rates."""
    tiers = {(m, d): len(prices.quote(m, d).tiers) for m, d in set(zip(lines["model"], lines["price_day"], strict=True))}
    top_band = np.array([tiers[k] for k in zip(lines["model"], lines["price_day"], strict=True)])
    ways = [{"band": 0}, {"batch": False}, {"period": "standard"}, {"period": "peak"}]
    base, interactive, standard, at_peak, *top = reprice_each(lines, ways + ([{"band": top_band}] if top_band.any() else []))
    top = top[0] if top else lines["total_usd"]
    uncached = lines["input_tokens"] - lines["cache_read_tokens"].fillna(0) - lines["cache_write_tokens"].fillna(0)
    return pd.DataFrame({
        "cache-write premium": lines["cache_write_usd"] - lines["cache_write_tokens"] * r["r_in"] / M,
        "long-context tier": lines["total_usd"] - base,
        "batch discount": np.where(lines["batch"], interactive - lines["total_usd"], 0.0),
        "peak premium": np.where(lines["period"] == "peak", lines["total_usd"] - standard, 0.0),
        "peak premium if all at peak": np.where(lines["hour"] == -1, at_peak - standard, 0.0),
        "all in band 0": base,
        "all in the top band": np.where(top_band > 0, top, lines["total_usd"]),
        "cache-read discount if all input were read": uncached * (r["r_in"] - r["r_read"].fillna(r["r_in"])) / M,
        "has_tiers": top_band > 0,
    }, index=lines.index)
