"""Real coding-agent runs, priced call by call (notebook ``02_review_assistant``).

``data/agent_runs/`` holds 678 real runs of mini-swe-agent (34,413 API calls with their provider
``usage``), extracted from trajectory files committed to public repositories (see its README). This
module loads any file with the same columns, prices every call on any model of the price book at any
date, and summarises per run: totals, p50/p95/p99, by outcome, cost per resolved task, how the input
grows turn by turn, and how the cost accumulates.

Pricing is vectorised: each (model, period) group of calls goes through
:func:`course_lib.billing.cost_frame` once, so all calls on all models take a fraction of a second
(``benchmarks/runs.py``).

Caching, three ways:

* ``"as-recorded"``: the cache reads the provider reported (缓存命中 as it happened);
* ``"off"``: every input token at the full input price;
* a number ``h`` in [0, 1]: that share of each call's input read from the cache.

Cache *writes* follow the priced provider's rules: a provider with a write price (Anthropic: 1.25×
input) is billed a write for every input token not read from the cache, since an agent that caches
marks its whole growing prefix; providers that cache implicitly (OpenAI, Gemini, DeepSeek) bill no
writes. A recorded ``cache_write_tokens`` column, where present, is used as it is.

Peak and off-peak: where the priced provider has a peak rule in force on ``as_of``
(``data/time_of_day_rules.csv``: DeepSeek from 2026-08-17), each call is priced by the time of day
of its own ``timestamp`` (Unix seconds, UTC).
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import prices
from .billing import cost_frame
from .data import DATA_DIR
from .usage import MAX_COUNT

RUNS_DIR = DATA_DIR / "agent_runs"
#: Columns a calls file must have; the rest of the shared file's columns are optional.
REQUIRED = ("run_id", "call_index", "model", "input_tokens", "output_tokens")
OPTIONAL_COUNTS = ("cached_read_tokens", "cache_write_tokens", "reasoning_tokens")
CACHING = ("as-recorded", "off")
_COUNT_COLUMNS = ("input_tokens", "output_tokens", "call_index") + OPTIONAL_COUNTS


def load_calls(path: str | Path | None = None) -> pd.DataFrame:
    """The calls of a file in the shared column format (CSV, optionally ``.gz``), validated.

    Default: the 34,413 recorded calls. A malformed file gets one ``ValueError`` naming the row (1 =
    the first data row) and the column. Taught in notebook ``02_review_assistant``.
    """
    if path is None:
        return _default_calls().copy()
    return _validate(_read(path), str(path))


@lru_cache(maxsize=1)
def _default_calls() -> pd.DataFrame:
    return _validate(_read(RUNS_DIR / "calls.csv.gz"), "data/agent_runs/calls.csv.gz")


def _read(path) -> pd.DataFrame:
    p = Path(path)
    if not p.exists():
        raise ValueError(f"calls: no such file {str(p)!r}")
    try:  # the counts as text: an error message quotes a value as the file gives it
        return pd.read_csv(p, low_memory=False, dtype={c: str for c in _COUNT_COLUMNS})
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError) as e:
        raise ValueError(f"calls: {str(p)!r} is not a readable CSV file ({type(e).__name__}: {e})") from None


def _validate(df: pd.DataFrame, name: str) -> pd.DataFrame:
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise ValueError(f"{missing[0]}: missing column in {name}; a calls file needs {', '.join(REQUIRED)} "
                         f"and may have {', '.join(OPTIONAL_COUNTS + ('timestamp',))}")
    if df.empty:
        raise ValueError(f"calls: {name} has no rows")
    out = df.copy()
    for col in ("input_tokens", "output_tokens", "call_index") + tuple(c for c in OPTIONAL_COUNTS if c in df):
        values = pd.to_numeric(out[col], errors="coerce")
        optional = col in OPTIONAL_COUNTS
        bad = (values.isna() & ~(optional & out[col].isna())) | (values.notna() & ((values < 0) | (values % 1 != 0)))
        if bad.any():
            row = int(np.argmax(bad.to_numpy()))
            raise ValueError(f"{col}: row {row + 1} of {name} has {_show(df[col].iloc[row])}; expected a "
                             "non-negative whole number" + (" or an empty cell (not reported)" if optional else ""))
        huge = values.notna() & (values.astype(float) > MAX_COUNT)
        if huge.any():
            row = int(np.argmax(huge.to_numpy()))
            raise ValueError(f"{col}: row {row + 1} of {name} has {_show(df[col].iloc[row])}, more than the largest "
                             f"count the course can add up ({MAX_COUNT:,})")
        out[col] = values.astype("Int64") if optional else values.astype(np.int64)
    for col in ("run_id", "model"):
        blank = out[col].isna() | (out[col].astype(str).str.strip() == "")
        if blank.any():
            raise ValueError(f"{col}: row {int(np.argmax(blank.to_numpy())) + 1} of {name} is empty")
    names = {}
    for m in out["model"].astype(str).unique():
        try:
            names[m] = prices.model_name(m)
        except ValueError as e:  # the price book's one name check, with the row that has it
            row = int(np.argmax((out["model"].astype(str) == m).to_numpy()))
            raise ValueError(f"model: row {row + 1} of {name}: {str(e).removeprefix('model: ')}") from None
    out["model"] = out["model"].astype(str).map(names)
    dup = out.duplicated(["run_id", "call_index"], keep=False)
    if dup.any():
        rows = np.flatnonzero(dup.to_numpy())
        first = out.iloc[rows[0]]
        twins = rows[(out["run_id"].iloc[rows] == first["run_id"]).to_numpy()
                     & (out["call_index"].iloc[rows] == first["call_index"]).to_numpy()]
        raise ValueError(f"call_index: rows {twins[0] + 1} and {twins[1] + 1} of {name} are both call "
                         f"{first['call_index']} of run {first['run_id']!r}; each call of a run has its own index "
                         "(a repeated call would be counted twice)")
    if "cached_read_tokens" in out:
        over = out["cached_read_tokens"].fillna(0) > out["input_tokens"]
        if over.any():
            row = int(np.argmax(over.to_numpy()))
            raise ValueError(f"cached_read_tokens: row {row + 1} of {name} reads more from the cache than its "
                             f"input_tokens ({out['cached_read_tokens'].iloc[row]} > {out['input_tokens'].iloc[row]}); "
                             "input_tokens must include cached tokens")
    if "timestamp" in out:
        out["timestamp"] = pd.to_numeric(out["timestamp"], errors="coerce")
    return out.sort_values(["run_id", "call_index"], kind="stable").reset_index(drop=True)


def _show(value) -> str:
    return repr(value.item() if hasattr(value, "item") else value)


def load_runs(path: str | Path | None = None) -> pd.DataFrame:
    """One row per recorded run, with provenance and outcome (``resolved``: True, False or unknown).

    Taught in notebook ``02_review_assistant``."""
    df = pd.read_csv(path or RUNS_DIR / "runs.csv.gz", low_memory=False)
    df["resolved"] = df["resolved"].map({True: True, False: False, "True": True, "False": False})
    return df


def check_caching(caching) -> str | float:
    """``caching`` checked: one of :data:`CACHING` or a hit rate in [0, 1]; anything else is refused naming
    ``caching``. The CLI's ``runs --caching`` uses it too. Taught in notebook ``02_review_assistant``."""
    if isinstance(caching, str) and caching in CACHING:
        return caching
    try:
        rate = float(caching)
    except (TypeError, ValueError):
        raise ValueError(f"caching: expected 'as-recorded', 'off' or a hit rate in [0, 1], got {caching!r}") from None
    if not 0 <= rate <= 1:
        raise ValueError(f"caching: a hit rate must be in [0, 1], got {rate}")
    return rate


def _periods(ts: pd.Series, rule: dict | None) -> np.ndarray:
    """'peak' or 'off-peak' per call from its UTC timestamp, or 'standard' where no rule is in force."""
    if rule is None:
        return np.full(len(ts), "standard", dtype=object)
    if ts.isna().any():
        raise ValueError("timestamp: a provider with peak pricing needs each call's timestamp; "
                         f"{int(ts.isna().sum())} call(s) have none")
    minutes = ((ts.to_numpy(dtype=float) // 60) % (24 * 60)).astype(int)
    peak = np.zeros(len(ts), dtype=bool)
    for lo, hi in prices.peak_windows(rule):
        peak |= (minutes >= lo) & (minutes < hi)
    return np.where(peak, "peak", "off-peak")


def price_calls(calls: pd.DataFrame, model: str | None = None, as_of: date | str | None = None, *,
                caching="as-recorded") -> pd.DataFrame:
    """Every call priced: the calls with ``priced_model``, ``period``, the token split used and the cost
    columns of :func:`~course_lib.billing.cost_frame` (USD). ``model=None`` prices each call on its own
    recorded model. Taught in notebook ``02_review_assistant``.
    """
    caching = check_caching(caching)
    day = prices.as_date(as_of)
    out = calls.copy()
    out["priced_model"] = model if model is not None else out["model"]
    n = out["input_tokens"].to_numpy(dtype=np.int64)
    recorded_read = (out["cached_read_tokens"].fillna(0).to_numpy(dtype=np.int64)
                     if "cached_read_tokens" in out else np.zeros(len(out), dtype=np.int64))
    recorded_write = (out["cache_write_tokens"].to_numpy(dtype="float") if "cache_write_tokens" in out
                      else np.full(len(out), np.nan))
    if caching == "off":
        read = np.zeros_like(n)
    elif caching == "as-recorded":
        read = recorded_read
    else:
        read = np.floor(n * caching).astype(np.int64)
    out["cache_read_tokens"] = read
    out["period"] = "standard"
    parts = []
    for name, idx in out.groupby("priced_model", sort=False).groups.items():
        base = prices.quote(name, day)
        rule = prices.peak_rule(base.provider, day)
        ts = out.loc[idx, "timestamp"] if "timestamp" in out else pd.Series(np.nan, index=idx)
        periods = _periods(ts, rule)
        out.loc[idx, "period"] = periods
        bills_writes = base.cache_write is not None
        pos = out.index.get_indexer(idx)
        g_read, g_n, g_rec_w = read[pos], n[pos], recorded_write[pos]
        if caching == "off":
            write = np.zeros_like(g_n)
        elif caching == "as-recorded" and not np.isnan(g_rec_w).all():
            write = np.nan_to_num(g_rec_w).astype(np.int64)
        else:
            write = (g_n - g_read) if bills_writes else np.zeros_like(g_n)
        out.loc[idx, "cache_write_tokens"] = write
        for period in np.unique(periods):
            sel = idx[periods == period]
            price = prices.quote(name, day, period=period)
            frame = pd.DataFrame({"input_tokens": out.loc[sel, "input_tokens"].to_numpy(np.int64),
                                  "output_tokens": out.loc[sel, "output_tokens"].to_numpy(np.int64),
                                  "cache_read_tokens": out.loc[sel, "cache_read_tokens"].to_numpy(np.int64),
                                  "cache_write_tokens": out.loc[sel, "cache_write_tokens"].to_numpy(np.int64)},
                                 index=sel)
            parts.append(cost_frame(frame, price))
    costs = pd.concat(parts).reindex(out.index)
    out["cache_write_tokens"] = out["cache_write_tokens"].astype(np.int64)
    out = pd.concat([out, costs], axis=1)
    out["cum_usd"] = out.groupby("run_id", sort=False)["total_usd"].cumsum()
    return out


def price_on_models(calls: pd.DataFrame, models, as_of: date | str | None = None, *,
                    caching="as-recorded") -> pd.DataFrame:
    """Per-run totals of every run re-priced on each of ``models``: one row per (model, run).

    Taught in notebook ``02_review_assistant``."""
    frames = []
    for m in models:
        t = run_totals(price_calls(calls, m, as_of, caching=caching))
        frames.append(t.assign(model=m))
    return pd.concat(frames, ignore_index=True)


def run_totals(priced: pd.DataFrame, runs: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per run: calls, tokens, cost, amplification (total input ÷ first call's input) and, where
    ``runs`` gives it, the outcome. Taught in notebook ``02_review_assistant``."""
    g = priced.groupby("run_id", sort=False)
    t = pd.DataFrame({
        "n_calls": g.size(),
        "input_tokens": g["input_tokens"].sum(),
        "cache_read_tokens": g["cache_read_tokens"].sum(),
        "output_tokens": g["output_tokens"].sum(),
        "first_input_tokens": g["input_tokens"].first(),
        "output_usd": g["output_usd"].sum(),
        "total_usd": g["total_usd"].sum(),
    })
    t["amplification"] = t["input_tokens"] / t["first_input_tokens"].clip(lower=1)
    t["output_share"] = t["output_usd"] / t["total_usd"].where(t["total_usd"] > 0)
    if runs is not None and "resolved" in runs:
        t = t.join(runs.set_index("run_id")[["resolved"]], how="left")
    if "model" in priced:
        t["recorded_model"] = g["model"].first()
    return t.reset_index()


def summary(totals: pd.DataFrame, column: str = "total_usd", quantiles=(0.5, 0.95, 0.99)) -> dict:
    """p50/p95/p99 (and mean) of ``column`` across runs. Taught in notebook ``02_review_assistant``."""
    s = totals[column]
    out = {f"p{round(q * 100)}": float(s.quantile(q)) for q in quantiles}
    out.update(mean=float(s.mean()), runs=int(len(s)))
    return out


def by_outcome(totals: pd.DataFrame) -> pd.DataFrame:
    """Resolved against unresolved runs, and the cost per resolved task (all spend ÷ tasks resolved).

    Taught in notebook ``02_review_assistant``."""
    known = totals[totals["resolved"].notna()]
    rows = []
    for outcome, g in known.groupby("resolved"):
        rows.append({"outcome": "resolved" if outcome else "unresolved", "runs": len(g),
                     "median_calls": float(g["n_calls"].median()),
                     "median_input_tokens": float(g["input_tokens"].median()),
                     "median_usd": float(g["total_usd"].median()), "p95_usd": float(g["total_usd"].quantile(0.95))})
    n_resolved = int(known["resolved"].astype(bool).sum())
    per_resolved = float(known["total_usd"].sum() / n_resolved) if n_resolved else float("nan")
    df = pd.DataFrame(rows).set_index("outcome")
    df.attrs["cost_per_resolved_usd"] = per_resolved
    df.attrs["resolved_share"] = n_resolved / len(known) if len(known) else float("nan")
    return df


def growth(calls: pd.DataFrame, max_calls: int = 100) -> pd.DataFrame:
    """Median and p90 input tokens at each call index, across the runs still going: how the context grows.

    Taught in notebook ``02_review_assistant``."""
    c = calls[calls["call_index"] < max_calls]
    g = c.groupby("call_index")["input_tokens"]
    return pd.DataFrame({"runs": g.size(), "median_input": g.median(), "p90_input": g.quantile(0.9)})


def second_half_share(calls: pd.DataFrame) -> float:
    """Median, across runs, of the share of a run's input tokens sent in the second half of its calls.

    Taught in notebook ``02_review_assistant``."""
    c = calls[["run_id", "call_index", "input_tokens"]].copy()
    n = c.groupby("run_id")["call_index"].transform("max") + 1
    late = c["call_index"] >= n / 2
    tot = c.groupby("run_id")["input_tokens"].sum()
    return float((c[late].groupby("run_id")["input_tokens"].sum() / tot).median())
