"""The DuckDB engine: one SQL query over the file itself (CSV, JSON Lines or Parquet) with the prices joined as a
table; memory stays flat as the file grows (notebook ``06_your_own_bill``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import exports, prices
from .logs_rates import EXTRAS, price_table
from .logs_rows import AMOUNT_PATTERN, BIG, COST_COLUMNS, COUNT_PATTERN, COUNTS, DUPLICATE_CHECK_ROWS, \
    FALSE_WORDS, KEYS, M, MAX_COUNT, REQUIRED_COUNTS, STANDARD_TIERS, SUMS, TIMESTAMP_PATTERN, TRUE_WORDS, \
    UNREPORTED, cells, check_message, key_error_field
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


def _sql_text(types: dict, c: str) -> str:
    """A column's cells as trimmed text, NULL when empty: JSON values by their text (a JSON string count ``"12"``
    reads as 12, as Python reads it), every other type cast to text."""
    if c not in types:
        return "CAST(NULL AS VARCHAR)"
    raw = f'json_extract_string("{c}", \'$\')' if types[c] == "JSON" else f'CAST("{c}" AS VARCHAR)'
    return f"NULLIF(trim({raw}), '')"   # trim() removes spaces: BLANKS


def _sql_checks(types: dict) -> tuple[str, str, str]:
    """SQL for the typed columns, the code of the first failed check of each row (in
    :data:`~course_lib.logs_rows.CHECKS`' order), and the text that check read."""
    def t(c):
        return _sql_text(types, c)

    def matches(text, pattern):
        return f"regexp_full_match({text}, '{pattern}')"
    sel = [f"{t('model')} AS model", f"{t('timestamp')} AS ts_text",
           f"CASE WHEN {matches(t('timestamp'), TIMESTAMP_PATTERN)} THEN TRY_CAST({t('timestamp')} AS TIMESTAMPTZ) "
           "END AS ts"]
    for c in COUNTS:
        sel.append(f"{t(c)} AS {c}_t")
        sel.append(f"CASE WHEN {matches(t(c), COUNT_PATTERN)} THEN TRY_CAST({t(c)} AS DOUBLE) END AS {c}_v")
    for c in ("batch", "long_context"):
        sel.append(f"{t(c)} AS {c}_raw")
        sel.append(f"lower({t(c)}) AS {c}_t")
    sel += [f"{t('reported_cost_usd')} AS cost_t",
            f"CASE WHEN {matches(t('reported_cost_usd'), AMOUNT_PATTERN)} THEN TRY_CAST({t('reported_cost_usd')} "
            "AS DOUBLE) END AS cost_v", f"{t('reported_currency')} AS cur_t"]
    for c in ("project", "api_key", "feature"):
        sel.append(f"coalesce({t(c)}, '') AS {c}")
    checks = ["WHEN model IS NULL THEN 'model'", "WHEN ts IS NULL THEN 'timestamp'"]
    got = {"timestamp": "ts_text", "reported_cost_usd": "cost_t", "reported_currency": "cur_t"}
    if "_status" in types:   # a gateway's log of a failed call: not billed by most providers, never priced
        sel.append(f"{t('_status')} AS status_t")
        checks.insert(0, "WHEN status_t IS NOT NULL AND status_t <> 'success' THEN 'status'")
    for c in COUNTS:
        if c in REQUIRED_COUNTS:
            checks.append(f"WHEN {c}_t IS NULL THEN '{c}:missing'")
        checks.append(f"WHEN {c}_t IS NOT NULL AND NOT coalesce({c}_v <= {MAX_COUNT}, false) THEN '{c}'")
        got[c] = f"{c}_t"
    req = "requests_v" if "requests" in types else "1.0"
    checks += [f"WHEN {req} = 0 THEN 'requests:zero'",
               "WHEN coalesce(cache_read_tokens_v, 0) + coalesce(cache_write_tokens_v, 0) > input_tokens_v "
               "THEN 'cache_read_tokens:sum'"]
    checks += [f"WHEN coalesce({part}_v, 0) > coalesce({whole}_v, 0) THEN '{code}'" for code, part, whole in SUMS]
    for c in ("batch", "long_context"):
        checks.append(f"WHEN {c}_t IS NOT NULL AND {c}_t NOT IN {TRUE_WORDS + FALSE_WORDS} THEN '{c}'")
        got[c] = f"{c}_raw"
    checks += ["WHEN cost_t IS NOT NULL AND NOT coalesce(isfinite(cost_v), false) THEN 'reported_cost_usd'",
               "WHEN cost_t IS NOT NULL AND cur_t IS NOT NULL AND upper(cur_t) <> 'USD' THEN 'reported_currency'"]
    value = "CASE err " + " ".join(f"WHEN '{code}' THEN {col}" for code, col in got.items()) + " END"
    return ",\n  ".join(sel), "CASE " + " ".join(checks) + " END", value


def _open(source, as_of, fmt: str):
    """A DuckDB connection with the view ``t``: every row of ``source`` (a file path or a text DataFrame from
    :func:`as_text`) typed, with the code of its first failed check (``err``) and the text that check read."""
    import duckdb
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    con.execute("SET enable_progress_bar=false")
    if isinstance(source, pd.DataFrame):
        con.register("src_df", source)
        rel = "src_df"
    else:
        rel = relation(Path(source))
        if fmt != "csv":
            types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
            rel = f"({SQL_MAPPINGS[fmt][1](types, rel)})"
    types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
    missing = [c for c in exports.REQUIRED if c not in types]
    if missing:
        con.close()
        raise ValueError(f"{missing[0]}: missing column; a usage table needs {', '.join(exports.REQUIRED)}")
    sel, check, got = _sql_checks(types)
    con.execute(f"CREATE TEMP VIEW src AS SELECT * FROM {rel}")
    day = "CAST(CAST(ts AS DATE) AS VARCHAR)"
    price_day = day if as_of is None else f"'{prices.as_date(as_of).isoformat()}'"
    req = "requests_v" if "requests" in types else "1.0"
    # the file's row numbers are only needed to list refused rows and to return priced rows: a window over the
    # whole file, kept out of the scans that price and sum
    given = "source_row" in types
    # service tier: a price key beside model, day and batch (empty or a standard word: "standard")
    tier = f"lower({_sql_text(types, 'service_tier')})"
    tier = f"CASE WHEN {tier} IS NULL OR {tier} IN {STANDARD_TIERS} THEN 'standard' ELSE {tier} END"
    for name, src_row in (("t", "CAST(source_row AS BIGINT)" if given else "NULL"),
                          ("t_numbered", "CAST(source_row AS BIGINT)" if given else "row_number() OVER ()")):
        con.execute(f"""CREATE TEMP VIEW {name} AS
          WITH raw AS (SELECT {src_row} AS source_row, {sel}, {tier} AS service_tier FROM src)
          SELECT *, {check} AS err, {day} AS day,
            CASE WHEN length(ts_text) > 10 THEN hour(ts) ELSE -1 END AS hour,
            {price_day} AS price_day, coalesce(batch_t IN {TRUE_WORDS}, false) AS batch,
            CASE WHEN long_context_t IN {TRUE_WORDS} THEN {BIG - 1} WHEN long_context_t IN {FALSE_WORDS} THEN 0
                 ELSE coalesce(floor(input_tokens_v / {req}), 0) END AS tier_tokens,
            {req} AS requests_n
          FROM raw""")
    con.execute(f"CREATE TEMP VIEW t_got AS SELECT source_row, err, {got} AS got FROM t_numbered "
                "WHERE err IS NOT NULL")
    return con, types


def _price_keys(con, types: dict) -> int:
    """Register the price table ``p`` of every (model, day, batch) in the file and the refusals ``kerr`` of the
    keys the price book cannot price; a light scan (three columns). Returns how many keys were refused."""
    keys = con.execute("SELECT DISTINCT model, price_day, batch, service_tier FROM t "
                       "WHERE model IS NOT NULL AND price_day IS NOT NULL").df()
    table, key_err = price_table(keys, extras=tuple(c for c in EXTRAS if c in types))
    table.insert(0, "pid", range(len(table)))   # one price row: model, day, batch, hour and band
    con.register("p", table)
    kerr = pd.DataFrame([{"model": m, "price_day": d, "batch": b, "service_tier": st, "field": key_error_field(msg),
                          "message": msg} for (m, d, b, st), msg in key_err.items()],
                        columns=["model", "price_day", "batch", "service_tier", "field", "message"])
    con.register("kerr", kerr)
    return len(kerr)


def _list_errors(con, limit: int) -> pd.DataFrame:
    """The first ``limit`` refused rows, in file order: the failed check's words, or the price book's refusal."""
    errors = con.execute(f"""
      SELECT source_row, err AS field, NULL AS message, got FROM t_got
      UNION ALL SELECT t.source_row, k.field, k.message, NULL AS got
        FROM t_numbered t JOIN kerr k ON t.model = k.model AND t.price_day = k.price_day AND t.batch = k.batch
          AND t.service_tier = k.service_tier
        WHERE t.err IS NULL
      ORDER BY source_row LIMIT {limit}""").df()
    listed = [(f, m) if isinstance(m, str) else check_message(f, None if pd.isna(g) else g)
              for f, m, g in zip(errors["field"], errors["message"], errors.pop("got"), strict=True)]
    return errors.assign(field=[f for f, _ in listed], message=[m for _, m in listed])


#: A good row joined to its price: same day, batch, service tier, hour of day and long-context band.
_JOIN = """t.err IS NULL AND t.model = p.model AND t.price_day = p.price_day AND t.batch = p.batch
  AND t.service_tier = p.service_tier
  AND t.hour = p.hour AND t.tier_tokens > p.t_lo AND t.tier_tokens <= p.t_hi"""
#: The priced columns of a row (the same arithmetic as :func:`course_lib.logs_rates.costs`).
_PRICED = f"""t.day, t.hour, t.model, t.project, t.api_key, t.feature, t.batch, t.service_tier, p.band, p.period,
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
    OR (coalesce(t.input_audio_tokens_v, 0) > 0 AND p.r_audio_in IS NULL)
    OR (coalesce(t.output_audio_tokens_v, 0) > 0 AND p.r_audio_out IS NULL) AS BIGINT) AS extras_unpriced"""
_TOTAL = "(input_usd + cache_read_usd + cache_write_usd + output_usd + extras_usd)"


def duckdb_rows(source, as_of=None, *, limit_errors: int = 10_000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every row priced by DuckDB: (priced rows with the cost columns, in source order; errors). ``source`` is a
    canonical file path or a text DataFrame. Taught in notebook ``06_your_own_bill``."""
    con, types = _open(source, as_of, "csv")
    try:
        _price_keys(con, types)
        rows = con.execute(f"""SELECT *, {_TOTAL} AS total_usd FROM (
          SELECT t.source_row, {_PRICED} FROM t_numbered t JOIN p ON {_JOIN}) ORDER BY source_row""").df()
        return rows, _list_errors(con, limit_errors)
    finally:
        con.close()


def duckdb_lines(source, as_of=None, *, fmt: str = "csv",
                 limit_errors: int = 10_000) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    """Bill lines summed by DuckDB in one scan of the rows, never held: (lines by :data:`KEYS`, the first
    ``limit_errors`` errors, the number of rows refused, the number of exact repeats among the first
    :data:`~course_lib.logs_rows.DUPLICATE_CHECK_ROWS` rows). ``fmt`` maps a gateway's or the meter's columns in SQL
    (:data:`~course_lib.logs_sql.SQL_MAPPINGS`). Taught in notebook ``06_your_own_bill``."""
    con, types = _open(source, as_of, fmt)
    try:
        _price_keys(con, types)
        groups = _sum_lines(con)
        good = groups["err"].isna() & ~groups["unpriced"].astype(bool)
        n_err = int(groups.loc[~good, "rows"].sum())
        errors = _list_errors(con, limit_errors) if n_err else pd.DataFrame(columns=["source_row", "field",
                                                                                     "message"])
        duplicates = _duplicates(con, types)
    finally:
        con.close()
    lines = groups[good].drop(columns=["err", "unpriced"]).reset_index(drop=True)
    return lines, errors, n_err, duplicates


def _duplicates(con, types: dict) -> int:
    """Rows that repeat an earlier row exactly (every canonical cell the same as text) among the first
    :data:`~course_lib.logs_rows.DUPLICATE_CHECK_ROWS` rows: a bounded scan, whatever the file's length."""
    cells = ", ".join(_sql_text(types, c) for c in exports.CANONICAL if c in types)
    return int(con.execute(f"""SELECT count(*) - count(DISTINCT h) FROM (
      SELECT hash({cells}) AS h FROM (SELECT * FROM src LIMIT {DUPLICATE_CHECK_ROWS}))""").fetchone()[0])


def _sum_lines(con) -> pd.DataFrame:
    """The good rows summed by :data:`KEYS`, and the refused ones counted by check (``err``) or as ``unpriced``.

    The rows are grouped by their price row (``pid``: model, day, batch, hour, band) and the labels, then the
    price row's columns are joined to the groups: fewer and narrower keys in the one pass over the rows."""
    unrep = ", ".join(f"sum(CAST({c} IS NULL AS DOUBLE)) AS {c.replace('_tokens', '_unreported')}"
                      for c in UNREPORTED)
    sums = ", ".join(f"sum(coalesce({c}, 0)) AS {c}" for c in COUNTS if c != "requests")
    cost_sums = ", ".join(f"sum({c}) AS {c}" for c in COST_COLUMNS[:-1])
    labels = [k for k in KEYS if k in ("day", "project", "api_key", "feature")]
    from_price = ", ".join(f"q.{k}" for k in KEYS if k not in labels)
    return con.execute(f"""
      WITH g AS (
        SELECT err, pid, {', '.join(labels)}, CAST(count(*) AS DOUBLE) AS rows,
          sum(coalesce(requests, 0)) AS requests, {sums},
          {cost_sums}, sum({_TOTAL}) AS total_usd, sum(coalesce(reported_cost_usd, 0)) AS reported_cost_usd,
          sum(CAST(reported_cost_usd IS NOT NULL AS DOUBLE)) AS reported_rows,
          sum(CAST(requests IS NULL AS DOUBLE)) AS requests_unknown,
          CAST(sum(extras_unpriced) AS DOUBLE) AS extras_unpriced, {unrep}
        FROM (SELECT t.err, p.pid, {_PRICED} FROM t LEFT JOIN p ON {_JOIN})
        GROUP BY ALL)
      SELECT g.err, g.pid IS NULL AS unpriced, {from_price}, g.* EXCLUDE (err, pid)
      FROM g LEFT JOIN p q ON g.pid = q.pid
      ORDER BY {', '.join(KEYS)}""").df()[["err", "unpriced", *KEYS, *_LINE_SUMS]]


_LINE_SUMS = ["rows", *COUNTS, *COST_COLUMNS, "reported_cost_usd", "reported_rows", "requests_unknown",
              "extras_unpriced", *(c.replace("_tokens", "_unreported") for c in UNREPORTED)]
