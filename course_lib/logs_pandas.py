"""The pandas engine: rows checked and priced in memory, a chunk at a time for a large file (notebook
``06_your_own_bill``).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from . import exports, prices
from .logs_rates import costs, price_table
from .logs_rows import BIG, COST_COLUMNS, COUNTS, FALSE_WORDS, KEYS, MESSAGES, TRUE_WORDS, UNREPORTED, cells, \
    key_error_field

def _text(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df:
        return pd.Series([None] * len(df), index=df.index, dtype=object)
    vals = [None if v is None else (v.strip() or None) for v in cells(df[col].astype(object).to_numpy())]
    return pd.Series(vals, index=df.index, dtype=object)


def _bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    low = [None if v is None else v.lower() for v in s]
    val = pd.Series([True if v in TRUE_WORDS else (False if v in FALSE_WORDS else None) for v in low], index=s.index,
                    dtype=object)
    bad = pd.Series([v is not None for v in low], index=s.index) & val.isna()
    return val, bad


def check_rows(df: pd.DataFrame, as_of: date | str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows typed and checked: (good rows with day, hour, price_day, tier_tokens; errors).

    Every value is read from its text, as the DuckDB engine reads it; the first problem of each row is
    reported (field, message, what is accepted). Taught in notebook ``06_your_own_bill``.
    """
    missing = [c for c in exports.REQUIRED if c not in df.columns]
    if missing:
        raise ValueError(f"{missing[0]}: missing column; a usage table needs {', '.join(exports.REQUIRED)} and may "
                         f"have {', '.join(c for c in exports.CANONICAL if c not in exports.REQUIRED)}")
    n = len(df)
    src = df["source_row"].to_numpy() if "source_row" in df else np.arange(1, n + 1)
    err_field = np.full(n, None, dtype=object)
    err_msg = np.full(n, None, dtype=object)

    def flag(mask, fld, msg):
        mask = np.asarray(mask, dtype=bool) & pd.isna(err_field)
        err_field[mask] = fld
        err_msg[mask] = msg if isinstance(msg, str) else np.asarray(msg, dtype=object)[mask]

    out = pd.DataFrame({"source_row": src}, index=df.index)
    model = _text(df, "model")
    flag(model.isna(), "model", MESSAGES["model"])
    out["model"] = model
    ts_text = _text(df, "timestamp")
    ts = pd.to_datetime(ts_text, utc=True, format="ISO8601", errors="coerce")
    flag(ts.isna(), "timestamp", MESSAGES["timestamp"] + ", got " + ts_text.map(repr))
    known = ts_text.map(lambda v: v is not None and len(v) > 10)
    out["day"] = ts.dt.strftime("%Y-%m-%d")
    out["hour"] = np.where(known & ts.notna(), ts.dt.hour.fillna(-1), -1).astype(np.int64)
    for c in COUNTS:
        t = _text(df, c)
        v = pd.to_numeric(t, errors="coerce")
        bad = t.notna() & ~(v.notna() & (v >= 0) & (v == np.floor(v)) & np.isfinite(v))
        if c in ("input_tokens", "output_tokens"):
            flag(t.isna(), c, "missing: a required count")
        flag(bad, c, MESSAGES["count"] + ", got " + t.map(repr))
        out[c] = v.where(~bad)
    if "requests" not in df.columns:
        out["requests"] = 1.0   # one row, one call
    flag(out["requests"] == 0, "requests", MESSAGES["requests"])
    read, write = out["cache_read_tokens"].fillna(0), out["cache_write_tokens"].fillna(0)
    flag(read + write > out["input_tokens"], "cache_read_tokens", "cache reads + writes exceed input_tokens "
         "(input_tokens must include cached tokens)")
    flag(out["cache_write_1h_tokens"].fillna(0) > write, "cache_write_1h_tokens", "exceeds cache_write_tokens "
         "(the 1-hour writes are part of the writes)")
    flag(out["reasoning_tokens"].fillna(0) > out["output_tokens"], "reasoning_tokens",
         "exceeds output_tokens (output_tokens must include reasoning)")
    flag(out["input_audio_tokens"].fillna(0) > out["input_tokens"], "input_audio_tokens", "exceeds input_tokens")
    flag(out["output_audio_tokens"].fillna(0) > out["output_tokens"], "output_audio_tokens", "exceeds output_tokens")
    for c in ("batch", "long_context"):
        val, bad = _bool(_text(df, c))
        flag(bad, c, MESSAGES[c] + ", got " + _text(df, c).map(repr))
        out[c] = val
    cost_t, cur = _text(df, "reported_cost_usd"), _text(df, "reported_currency")
    cost = pd.to_numeric(cost_t, errors="coerce")
    flag(cost_t.notna() & ~(cost >= 0), "reported_cost_usd",
         MESSAGES["reported_cost_usd"] + ", got " + cost_t.map(repr))
    flag(cost_t.notna() & cur.notna() & (cur.map(lambda v: (v or "").upper()) != "USD"), "reported_currency",
         "expected USD, got " + cur.map(repr) + " (convert the amount first)")
    out["reported_cost_usd"] = cost
    for c in ("project", "api_key", "feature"):
        out[c] = _text(df, c).fillna("")
    out["batch"] = out["batch"].fillna(False).astype(bool)
    out["price_day"] = out["day"] if as_of is None else prices._as_date(as_of).isoformat()
    per_request = np.floor(out["input_tokens"] / out["requests"])
    lc = out["long_context"]
    out["tier_tokens"] = np.where(lc.eq(True), BIG - 1, np.where(lc.eq(False), 0, per_request.fillna(0)))
    bad = pd.notna(err_field)
    errors = pd.DataFrame({"source_row": src[bad], "field": err_field[bad], "message": err_msg[bad]})
    return out[~bad], errors


def _key_errors(good: pd.DataFrame, key_err: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    if not key_err:
        return good, pd.DataFrame(columns=["source_row", "field", "message"])
    keys = list(zip(good["model"], good["price_day"], good["batch"]))
    msgs = pd.Series([key_err.get(k) for k in keys], index=good.index, dtype=object)
    bad = msgs.notna()
    errors = pd.DataFrame({"source_row": good.loc[bad, "source_row"].to_numpy(),
                           "field": msgs[bad].map(key_error_field).to_numpy(), "message": msgs[bad].to_numpy()})
    return good[~bad], errors


def price_rows_pandas(df: pd.DataFrame, as_of: date | str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every row priced in memory: (priced rows with the band, period and cost columns; errors). Taught in
    notebook ``06_your_own_bill``."""
    good, errors = check_rows(df, as_of)
    table, key_err = price_table(good)
    good, kerr = _key_errors(good, key_err)
    merged = good.merge(table, on=["model", "price_day", "batch", "hour"], how="inner")
    merged = merged[(merged["tier_tokens"] > merged["t_lo"]) & (merged["tier_tokens"] <= merged["t_hi"])]
    merged = pd.concat([merged, costs(merged)], axis=1).sort_values("source_row", kind="stable")
    return merged.reset_index(drop=True), pd.concat([errors, kerr]).sort_values("source_row").reset_index(drop=True)


def _lines_of(priced: pd.DataFrame) -> pd.DataFrame:
    """Priced rows summed into bill lines by :data:`KEYS`."""
    p = priced.copy()
    p["rows"] = 1
    for c in UNREPORTED:
        p[c.replace("_tokens", "_unreported")] = p[c].isna().astype(np.int64)
    p["requests_unknown"] = p["requests"].isna().astype(np.int64)
    p["reported_rows"] = p["reported_cost_usd"].notna().astype(np.int64)
    sums = ["rows", *COUNTS, *COST_COLUMNS, "reported_cost_usd", "reported_rows", "requests_unknown",
            "extras_unpriced", *(c.replace("_tokens", "_unreported") for c in UNREPORTED)]
    for c in sums:
        p[c] = p[c].fillna(0).astype(float)
    return p.groupby(list(KEYS), dropna=False, sort=True)[sums].sum().reset_index()


def pandas_lines(path_or_df, as_of, chunk_rows: int = 1_000_000):
    """Bill lines with pandas, a chunk at a time for a CSV file: (lines by :data:`KEYS`, errors, how many rows
    were refused). Taught in notebook ``06_your_own_bill``."""
    if isinstance(path_or_df, pd.DataFrame):
        chunks = [path_or_df]
    else:
        p = Path(path_or_df)
        if exports.suffix(p) == ".csv":
            chunks = _csv_chunks(p, chunk_rows)
        else:
            chunks = [exports.read_table(p)]
    parts, errs = [], []
    for chunk in chunks:
        priced, e = price_rows_pandas(chunk, as_of)
        parts.append(_lines_of(priced))
        errs.append(e)
    lines = pd.concat(parts, ignore_index=True)
    sums = [c for c in lines.columns if c not in KEYS]
    lines = lines.groupby(list(KEYS), dropna=False, sort=True)[sums].sum().reset_index()
    errors = pd.concat(errs, ignore_index=True)
    return lines, errors, len(errors)


def _csv_chunks(p: Path, chunk_rows: int):
    start = 1
    for chunk in pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[""], chunksize=chunk_rows):
        chunk.insert(0, "source_row", np.arange(start, start + len(chunk)))
        start += len(chunk)
        yield chunk
