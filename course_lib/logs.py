"""Price your own logs: the bill, re-priced, reconciled and what-if (notebook ``06_your_own_bill``).

The rows of any export (:mod:`course_lib.exports`) are priced at the prices in
force on each row's date, at its time of day where the provider has peak and
off-peak prices, at its long-context tier, batch or interactive. Two engines
give the same numbers (a property-based test holds them to 1e-9 USD):

* ``"pandas"``: the rows in memory, in chunks for a large file;
* ``"duckdb"``: one SQL query over the file itself (CSV, JSON Lines or
  Parquet), the prices joined as a table; memory stays flat as the file grows
  (``benchmarks/own_logs.py``). The canonical table, LiteLLM spend logs and
  the meter's table are mapped in SQL (:func:`duckdb_reads`); other exports
  are read by :mod:`course_lib.exports` first.

Both start from the rows as text and check them the same way: a bad row is
listed with the field and what is accepted, and the rest is priced. A count the
export does not give is priced as 0 *and counted as not reported*; a model or
date the price book does not know is an error, never $0.

The result is a :class:`LogBill`: lines of summed tokens and USD by day, hour,
model, project, key and feature; views in USD and CNY; a reconciliation
against the cost the export reports; and :meth:`LogBill.what_if`, the saving of
each cost lever on this traffic, ranked, with what each assumes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import exports, money, prices
from .billing import _rate_1h
from .data import assumption, min_cacheable_prefix

M = 1_000_000
ENGINES = ("pandas", "duckdb")
COUNTS = ("requests", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
          "cache_write_1h_tokens", "reasoning_tokens", "input_audio_tokens", "output_audio_tokens", "web_searches")
#: Counts that are "not reported" when empty; the others are 0 when empty (requests: unknown).
UNREPORTED = ("cache_read_tokens", "cache_write_tokens", "reasoning_tokens")
KEYS = ("day", "hour", "model", "project", "api_key", "feature", "batch", "band", "period", "provider", "price_day")
COST_COLUMNS = ("input_usd", "cache_read_usd", "cache_write_usd", "output_usd", "extras_usd", "total_usd")
GROUPS = ("day", "model", "project", "api_key", "feature", "provider", "period")
_BIG = 2 ** 62
_TRUE, _FALSE = ("true", "1", "yes", "t"), ("false", "0", "no", "f")


# --- the price table ------------------------------------------------------------------------------------
def _bands(price: prices.Price) -> list[tuple[int, int, int]]:
    """(band, t_lo, t_hi]: the long-context tiers as ranges of input tokens per request."""
    edges = [t for t, _ in sorted(price.tiers)]
    lows = [-1, *edges]
    highs = [*edges, _BIG]
    return [(i, lo, hi) for i, (lo, hi) in enumerate(zip(lows, highs))]


def _hours_periods(provider: str, day: date) -> list[tuple[int, str]]:
    """(hour, period) for hour -1 (time of day not given) and 0..23 (UTC)."""
    rule = prices.peak_rule(provider, day)
    if rule is None:
        return [(h, "standard") for h in range(-1, 24)]
    peak = set()
    for lo, hi in prices.peak_windows(rule):
        if lo % 60 or hi % 60:
            raise ValueError(f"data/time_of_day_rules.csv: {provider} window {rule['peak_windows_utc']} is not on "
                             "the hour")
        peak |= set(range(lo // 60, hi // 60))
    return [(-1, "standard")] + [(h, "peak" if h in peak else "off-peak") for h in range(24)]


@lru_cache(maxsize=4096)
def _per_unit(model: str, day: date, batch: bool, period: str, extra: str, scale: int) -> float:
    """USD per one unit of a non-text count (a web search; an audio token beyond its text price); NaN if unpriced."""
    zero = {"input_tokens": scale if extra.startswith("input") else 0,
            "output_tokens": scale if extra.startswith("output") else 0}
    got = prices.surcharge(model, day, zero, {extra: scale}, batch=batch, period=period)
    return np.nan if got is None else got / scale


def price_table(keys: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The prices of every (model, price_day, batch) in ``keys``, one row per hour of day and tier band.

    Returns the table and ``{key: error message}`` for keys the price book cannot price (unknown model, no
    batch price, no price on that date). Taught in notebook ``06_your_own_bill``.
    """
    rows, errors = [], {}
    for model, day_text, batch in keys[["model", "price_day", "batch"]].drop_duplicates().itertuples(index=False):
        day = date.fromisoformat(day_text)
        try:
            base = prices.quote(model, day, batch=bool(batch))
        except ValueError as e:
            errors[(model, day_text, bool(batch))] = str(e)
            continue
        per_period = {}
        for hour, period in _hours_periods(base.provider, day):
            if period not in per_period:
                p = prices.quote(model, day, batch=bool(batch), period=period)
                extras = (_per_unit(model, day, bool(batch), period, "web_searches", 1000),
                          _per_unit(model, day, bool(batch), period, "input_audio_tokens", M) * M,
                          _per_unit(model, day, bool(batch), period, "output_audio_tokens", M) * M)
                per_period[period] = (p, extras)
            p, (r_search, r_ai, r_ao) = per_period[period]
            for band, lo, hi in _bands(p):
                n = lo + 1
                rows.append({"model": model, "price_day": day_text, "batch": bool(batch), "hour": hour,
                             "band": band, "t_lo": lo, "t_hi": hi, "period": period, "provider": p.provider,
                             "r_in": p.rate("input", n), "r_read": p.rate("cache_read", n),
                             "r_write": p.rate("cache_write", n), "r_w1h": _rate_1h(p, n),
                             "r_out": p.rate("output", n), "r_search": r_search, "r_audio_in": r_ai,
                             "r_audio_out": r_ao})
    cols = ["model", "price_day", "batch", "hour", "band", "t_lo", "t_hi", "period", "provider", "r_in", "r_read",
            "r_write", "r_w1h", "r_out", "r_search", "r_audio_in", "r_audio_out"]
    return pd.DataFrame(rows, columns=cols), errors


# --- checking rows (pandas) ---------------------------------------------------------------------------------
def _cells(values) -> list:
    """Each value as text, None for an empty cell (None or NaN)."""
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values]


def _text(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df:
        return pd.Series([None] * len(df), index=df.index, dtype=object)
    vals = [None if v is None else (v.strip() or None) for v in _cells(df[col].astype(object).to_numpy())]
    return pd.Series(vals, index=df.index, dtype=object)


def _bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    low = [None if v is None else v.lower() for v in s]
    val = pd.Series([True if v in _TRUE else (False if v in _FALSE else None) for v in low], index=s.index,
                    dtype=object)
    bad = pd.Series([v is not None for v in low], index=s.index) & val.isna()
    return val, bad


#: What each check says, for the pandas checks (which add the value read) and the SQL ones alike.
_MESSAGES = {
    "model": "missing: every row needs the model that served it",
    "timestamp": "expected an ISO 8601 date or date-time (UTC unless it has an offset)",
    "requests": "0 requests with tokens: expected at least 1",
    "batch": "expected true or false", "long_context": "expected true or false",
    "reported_cost_usd": "expected a non-negative amount",
    "count": "expected a whole, non-negative number",
}


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
    flag(model.isna(), "model", _MESSAGES["model"])
    out["model"] = model
    ts_text = _text(df, "timestamp")
    ts = pd.to_datetime(ts_text, utc=True, format="ISO8601", errors="coerce")
    flag(ts.isna(), "timestamp", _MESSAGES["timestamp"] + ", got " + ts_text.map(repr))
    known = ts_text.map(lambda v: v is not None and len(v) > 10)
    out["day"] = ts.dt.strftime("%Y-%m-%d")
    out["hour"] = np.where(known & ts.notna(), ts.dt.hour.fillna(-1), -1).astype(np.int64)
    for c in COUNTS:
        t = _text(df, c)
        v = pd.to_numeric(t, errors="coerce")
        bad = t.notna() & ~(v.notna() & (v >= 0) & (v == np.floor(v)) & np.isfinite(v))
        if c in ("input_tokens", "output_tokens"):
            flag(t.isna(), c, "missing: a required count")
        flag(bad, c, _MESSAGES["count"] + ", got " + t.map(repr))
        out[c] = v.where(~bad)
    if "requests" not in df.columns:
        out["requests"] = 1.0   # one row, one call
    flag(out["requests"] == 0, "requests", _MESSAGES["requests"])
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
        flag(bad, c, _MESSAGES[c] + ", got " + _text(df, c).map(repr))
        out[c] = val
    cost_t, cur = _text(df, "reported_cost_usd"), _text(df, "reported_currency")
    cost = pd.to_numeric(cost_t, errors="coerce")
    flag(cost_t.notna() & ~(cost >= 0), "reported_cost_usd",
         _MESSAGES["reported_cost_usd"] + ", got " + cost_t.map(repr))
    flag(cost_t.notna() & cur.notna() & (cur.map(lambda v: (v or "").upper()) != "USD"), "reported_currency",
         "expected USD, got " + cur.map(repr) + " (convert the amount first)")
    out["reported_cost_usd"] = cost
    for c in ("project", "api_key", "feature"):
        out[c] = _text(df, c).fillna("")
    out["batch"] = out["batch"].fillna(False).astype(bool)
    out["price_day"] = out["day"] if as_of is None else prices._as_date(as_of).isoformat()
    per_request = np.floor(out["input_tokens"] / out["requests"])
    lc = out["long_context"]
    out["tier_tokens"] = np.where(lc.eq(True), _BIG - 1, np.where(lc.eq(False), 0, per_request.fillna(0)))
    bad = pd.notna(err_field)
    errors = pd.DataFrame({"source_row": src[bad], "field": err_field[bad], "message": err_msg[bad]})
    return out[~bad], errors


def _key_error_field(message: str) -> str:
    """The field a price-book refusal names: ``batch`` or ``as_of`` where the message starts so, else the model."""
    return message.split(":")[0] if message.startswith(("batch", "as_of")) else "model"


def _key_errors(good: pd.DataFrame, key_err: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    if not key_err:
        return good, pd.DataFrame(columns=["source_row", "field", "message"])
    keys = list(zip(good["model"], good["price_day"], good["batch"]))
    msgs = pd.Series([key_err.get(k) for k in keys], index=good.index, dtype=object)
    bad = msgs.notna()
    errors = pd.DataFrame({"source_row": good.loc[bad, "source_row"].to_numpy(),
                           "field": msgs[bad].map(_key_error_field).to_numpy(), "message": msgs[bad].to_numpy()})
    return good[~bad], errors


def _costs(df: pd.DataFrame) -> pd.DataFrame:
    """The cost columns from token counts and joined rates (the same arithmetic as the SQL)."""
    read, write = df["cache_read_tokens"].fillna(0), df["cache_write_tokens"].fillna(0)
    w1h = df["cache_write_1h_tokens"].fillna(0)
    uncached = df["input_tokens"] - read - write
    out = pd.DataFrame(index=df.index)
    out["input_usd"] = uncached * df["r_in"] / M
    out["cache_read_usd"] = read * df["r_read"] / M
    out["cache_write_usd"] = ((write - w1h) * df["r_write"] + w1h * df["r_w1h"]) / M
    out["output_usd"] = df["output_tokens"] * df["r_out"] / M
    out["extras_usd"] = (df["web_searches"].fillna(0) * df["r_search"].fillna(0)
                         + df["input_audio_tokens"].fillna(0) * df["r_audio_in"].fillna(0) / M
                         + df["output_audio_tokens"].fillna(0) * df["r_audio_out"].fillna(0) / M)
    out["total_usd"] = (out["input_usd"] + out["cache_read_usd"] + out["cache_write_usd"] + out["output_usd"]
                        + out["extras_usd"])
    out["extras_unpriced"] = (((df["web_searches"].fillna(0) > 0) & df["r_search"].isna())
                              | ((df["input_audio_tokens"].fillna(0) + df["output_audio_tokens"].fillna(0) > 0)
                                 & df["r_audio_in"].isna())).astype(np.int64)
    return out


def price_rows(df: pd.DataFrame, as_of: date | str | None = None, *,
               engine: str = "pandas") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every row priced: (priced rows with the band, period and cost columns; errors), by either engine.

    ``df`` holds canonical columns (as text or numbers). ``as_of`` prices every row on one date's prices
    (default: each row on its own date). Taught in notebook ``06_your_own_bill``.
    """
    _check_engine(engine)
    if engine == "duckdb":
        return _duckdb_price(_as_text(df), as_of, rows=True)
    good, errors = check_rows(df, as_of)
    table, key_err = price_table(good)
    good, kerr = _key_errors(good, key_err)
    merged = good.merge(table, on=["model", "price_day", "batch", "hour"], how="inner")
    merged = merged[(merged["tier_tokens"] > merged["t_lo"]) & (merged["tier_tokens"] <= merged["t_hi"])]
    merged = pd.concat([merged, _costs(merged)], axis=1).sort_values("source_row", kind="stable")
    return merged.reset_index(drop=True), pd.concat([errors, kerr]).sort_values("source_row").reset_index(drop=True)


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")


def _lines(priced: pd.DataFrame) -> pd.DataFrame:
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


# --- the DuckDB engine ------------------------------------------------------------------------------------------
def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=range(len(df)))
    out["source_row"] = df["source_row"].to_numpy() if "source_row" in df else np.arange(1, len(df) + 1)
    for c in exports.CANONICAL:
        if c in df:
            out[c] = _cells(df[c].astype(object).to_numpy())
    return out


def _relation(path: Path) -> str:
    p = str(path).replace("'", "''")
    suffix = exports.suffix(path)
    if suffix == ".parquet":
        return f"read_parquet('{p}')"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return f"read_json('{p}', format='auto')"   # JSON Lines, or one JSON array of rows
    return f"read_csv('{p}', all_varchar=true, header=true)"


def _sql_checks(cols: set) -> tuple[str, str]:
    """SQL for the typed columns and the first error of each row, in :func:`check_rows`' order."""
    def t(c):
        return f"NULLIF(trim(CAST(\"{c}\" AS VARCHAR)), '')" if c in cols else "CAST(NULL AS VARCHAR)"
    sel = [f"{t('model')} AS model", f"{t('timestamp')} AS ts_text",
           f"TRY_CAST({t('timestamp')} AS TIMESTAMPTZ) AS ts"]
    for c in COUNTS:
        sel.append(f"{t(c)} AS {c}_t")
        sel.append(f"TRY_CAST({t(c)} AS DOUBLE) AS {c}_v")
    for c in ("batch", "long_context"):
        sel.append(f"lower({t(c)}) AS {c}_t")
    sel += [f"{t('reported_cost_usd')} AS cost_t", f"TRY_CAST({t('reported_cost_usd')} AS DOUBLE) AS cost_v",
            f"{t('reported_currency')} AS cur_t"]
    for c in ("project", "api_key", "feature"):
        sel.append(f"coalesce({t(c)}, '') AS {c}")
    checks = ["WHEN model IS NULL THEN 'model'", "WHEN ts IS NULL THEN 'timestamp'"]
    if "_status" in cols:   # a gateway's log of a failed call: not billed by most providers, never priced
        sel.append(f"{t('_status')} AS status_t")
        checks.insert(0, "WHEN status_t IS NOT NULL AND status_t <> 'success' THEN 'status'")
    for c in COUNTS:
        if c in ("input_tokens", "output_tokens"):
            checks.append(f"WHEN {c}_t IS NULL THEN '{c}'")
        checks.append(f"WHEN {c}_t IS NOT NULL AND NOT coalesce({c}_v >= 0 AND {c}_v = floor({c}_v) "
                      f"AND isfinite({c}_v), false) THEN '{c}'")
    req = "requests_v" if "requests" in cols else "1.0"
    checks += [f"WHEN {req} = 0 THEN 'requests'",
               "WHEN coalesce(cache_read_tokens_v, 0) + coalesce(cache_write_tokens_v, 0) > input_tokens_v "
               "THEN 'cache_read_tokens'",
               "WHEN coalesce(cache_write_1h_tokens_v, 0) > coalesce(cache_write_tokens_v, 0) "
               "THEN 'cache_write_1h_tokens'",
               "WHEN coalesce(reasoning_tokens_v, 0) > output_tokens_v THEN 'reasoning_tokens'",
               "WHEN coalesce(input_audio_tokens_v, 0) > input_tokens_v THEN 'input_audio_tokens'",
               "WHEN coalesce(output_audio_tokens_v, 0) > output_tokens_v THEN 'output_audio_tokens'"]
    for c in ("batch", "long_context"):
        checks.append(f"WHEN {c}_t IS NOT NULL AND {c}_t NOT IN {_TRUE + _FALSE} THEN '{c}'")
    checks += ["WHEN cost_t IS NOT NULL AND NOT coalesce(cost_v >= 0, false) THEN 'reported_cost_usd'",
               "WHEN cost_t IS NOT NULL AND cur_t IS NOT NULL AND upper(cur_t) <> 'USD' THEN 'reported_currency'"]
    return ",\n  ".join(sel), "CASE " + " ".join(checks) + " END"


_SQL_MESSAGES = {
    "status": "a failed call (not billed by most providers) is not priced",
    **{f: _MESSAGES[f] for f in ("model", "timestamp", "requests", "batch", "long_context", "reported_cost_usd")},
    "cache_read_tokens": "missing, not a whole non-negative number, or cache reads + writes exceed input_tokens",
    "reported_currency": "expected USD (convert the amount first)",
}


def _column(types: dict, name: str) -> str:
    return f'"{name}"' if name in types else "NULL"


def _json_path(types: dict, name: str, path: str) -> str:
    """A value inside a JSON column, whether DuckDB read it as text (CSV) or as a nested value (JSON, Parquet)."""
    if name not in types:
        return "NULL"
    doc = f'"{name}"' if types[name] in ("VARCHAR", "JSON") else f'to_json("{name}")'
    return f"json_extract_string({doc}, '{path}')"


def _litellm_sql(types: dict, rel: str) -> str:
    """LiteLLM spend-log rows as canonical columns (the same reading as :func:`course_lib.exports.read`)."""
    tags = types.get("request_tags", "")
    feature = '"request_tags"[1]' if tags.endswith("[]") else _json_path(types, "request_tags", "$[0]")
    return f"""SELECT {_column(types, 'startTime')} AS timestamp, {_column(types, 'model')} AS model, 1 AS requests,
      {_column(types, 'prompt_tokens')} AS input_tokens, {_column(types, 'completion_tokens')} AS output_tokens,
      {_json_path(types, 'metadata', '$.usage_object.prompt_tokens_details.cached_tokens')} AS cache_read_tokens,
      {_json_path(types, 'metadata', '$.usage_object.prompt_tokens_details.cache_write_tokens')} AS cache_write_tokens,
      {_column(types, 'team_id')} AS project, {_column(types, 'api_key')} AS api_key, {feature} AS feature,
      {_column(types, 'spend')} AS reported_cost_usd, 'USD' AS reported_currency, {_column(types, 'status')} AS _status
      FROM {rel}"""


def _meter_sql(types: dict, rel: str) -> str:
    """The course meter's table (OpenTelemetry attribute names as columns) as canonical columns."""
    counts = ", ".join(f'{_column(types, a)} AS {k}' for k, a in exports._OTEL.items())
    return f"""SELECT {_column(types, 'day')} AS timestamp, {_column(types, 'model')} AS model, 1 AS requests, {counts},
      {_column(types, 'feature')} AS feature, {_column(types, 'cost_usd')} AS reported_cost_usd,
      {"'USD'" if "cost_usd" in types else "NULL"} AS reported_currency FROM {rel}"""


#: Exports DuckDB reads where they lie, as canonical columns: (format, file kinds) -> mapping.
_SQL_MAPPINGS = {"litellm": ((".csv", ".parquet", ".json", ".jsonl", ".ndjson"), _litellm_sql),
                 "otel": ((".csv", ".parquet"), _meter_sql)}


def duckdb_reads(fmt: str, path: str | Path) -> bool:
    """Whether DuckDB prices this export in place (out of core) rather than through the Python reader. Taught in
    notebook ``06_your_own_bill``."""
    kind = exports.suffix(path)
    if fmt == "csv":
        return kind in (".csv", ".tsv", ".parquet", ".json", ".jsonl", ".ndjson")
    return fmt in _SQL_MAPPINGS and kind in _SQL_MAPPINGS[fmt][0]


def _duckdb_price(source, as_of, *, rows: bool, limit_errors: int = 10_000, fmt: str = "csv"):
    """Price with DuckDB: ``source`` is a file path or a text DataFrame. Returns (priced rows or lines, errors)."""
    import duckdb
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    if isinstance(source, pd.DataFrame):
        con.register("src_df", source)
        rel = "src_df"
    else:
        rel = _relation(Path(source))
        if fmt != "csv":
            types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
            rel = f"({_SQL_MAPPINGS[fmt][1](types, rel)})"
    cols = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
    missing = [c for c in exports.REQUIRED if c not in cols]
    if missing:
        raise ValueError(f"{missing[0]}: missing column; a usage table needs {', '.join(exports.REQUIRED)}")
    sel, check = _sql_checks(cols)
    src_row = "CAST(source_row AS BIGINT)" if "source_row" in cols else "row_number() OVER ()"
    price_day = "strftime(ts, '%Y-%m-%d')" if as_of is None else f"'{prices._as_date(as_of).isoformat()}'"
    req = "requests_v" if "requests" in cols else "1.0"
    con.execute(f"""CREATE TEMP VIEW t AS
      WITH raw AS (SELECT {src_row} AS source_row, {sel} FROM {rel})
      SELECT *, {check} AS err, strftime(ts, '%Y-%m-%d') AS day,
        CASE WHEN length(ts_text) > 10 THEN hour(ts) ELSE -1 END AS hour,
        {price_day} AS price_day, coalesce(batch_t IN {_TRUE}, false) AS batch,
        CASE WHEN long_context_t IN {_TRUE} THEN {_BIG - 1} WHEN long_context_t IN {_FALSE} THEN 0
             ELSE coalesce(floor(input_tokens_v / {req}), 0) END AS tier_tokens,
        {req} AS requests_n
      FROM raw""")
    # one scan: the price keys of the good rows, and how many rows fail each check
    scan = con.execute("SELECT model, price_day, batch, err, count(*) AS n FROM t GROUP BY ALL").df()
    keys = scan[scan["err"].isna()]
    table, key_err = price_table(keys)
    con.register("p", table)
    kerr = pd.DataFrame([{"model": m, "price_day": d, "batch": b, "field": _key_error_field(msg), "message": msg}
                         for (m, d, b), msg in key_err.items()],
                        columns=["model", "price_day", "batch", "field", "message"])
    con.register("kerr", kerr)
    bad_keys = keys.merge(kerr, on=["model", "price_day", "batch"])
    n_err = int(scan.loc[scan["err"].notna(), "n"].sum() + bad_keys["n"].sum())
    errors = pd.DataFrame(columns=["source_row", "field", "message"])
    if n_err:   # a second scan only when there is something to list
        errors = con.execute(f"""
          SELECT source_row, err AS field, NULL AS message FROM t WHERE err IS NOT NULL
          UNION ALL SELECT t.source_row, k.field, k.message
            FROM t JOIN kerr k ON t.model = k.model AND t.price_day = k.price_day AND t.batch = k.batch
            WHERE t.err IS NULL
          ORDER BY source_row LIMIT {limit_errors}""").df()
        errors["message"] = [m if isinstance(m, str) else _SQL_MESSAGES.get(f, _MESSAGES["count"])
                             for f, m in zip(errors["field"], errors["message"])]
    priced = f"""
      SELECT t.source_row, t.day, t.hour, t.model, t.project, t.api_key, t.feature, t.batch, p.band, p.period,
        p.provider, t.price_day, t.requests_n AS requests, t.input_tokens_v AS input_tokens,
        t.output_tokens_v AS output_tokens, t.cache_read_tokens_v AS cache_read_tokens,
        t.cache_write_tokens_v AS cache_write_tokens, t.cache_write_1h_tokens_v AS cache_write_1h_tokens,
        t.reasoning_tokens_v AS reasoning_tokens, t.input_audio_tokens_v AS input_audio_tokens,
        t.output_audio_tokens_v AS output_audio_tokens, t.web_searches_v AS web_searches,
        t.cost_v AS reported_cost_usd,
        (t.input_tokens_v - coalesce(t.cache_read_tokens_v, 0) - coalesce(t.cache_write_tokens_v, 0)) * p.r_in / {M}
          AS input_usd,
        coalesce(t.cache_read_tokens_v, 0) * p.r_read / {M} AS cache_read_usd,
        ((coalesce(t.cache_write_tokens_v, 0) - coalesce(t.cache_write_1h_tokens_v, 0)) * p.r_write
          + coalesce(t.cache_write_1h_tokens_v, 0) * p.r_w1h) / {M} AS cache_write_usd,
        t.output_tokens_v * p.r_out / {M} AS output_usd,
        coalesce(t.web_searches_v, 0) * coalesce(p.r_search, 0)
          + coalesce(t.input_audio_tokens_v, 0) * coalesce(p.r_audio_in, 0) / {M}
          + coalesce(t.output_audio_tokens_v, 0) * coalesce(p.r_audio_out, 0) / {M} AS extras_usd,
        CAST((coalesce(t.web_searches_v, 0) > 0 AND p.r_search IS NULL)
          OR (coalesce(t.input_audio_tokens_v, 0) + coalesce(t.output_audio_tokens_v, 0) > 0
              AND p.r_audio_in IS NULL) AS BIGINT) AS extras_unpriced
      FROM t JOIN p ON t.model = p.model AND t.price_day = p.price_day AND t.batch = p.batch AND t.hour = p.hour
        AND t.tier_tokens > p.t_lo AND t.tier_tokens <= p.t_hi
      WHERE t.err IS NULL"""
    total = "(input_usd + cache_read_usd + cache_write_usd + output_usd + extras_usd)"
    if rows:
        out = con.execute(f"SELECT *, {total} AS total_usd FROM ({priced}) ORDER BY source_row").df()
        con.close()
        return out, errors
    unrep = ", ".join(f"sum(CAST({c} IS NULL AS DOUBLE)) AS {c.replace('_tokens', '_unreported')}"
                      for c in UNREPORTED)
    sums = ", ".join(f"sum(coalesce({c}, 0)) AS {c}" for c in COUNTS if c != "requests")
    costs = ", ".join(f"sum({c}) AS {c}" for c in COST_COLUMNS[:-1])
    lines = con.execute(f"""
      SELECT {', '.join(KEYS)}, CAST(count(*) AS DOUBLE) AS rows, sum(coalesce(requests, 0)) AS requests, {sums},
        {costs}, sum({total}) AS total_usd, sum(coalesce(reported_cost_usd, 0)) AS reported_cost_usd,
        sum(CAST(reported_cost_usd IS NOT NULL AS DOUBLE)) AS reported_rows,
        sum(CAST(requests IS NULL AS DOUBLE)) AS requests_unknown,
        CAST(sum(extras_unpriced) AS DOUBLE) AS extras_unpriced, {unrep}
      FROM ({priced}) GROUP BY ALL ORDER BY {', '.join(KEYS)}""").df()
    con.close()
    return lines, errors, n_err


def _pandas_lines(path_or_df, as_of, chunk_rows: int = 1_000_000):
    """Bill lines with pandas, a chunk at a time for a file."""
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
        priced, e = price_rows(chunk, as_of)
        parts.append(_lines(priced))
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


# --- the bill ------------------------------------------------------------------------------------------------
@dataclass
class LogBill:
    """A team's traffic re-priced: bill lines, row errors, reported costs, notes. Taught in notebook
    ``06_your_own_bill``."""

    lines: pd.DataFrame
    errors: pd.DataFrame
    error_count: int
    reported: pd.DataFrame          # cost exports: exports.COST_COLUMNS and source
    notes: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    as_of: date | None = None

    @property
    def total_usd(self) -> float:
        return float(self.lines["total_usd"].sum())

    @property
    def rows(self) -> int:
        return int(self.lines["rows"].sum())

    def by(self, key: str = "day") -> pd.DataFrame:
        """Tokens and cost by one of :data:`GROUPS`, in USD and CNY (each day at its dated rate)."""
        if key not in GROUPS:
            raise ValueError(f"by: expected one of {', '.join(GROUPS)}, got {key!r}")
        g = self.lines.groupby([key, "day"] if key != "day" else ["day"], sort=True)
        per = g[["rows", "requests", "input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens",
                 *COST_COLUMNS]].sum().reset_index()
        rates = {d: money.fx_rate(d).rate for d in per["day"].unique()}
        per["total_cny"] = per["total_usd"] * per["day"].map(rates)
        out = per.drop(columns="day") if key != "day" else per
        out = out.groupby(key, sort=True).sum(numeric_only=True)
        counts = [c for c in out.columns if not c.endswith(("_usd", "_cny"))]
        out[counts] = out[counts].round().astype(np.int64)   # token and row counts are whole numbers
        return out.sort_values("total_usd", ascending=False) if key != "day" else out

    def components(self) -> pd.Series:
        """What the bill is made of: uncached input, cache reads, cache writes, output, extras (USD)."""
        return self.lines[list(COST_COLUMNS[:-1])].sum().rename(
            {"input_usd": "uncached input", "cache_read_usd": "cache reads", "cache_write_usd": "cache writes",
             "output_usd": "output", "extras_usd": "searches and audio"})

    def unreported(self) -> dict:
        """Rows whose export did not give a count, by what is missing (that part priced as 0, never silently)."""
        what = {"cache_read_unreported": "cache reads not reported (input billed uncached)",
                "cache_write_unreported": "cache writes not reported (billed as plain input)",
                "reasoning_unreported": "reasoning not reported (its share of output unknown)",
                "requests_unknown": "request count not given (tier chosen from the export's context window)",
                "extras_unpriced": "searches or audio with no price in the book (not billed)"}
        return {text: int(self.lines[c].sum()) for c, text in what.items() if self.lines[c].sum()}

    def reconcile(self) -> pd.DataFrame:
        """:func:`reconcile` of this bill."""
        return reconcile(self)

    def what_if(self, levers: list[str] | None = None) -> pd.DataFrame:
        """:func:`what_if` on this bill's traffic."""
        return what_if(self, levers)

    def summary(self) -> dict:
        first, last = self.lines["day"].min(), self.lines["day"].max()
        return {"rows": self.rows, "errors": self.error_count, "days": f"{first} to {last}",
                "total_usd": self.total_usd,
                "total_cny": float(self.by("day")["total_cny"].sum()),
                "components_usd": self.components().to_dict(), "not_reported": self.unreported()}


def bill(paths, format: str = "auto", as_of: date | str | None = None, *, engine: str = "auto") -> LogBill:
    """The bill of one or more export files (usage files are priced; cost files are reconciled against).

    ``engine="auto"`` runs DuckDB over a canonical CSV, JSON Lines or Parquet file and pandas over a
    provider's export once read. Taught in notebook ``06_your_own_bill``.
    """
    if isinstance(paths, (str, Path, exports.Export)):
        paths = [paths]
    if engine not in ("auto", *ENGINES):
        raise ValueError(f"engine must be 'auto' or one of {ENGINES}, got {engine!r}")
    parts, errs, n_err, reported, notes, sources = [], [], 0, [], [], []
    for item in paths:
        if isinstance(item, exports.Export):
            ex = item
        else:
            p = Path(item)
            fmt = exports.detect_format(p) if format == "auto" and p.is_file() else format
            if engine in ("auto", "duckdb") and p.is_file() and duckdb_reads(fmt, p):
                lines, e, n = _duckdb_price(p, as_of, rows=False, fmt=fmt)
                parts.append(lines), errs.append(e.assign(source=p.name))
                n_err += n
                sources.append(f"{p.name} ({fmt}, duckdb)")
                continue
            if fmt == "csv" and engine == "pandas" and p.is_file():
                lines, e, n = _pandas_lines(p, as_of)
                parts.append(lines), errs.append(e.assign(source=p.name))
                n_err += n
                sources.append(f"{p.name} (csv, pandas)")
                continue
            ex = exports.read(p, fmt)
        sources.append(f"{Path(ex.path).name} ({ex.format})")
        notes += [f"{Path(ex.path).name}: {n}" for n in ex.notes]
        read_err = ex.error_frame()
        errs.append(read_err)
        n_err += len(read_err)
        if ex.costs is not None:
            reported.append(ex.costs.assign(source=Path(ex.path).name))
        if len(ex.rows):
            if engine == "duckdb":
                lines, e, n = _duckdb_price(_as_text(ex.rows), as_of, rows=False)
            else:
                lines, e, n = _pandas_lines(ex.rows, as_of)
            parts.append(lines)
            errs.append(e.assign(source=Path(ex.path).name))
            n_err += n
    if not parts:
        raise ValueError("paths: no usage rows to price (cost reports alone can only be reconciled against usage)")
    lines = pd.concat(parts, ignore_index=True)
    for c in ("hour", "band"):
        lines[c] = lines[c].astype(np.int64)
    lines["batch"] = lines["batch"].astype(bool)
    errors = pd.concat([e for e in errs if len(e)] or [pd.DataFrame(columns=["source", "source_row", "field",
                                                                              "message"])], ignore_index=True)
    rep = pd.concat(reported, ignore_index=True) if reported else pd.DataFrame(
        columns=[*exports.COST_COLUMNS, "source"])
    day = None if as_of is None else prices._as_date(as_of)
    return LogBill(lines, errors[["source", "source_row", "field", "message"]], n_err, rep, notes, sources, day)


# --- reconciliation -------------------------------------------------------------------------------------------
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
    base = _reprice(lines, overrides={"band": 0})
    interactive = _reprice(lines, overrides={"batch": False})
    standard = _reprice(lines, overrides={"period": "standard"})
    at_peak = _reprice(lines, overrides={"period": "peak"})
    r_in = _rates(lines)["r_in"]
    tiered = {(m, d): bool(prices.quote(m, d).tiers) for m, d in set(zip(lines["model"], lines["price_day"]))}
    return pd.DataFrame({
        "cache-write premium": lines["cache_write_usd"] - lines["cache_write_tokens"] * r_in / M,
        "long-context tier": lines["total_usd"] - base,
        "batch discount": np.where(lines["batch"], interactive - lines["total_usd"], 0.0),
        "peak premium": np.where(lines["period"] == "peak", lines["total_usd"] - standard, 0.0),
        "peak premium if all at peak": np.where(lines["hour"] == -1, at_peak - standard, 0.0),
        "has_tiers": [tiered[k] for k in zip(lines["model"], lines["price_day"])],
    }, index=lines.index)


# --- re-pricing lines: the what-ifs ---------------------------------------------------------------------------
def _rates(lines: pd.DataFrame, overrides: dict | None = None, *, batch_fallback: bool = False) -> pd.DataFrame:
    """The rate columns for each line, after ``overrides`` (model, price_day, batch, period, band).

    With ``batch_fallback``, a line whose new model or date has no batch price is priced interactive and
    counted in the ``fell_back`` column."""
    o = overrides or {}
    k = pd.DataFrame({"model": o.get("model", lines["model"]), "price_day": o.get("price_day", lines["price_day"]),
                      "batch": o.get("batch", lines["batch"]), "hour": lines["hour"]}, index=lines.index)
    table, key_err = price_table(k)
    k["fell_back"] = False
    if key_err and batch_fallback:
        bad = [key for key, msg in key_err.items() if key[2] and msg.startswith("batch")]
        hit = pd.Series(list(zip(k["model"], k["price_day"], k["batch"])), index=k.index).isin(bad)
        k.loc[hit, "batch"] = False
        k["fell_back"] = hit
        table, key_err = price_table(k)
    if key_err:
        raise ValueError("; ".join(sorted(set(key_err.values()))))
    k = k.reset_index(drop=True).reset_index(names="line")   # "line": the line's position
    if "period" in o:   # the same calls at another time of day: any hour of that period, else the standard price
        t = table.drop(columns="hour").drop_duplicates(["model", "price_day", "batch", "band", "period"])
        m = k.merge(t, on=["model", "price_day", "batch"], how="left")
        m["pref"] = m["period"] == o["period"]
        m = m[m["pref"] | (m["period"] == "standard")]
        m = m.sort_values(["line", "band", "pref"], ascending=[True, True, False]).drop_duplicates(["line", "band"])
    else:
        m = k.merge(table, on=["model", "price_day", "batch", "hour"], how="left")
    if "model" in o:    # the new model's tiers, chosen by tokens per request
        per_req = np.floor(lines["input_tokens"] / lines["requests"].where(lines["requests"] > 0)).fillna(0)
        tt = per_req.to_numpy()[m["line"].to_numpy()]
        m = m[(tt > m["t_lo"].to_numpy()) & (tt <= m["t_hi"].to_numpy())]
    else:               # the line's own band, or band 0
        band = np.broadcast_to(np.asarray(o.get("band", lines["band"])), len(lines))
        m = m[m["band"].to_numpy() == band[m["line"].to_numpy()]]
    out = m.set_index("line").reindex(range(len(lines)))
    out.index = lines.index
    return out


_RATE_COLUMNS = ["r_in", "r_read", "r_write", "r_w1h", "r_out", "r_search", "r_audio_in", "r_audio_out"]


def _reprice(lines: pd.DataFrame, overrides: dict | None = None, tokens: pd.DataFrame | None = None,
             *, batch_fallback: bool = False, fell_back: list | None = None) -> pd.Series:
    t = lines if tokens is None else tokens
    rates = _rates(lines, overrides, batch_fallback=batch_fallback)
    if fell_back is not None:
        fell_back.append(int(lines.loc[rates["fell_back"].astype(bool), "rows"].sum()))
    return _costs(pd.concat([t[[*COUNTS]], rates[_RATE_COLUMNS]], axis=1))["total_usd"]


LEVERS = ("model", "date", "cache", "batch", "cap")


def parse_lever(text: str) -> tuple[str, str]:
    """``"cache=0.5"`` -> ("cache", "0.5"), checked (notebook ``06_your_own_bill``)."""
    name, _, value = str(text).partition("=")
    name = name.strip()
    if name not in LEVERS or not value.strip():
        raise ValueError(f"what-if: expected NAME=VALUE with NAME one of {', '.join(LEVERS)} "
                         f"(model=deepseek-v4-flash, date=2026-11-01, cache=0.5, batch=0.25, cap=800); got {text!r}")
    return name, value.strip()


def _lever(lines: pd.DataFrame, name: str, value: str) -> tuple[float, str]:
    """The total under one lever, and what it assumes."""
    t = lines.copy()
    if name == "model":
        fell = []
        total = float(_reprice(lines, {"model": value}, batch_fallback=True, fell_back=fell).sum())
        return total, (
            f"every call served by {value} at the same token counts (tokenizers differ by up to a few tens of "
            "per cent) and the same quality; its long-context tier chosen by each line's tokens per request"
            + (f"; {fell[0]} batch row(s) priced interactive: no batch price for {value}" if fell[0] else ""))
    if name == "date":
        day = prices._as_date(value).isoformat()
        return float(_reprice(lines, {"price_day": day}).sum()), f"the same traffic at the prices in force on {day}"
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
        return float(_reprice(lines, tokens=t).sum()), (
            f"{x:.0%} of each request's input is a stable prefix that is read from cache; only where a request's "
            "input reaches the provider's minimum cacheable prefix and its request count is known; cache writes as "
            "recorded")
    if name == "batch":
        if not 0 <= x <= 1:
            raise ValueError(f"batch: a share must be in [0, 1], got {value}")
        inter = lines[~lines["batch"]]
        fell = []
        as_batch = _reprice(inter, {"batch": True}, batch_fallback=True, fell_back=fell)
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
        return float(_reprice(lines, tokens=t).sum()), (
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
    base = float(_reprice(b.lines).sum())
    rows = []
    for text in levers:
        name, value = parse_lever(text)
        total, assumes = _lever(b.lines, name, value)
        rows.append({"lever": f"{name}={value}", "total_usd": total, "saving_usd": base - total,
                     "saving_pct": (base - total) / base if base else 0.0, "assumes": assumes})
    out = pd.DataFrame(rows, columns=["lever", "total_usd", "saving_usd", "saving_pct", "assumes"])
    return out.sort_values("saving_usd", ascending=False, kind="stable").reset_index(drop=True)
