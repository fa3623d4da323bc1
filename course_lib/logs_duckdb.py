"""The DuckDB engine: one SQL query over the file itself (CSV, JSON Lines or Parquet) with the prices joined as a
table; memory stays flat as the file grows (notebook ``06_your_own_bill``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import exports, prices
from .logs_rates import price_table
from .logs_rows import BIG, COST_COLUMNS, COUNTS, FALSE_WORDS, KEYS, M, MESSAGES, TRUE_WORDS, UNREPORTED, cells, \
    key_error_field
from .logs_sql import SQL_MAPPINGS, relation

def as_text(df: pd.DataFrame) -> pd.DataFrame:
    """The canonical columns of ``df`` as text cells (None where empty), with ``source_row``: what DuckDB reads
    from a table in memory, as it reads a file. Taught in notebook ``06_your_own_bill``."""
    out = pd.DataFrame(index=range(len(df)))
    out["source_row"] = df["source_row"].to_numpy() if "source_row" in df else np.arange(1, len(df) + 1)
    for c in exports.CANONICAL:
        if c in df:
            out[c] = cells(df[c].astype(object).to_numpy())
    return out


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
        checks.append(f"WHEN {c}_t IS NOT NULL AND {c}_t NOT IN {TRUE_WORDS + FALSE_WORDS} THEN '{c}'")
    checks += ["WHEN cost_t IS NOT NULL AND NOT coalesce(cost_v >= 0, false) THEN 'reported_cost_usd'",
               "WHEN cost_t IS NOT NULL AND cur_t IS NOT NULL AND upper(cur_t) <> 'USD' THEN 'reported_currency'"]
    return ",\n  ".join(sel), "CASE " + " ".join(checks) + " END"


SQL_MESSAGES = {
    "status": "a failed call (not billed by most providers) is not priced",
    **{f: MESSAGES[f] for f in ("model", "timestamp", "requests", "batch", "long_context", "reported_cost_usd")},
    "cache_read_tokens": "missing, not a whole non-negative number, or cache reads + writes exceed input_tokens",
    "reported_currency": "expected USD (convert the amount first)",
}


def _priced(source, as_of, fmt: str, limit_errors: int):
    """The open connection, the SQL of the priced good rows, the listed errors and how many rows failed.

    ``source`` is a file path or a text DataFrame (:func:`as_text`)."""
    import duckdb
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    if isinstance(source, pd.DataFrame):
        con.register("src_df", source)
        rel = "src_df"
    else:
        rel = relation(Path(source))
        if fmt != "csv":
            types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
            rel = f"({SQL_MAPPINGS[fmt][1](types, rel)})"
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
        {price_day} AS price_day, coalesce(batch_t IN {TRUE_WORDS}, false) AS batch,
        CASE WHEN long_context_t IN {TRUE_WORDS} THEN {BIG - 1} WHEN long_context_t IN {FALSE_WORDS} THEN 0
             ELSE coalesce(floor(input_tokens_v / {req}), 0) END AS tier_tokens,
        {req} AS requests_n
      FROM raw""")
    # one scan: the price keys of the good rows, and how many rows fail each check
    scan = con.execute("SELECT model, price_day, batch, err, count(*) AS n FROM t GROUP BY ALL").df()
    keys = scan[scan["err"].isna()]
    table, key_err = price_table(keys)
    con.register("p", table)
    kerr = pd.DataFrame([{"model": m, "price_day": d, "batch": b, "field": key_error_field(msg), "message": msg}
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
        errors["message"] = [m if isinstance(m, str) else SQL_MESSAGES.get(f, MESSAGES["count"])
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
    return con, priced, errors, n_err


_TOTAL = "(input_usd + cache_read_usd + cache_write_usd + output_usd + extras_usd)"


def duckdb_rows(source, as_of=None, *, limit_errors: int = 10_000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every row priced by DuckDB: (priced rows with the cost columns, in source order; errors). ``source`` is a
    canonical file path or a text DataFrame. Taught in notebook ``06_your_own_bill``."""
    con, priced, errors, _ = _priced(source, as_of, "csv", limit_errors)
    try:
        return con.execute(f"SELECT *, {_TOTAL} AS total_usd FROM ({priced}) ORDER BY source_row").df(), errors
    finally:
        con.close()


def duckdb_lines(source, as_of=None, *, fmt: str = "csv",
                 limit_errors: int = 10_000) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Bill lines summed by DuckDB without materialising the rows: (lines by :data:`KEYS`, the first
    ``limit_errors`` errors, the number of rows refused). ``fmt`` maps a gateway's or the meter's columns in SQL
    (:data:`~course_lib.logs_sql.SQL_MAPPINGS`). Taught in notebook ``06_your_own_bill``."""
    con, priced, errors, n_err = _priced(source, as_of, fmt, limit_errors)
    try:
        lines = _sum_lines(con, priced)
    finally:
        con.close()
    return lines, errors, n_err


def _sum_lines(con, priced: str) -> pd.DataFrame:
    unrep = ", ".join(f"sum(CAST({c} IS NULL AS DOUBLE)) AS {c.replace('_tokens', '_unreported')}"
                      for c in UNREPORTED)
    sums = ", ".join(f"sum(coalesce({c}, 0)) AS {c}" for c in COUNTS if c != "requests")
    cost_sums = ", ".join(f"sum({c}) AS {c}" for c in COST_COLUMNS[:-1])
    return con.execute(f"""
      SELECT {', '.join(KEYS)}, CAST(count(*) AS DOUBLE) AS rows, sum(coalesce(requests, 0)) AS requests, {sums},
        {cost_sums}, sum({_TOTAL}) AS total_usd, sum(coalesce(reported_cost_usd, 0)) AS reported_cost_usd,
        sum(CAST(reported_cost_usd IS NOT NULL AS DOUBLE)) AS reported_rows,
        sum(CAST(requests IS NULL AS DOUBLE)) AS requests_unknown,
        CAST(sum(extras_unpriced) AS DOUBLE) AS extras_unpriced, {unrep}
      FROM ({priced}) GROUP BY ALL ORDER BY {', '.join(KEYS)}""").df()
