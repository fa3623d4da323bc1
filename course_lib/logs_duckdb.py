"""The DuckDB engine: SQL over the file itself (CSV, JSON Lines or Parquet), the prices joined as a table; memory
stays flat as the file grows (notebook ``06_your_own_bill``).

A bill reads the file once. Each row's counts, amount and date-time are read and checked as it streams past
(:func:`_checks`, the checks of :mod:`~course_lib.logs_rows` in their order), and the rows are summed by their
labels as written, hour and long-context bucket: a few thousand groups. The checks of a cell with few values
(model, batch, service tier, long_context, currency, status) are made once per group, on the same SQL; the prices
are joined to the groups, never to the rows. Refused rows are listed, with the check each failed, by a second reading, only when
there are any.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from . import exports, prices
from .logs_rates import EXTRAS, PRICE_KEYS, price_table, tier_edges
from .logs_rows import AMOUNT_PATTERN, BIG, COST_COLUMNS, COUNT_PATTERN, COUNTS, FALSE_WORDS, KEYS, M, MAX_COUNT, \
    REQUIRED_COUNTS, STANDARD_TIERS, SUMS, TIMESTAMP_PATTERN, TRUE_WORDS, UNREPORTED, cells, check_message, \
    duplicate_stride, key_error_field
from .logs_sql import SQL_MAPPINGS, relation, rows_at_most

#: Microseconds in an hour: the rows are grouped by their hour since 1970 (UTC), day and hour of day come after.
_HOUR_US = 3_600_000_000
#: Columns whose checks read one cell with few distinct values: made once per group of rows (:func:`_checks`).
_GROUP_CELLS = ("model", "batch", "service_tier", "long_context", "reported_currency", "_status")
#: What picks a row's prices in the price table (with the hour and the long-context band): model, day, batch and
#: service tier (:data:`~course_lib.logs_rates.PRICE_KEYS`). A new price key is a cell of :data:`_GROUP_CELLS`, a
#: value in :func:`_labels` and a name there.
_PRICE_KEYS = tuple(PRICE_KEYS)


def _labels(types: dict) -> dict:
    """The labels a row is billed under, from its raw cells (made once per group of rows in a bill): the model, the
    batch flag and the service tier (price keys: an empty tier or a standard word of
    :data:`~course_lib.logs_rows.STANDARD_TIERS` is "standard", any other word lower-cased), and the project, key
    and feature, trimmed ("" when empty)."""
    batch = f"coalesce(lower({_trimmed('batch')}) IN {TRUE_WORDS}, false)" if "batch" in types else "false"
    tier = f"lower({_trimmed('service_tier')})"
    tier = (f"CASE WHEN {tier} IS NULL OR {tier} IN {STANDARD_TIERS} THEN 'standard' ELSE {tier} END"
            if "service_tier" in types else "'standard'")
    return {"model": _trimmed("model"), "batch": batch, "service_tier": tier,
            **{c: f"coalesce({_trimmed(c) if c in types else 'NULL'}, '')" for c in ("project", "api_key", "feature")}}


def _same_price_key(a: str, b: str) -> str:
    """SQL: rows ``a`` and ``b`` have the same price key."""
    return " AND ".join(f"{a}.{k} = {b}.{k}" for k in _PRICE_KEYS)


def as_text(df: pd.DataFrame) -> pd.DataFrame:
    """The canonical columns of ``df`` as text cells (None where empty), with ``source_row``: what DuckDB reads
    from a table in memory, as it reads a file. Taught in notebook ``06_your_own_bill``."""
    out = pd.DataFrame(index=range(len(df)))
    out["source_row"] = df["source_row"].to_numpy() if "source_row" in df else np.arange(1, len(df) + 1)
    for c in exports.CANONICAL:
        if c in df:
            out[c] = cells(df[c].astype(object).to_numpy())
    return out


def _sql_raw(types: dict, c: str) -> str:
    """A column's cells as written, as text (JSON values by their text: a JSON string count ``"12"`` reads as 12,
    as Python reads it; every other type cast to text)."""
    if types[c] == "JSON":
        return f'json_extract_string("{c}", \'$\')'
    return f'"{c}"' if types[c] == "VARCHAR" else f'CAST("{c}" AS VARCHAR)'


def _trimmed(c: str) -> str:
    """A raw cell ``r_<c>`` trimmed (spaces: :data:`~course_lib.logs_rows.BLANKS`), NULL when empty."""
    return f"NULLIF(trim(\"r_{c}\"), '')"


#: The date-time most exports write (UTC, to the second), as a LIKE shape and a strptime format; the years the
#: pattern takes (1900 to 2199) in microseconds since 1970.
_ZULU_SHAPE, _ZULU_FORMAT = "____-__-__T__:__:__Z", "%Y-%m-%dT%H:%M:%SZ"
_YEARS_US = (-2_208_988_800_000_000, 7_258_118_400_000_000)


def _values(types: dict) -> tuple[list[str], list[str], list[str]]:
    """SQL for each row's typed values, in three steps: each count's and the amount's cell read as a whole number
    (``<name>_u``, NULL where it is not one), and a date-time of the shape most exports write (``ts_zulu``); counts
    and amount where their text matches its pattern whole (spaces around allowed, as trimmed), and the date-time in
    microseconds since 1970 (UTC); then whether each cell is empty, the hour since 1970 and whether a time of day is
    given, the long-context tier, the requests a row stands for and which extras (searches, audio) it uses."""
    def matches(c, pattern):
        return f"regexp_full_match(\"r_{c}\", ' *({pattern}) *')"
    whole, first, then = [], [], []
    for c, pattern, name in [*((c, COUNT_PATTERN, c) for c in COUNTS), ("reported_cost_usd", AMOUNT_PATTERN, "cost")]:
        if c in types:
            # digits as a whole number writes them read without the pattern (most cells), from that number (read
            # once: the same double as the text's, both rounded to the nearest); any other by the pattern
            whole.append(f"TRY_CAST(\"r_{c}\" AS UBIGINT) AS {name}_u")
            first.append(f"CASE WHEN CAST({name}_u AS VARCHAR) = \"r_{c}\" "
                         f"THEN CAST({name}_u AS DOUBLE) WHEN {matches(c, pattern)} THEN TRY_CAST(\"r_{c}\" AS DOUBLE) "
                         f"END AS {name}_v")
            then.append(f"CASE WHEN {name}_v IS NOT NULL THEN false ELSE {_trimmed(c)} IS NULL END AS {name}_empty")
        else:
            first.append(f"CAST(NULL AS DOUBLE) AS {name}_v")
            then.append(f"true AS {name}_empty")
    # the shape most exports write, 2026-10-28T10:00:00Z, read without the pattern (most cells): strptime reads
    # exactly the texts of that shape that the pattern takes, once the year is in its range (every text that
    # differs from a good one in one or two places, tests/test_logs_engines.py); any other text by the pattern.
    # DuckDB reads an ISO date-time with an offset; a date alone only without spaces around it
    whole.append(f"CASE WHEN r_timestamp LIKE '{_ZULU_SHAPE}' THEN epoch_us(try_strptime(r_timestamp, "
                 f"'{_ZULU_FORMAT}')) END AS ts_zulu")
    first.append(f"CASE WHEN ts_zulu >= {_YEARS_US[0]} AND ts_zulu < {_YEARS_US[1]} THEN ts_zulu "
                 f"ELSE epoch_us(CASE WHEN regexp_full_match(r_timestamp, '{TIMESTAMP_PATTERN}') "
                 f"THEN TRY_CAST(r_timestamp AS TIMESTAMPTZ) WHEN {matches('timestamp', TIMESTAMP_PATTERN)} "
                 "THEN TRY_CAST(trim(r_timestamp) AS TIMESTAMPTZ) END) END AS ts_us")
    then += [f"(ts_us - ((ts_us % {_HOUR_US}) + {_HOUR_US}) % {_HOUR_US}) // {_HOUR_US} AS utc_hour",
             # a text of the common shape gives the time of day: only the others are searched for one
             "CASE WHEN ts_zulu IS NOT NULL THEN true ELSE contains(r_timestamp, ':') END AS timed"]
    req = "requests_v" if "requests" in types else "1.0"
    lc = f"lower({_trimmed('long_context')})" if "long_context" in types else "NULL"
    then += [f"CASE WHEN {lc} IN {TRUE_WORDS} THEN {BIG - 1} WHEN {lc} IN {FALSE_WORDS} THEN 0 "
             f"ELSE coalesce(floor(input_tokens_v / {req}), 0) END AS tier_tokens", f"{req} AS requests_n"]
    then += [f"{v} AS {k}_used" for k, v in _EXTRA_USED.items()]
    return whole, first, then


def _checks(types: dict) -> list[tuple[str, str, str]]:
    """Every check of :data:`~course_lib.logs_rows.CHECKS` this table can fail, in that order: (code, SQL that is
    true when a row fails it, the text the message quotes). The SQL reads the raw cells ``r_<column>`` and the
    values of :func:`_values`; a check of :data:`_GROUP_CELLS` reads only those cells (and ``cost_empty``), so it
    can be made on a group of rows that share them."""
    out = []
    if "_status" in types:   # a gateway's log of a failed call: not billed by most providers, never priced
        out.append(("status", f"coalesce({_trimmed('_status')} <> 'success', false)", _trimmed("_status")))
    out += [("model", f"{_trimmed('model')} IS NULL", "NULL"),
            ("timestamp", "utc_hour IS NULL", _trimmed("timestamp"))]
    for c in COUNTS:
        if c not in types:
            continue
        bad = f"NOT coalesce({c}_v <= {MAX_COUNT}, false)"   # not a count up to the largest (or empty)
        if c in REQUIRED_COUNTS:   # an empty cell fails the check before: this one reads the rest
            out += [(f"{c}:missing", f"{c}_empty", "NULL"), (c, bad, _trimmed(c))]
        else:
            out.append((c, f"NOT {c}_empty AND {bad}", _trimmed(c)))
    if "requests" in types:
        out.append(("requests:zero", "coalesce(requests_v = 0, false)", "NULL"))
    out.append(("cache_read_tokens:sum", "coalesce(coalesce(cache_read_tokens_v, 0) + coalesce(cache_write_tokens_v, 0)"
                " > input_tokens_v, false)", "NULL"))
    out += [(code, f"coalesce({part}_v, 0) > coalesce({whole}_v, 0)", "NULL") for code, part, whole in SUMS
            if part in types]
    for c in ("batch", "long_context"):
        if c in types:
            out.append((c, f"coalesce(lower({_trimmed(c)}) NOT IN {TRUE_WORDS + FALSE_WORDS}, false)", _trimmed(c)))
    if "reported_cost_usd" in types:
        out.append(("reported_cost_usd", "NOT cost_empty AND NOT coalesce(isfinite(cost_v), false)",
                    _trimmed("reported_cost_usd")))
        if "reported_currency" in types:
            out.append(("reported_currency", f"NOT cost_empty AND coalesce(upper({_trimmed('reported_currency')}) "
                        "<> 'USD', false)", _trimmed("reported_currency")))
    return out


def _by_group(code: str) -> bool:
    """Whether check ``code`` reads only cells with few values (made once per group of rows)."""
    return code.split(":")[0] in (*_GROUP_CELLS, "status", "reported_currency")


def _open(source, fmt: str):
    """A DuckDB connection with the view ``t``: every row of ``source`` (a file path or a text DataFrame from
    :func:`as_text`) with its raw cells ``r_<column>`` and typed values; returns the connection and the columns'
    types. The numbered rows (:func:`_row_views`) are made only where they are read."""
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    con.execute("SET enable_progress_bar=false")
    if isinstance(source, pd.DataFrame):
        con.register("src_df", source)
        rel = "src_df"
    else:
        rel = relation(Path(source))
        sniffed = rel.startswith("read_csv") and "auto_detect=false" not in rel   # a header with odd names
        if fmt != "csv" or sniffed:
            types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
            # a gateway's columns mapped in SQL; a sniffed CSV's columns told to the readings that follow
            rel = f"({SQL_MAPPINGS[fmt][1](types, rel)})" if fmt != "csv" else relation(Path(source), list(types))
    types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
    missing = [c for c in exports.REQUIRED if c not in types]
    if missing:
        con.close()
        raise ValueError(f"{missing[0]}: missing column; a usage table needs {', '.join(exports.REQUIRED)}")
    con.execute(f"CREATE TEMP VIEW src AS SELECT * FROM {rel}")
    given = "CAST(source_row AS BIGINT)" if "source_row" in types else "NULL"
    con.execute(f"CREATE TEMP VIEW t AS {_typed(types, given)}")
    return con, types


def _typed(types: dict, src_row: str) -> str:
    """SQL of the rows of ``src`` with their raw cells and typed values (:func:`_values`), ``src_row`` their
    number."""
    present = [c for c in (*exports.CANONICAL, "_status") if c in types]
    raw = ", ".join(f"{_sql_raw(types, c)} AS \"r_{c}\"" for c in present)
    whole, first, then = _values(types)
    return f"""SELECT *, {', '.join(then)} FROM (
          SELECT *, {', '.join(first)} FROM (
            SELECT *{''.join(', ' + w for w in whole)} FROM (SELECT {src_row} AS source_row, {raw} FROM src)))"""


def _row_views(con, types: dict, as_of) -> None:
    """The views ``t_numbered`` (the rows of ``t`` with the file's row numbers) and ``t_rows`` (numbered, with the
    code of each row's first failed check, ``err``, the text it read, and its labels trimmed): read to list refused
    rows and to return priced rows. The row numbers are a window over the whole file (one thread), kept out of the
    scan that sums."""
    given = "source_row" in types
    con.execute(f"CREATE OR REPLACE TEMP VIEW t_numbered AS "
                f"{_typed(types, 'CAST(source_row AS BIGINT)' if given else 'row_number() OVER ()')}")
    checks = _checks(types)
    err = "CASE " + " ".join(f"WHEN {sql} THEN '{code}'" for code, sql, _ in checks) + " END"
    got = "CASE err " + " ".join(f"WHEN '{code}' THEN {text}" for code, _, text in checks) + " END"
    price_day = "day" if as_of is None else f"'{prices.as_date(as_of).isoformat()}'"
    con.execute(f"""CREATE OR REPLACE TEMP VIEW t_rows AS SELECT *, {got} AS got, {price_day} AS price_day FROM (
      SELECT *, {err} AS err, {_day('utc_hour')} AS day, {_hour('utc_hour', 'timed')} AS hour,
        {', '.join(f'{v} AS {k}' for k, v in _labels(types).items())}
      FROM t_numbered)""")


def _day(utc_hour: str) -> str:
    """The day (text, UTC) of an hour since 1970 (whole hours, floor division also before 1970)."""
    return f"CAST(DATE '1970-01-01' + CAST(({utc_hour} - (({utc_hour} % 24) + 24) % 24) // 24 AS INTEGER) AS VARCHAR)"


def _hour(utc_hour: str, timed: str) -> str:
    """The hour of day (UTC) of an hour since 1970; -1 where the date-time gives no time of day."""
    return f"CASE WHEN {timed} THEN CAST((({utc_hour} % 24) + 24) % 24 AS INTEGER) ELSE -1 END"


def _register_prices(con, keys: pd.DataFrame, types: dict) -> pd.DataFrame:
    """Register the price table ``p`` of the price keys (:data:`_PRICE_KEYS`) ``keys`` and the refusals ``kerr`` of
    the keys the price book cannot price; returns the price table."""
    table, key_err = price_table(keys, extras=tuple(c for c in EXTRAS if c in types))
    table.insert(0, "pid", range(len(table)))   # one price row: its price key, hour and band
    con.register("p", table)
    kerr = pd.DataFrame([{**dict(zip(_PRICE_KEYS, key, strict=True)), "field": key_error_field(msg), "message": msg}
                         for key, msg in key_err.items()], columns=[*_PRICE_KEYS, "field", "message"])
    con.register("kerr", kerr)
    return table


def _list_errors(con, limit: int) -> tuple[pd.DataFrame, int]:
    """From the views of :func:`_row_views`, the first ``limit`` refused rows, in file order (the failed check's
    words, or the price book's refusal), and how many rows are refused."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE refused AS
      SELECT source_row, err AS field, NULL AS message, got FROM t_rows WHERE err IS NOT NULL
      UNION ALL SELECT t.source_row, k.field, k.message, NULL AS got
        FROM t_rows t JOIN kerr k ON {_same_price_key("t", "k")}
        WHERE t.err IS NULL""")
    errors = con.execute(f"SELECT * FROM refused ORDER BY source_row LIMIT {limit}").df()
    listed = [(f, m) if isinstance(m, str) else check_message(f, None if pd.isna(g) else g)
              for f, m, g in zip(errors["field"], errors["message"], errors.pop("got"), strict=True)]
    n = int(con.execute("SELECT count(*) FROM refused").fetchone()[0])
    return errors.assign(field=[f for f, _ in listed], message=[m for _, m in listed]), n


#: A good row joined to its price: same price key, hour of day and long-context band.
_JOIN = f"""t.err IS NULL AND {_same_price_key("t", "p")}
  AND t.hour = p.hour AND t.tier_tokens > p.t_lo AND t.tier_tokens <= p.t_hi"""


def _costs(n, p: str) -> dict:
    """The cost columns (the same arithmetic as :func:`course_lib.logs_rates.costs`) of the counts ``n(count)`` at
    the rates of price row ``p``: one row's counts, or the sums of rows that share a price row (a cost is a count
    times a rate, so the cost of a sum is the sum of the costs)."""
    def c(name):
        return f"coalesce({n(name)}, 0)"
    return {
        "input_usd": f"({n('input_tokens')} - {c('cache_read_tokens')} - {c('cache_write_tokens')}) * {p}.r_in / {M}",
        "cache_read_usd": f"{c('cache_read_tokens')} * {p}.r_read / {M}",
        "cache_write_usd": f"(({c('cache_write_tokens')} - {c('cache_write_1h_tokens')}) * {p}.r_write "
                           f"+ {c('cache_write_1h_tokens')} * {p}.r_w1h) / {M}",
        "output_usd": f"{n('output_tokens')} * {p}.r_out / {M}",
        "extras_usd": f"{c('web_searches')} * coalesce({p}.r_search, 0) + {c('input_audio_tokens')} "
                      f"* coalesce({p}.r_audio_in, 0) / {M} + {c('output_audio_tokens')} "
                      f"* coalesce({p}.r_audio_out, 0) / {M}"}


#: Whether a row uses each extra (the counts priced per unit beside the text tokens).
_EXTRA_USED = {"web_searches": "coalesce(web_searches_v, 0) > 0",
               "audio_in": "coalesce(input_audio_tokens_v, 0) > 0",
               "audio_out": "coalesce(output_audio_tokens_v, 0) > 0"}
#: A row (or group of rows, ``t``) uses an extra its price row ``p`` has no rate for (audio in and out are priced
#: apart): that part is left unbilled.
_EXTRAS_UNPRICED = ("({t}.web_searches_used AND {p}.r_search IS NULL) OR ({t}.audio_in_used AND {p}.r_audio_in IS NULL)"
                    " OR ({t}.audio_out_used AND {p}.r_audio_out IS NULL)")
#: The priced columns of a row.
_PRICED = (f"""t.day, t.hour, t.model, t.project, t.api_key, t.feature, t.batch, t.service_tier, p.band, p.period,
  p.provider, t.price_day, t.requests_n AS requests, {', '.join(f't.{c}_v AS {c}' for c in COUNTS if c != 'requests')},
  t.cost_v AS reported_cost_usd, """
           + ", ".join(f"{v} AS {k}" for k, v in _costs(lambda c: f"t.{c}_v", "p").items())
           + f", CAST({_EXTRAS_UNPRICED.format(t='t', p='p')} AS BIGINT) AS extras_unpriced")
_TOTAL = "(input_usd + cache_read_usd + cache_write_usd + output_usd + extras_usd)"


def duckdb_rows(source, as_of=None, *, limit_errors: int = 10_000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every row priced by DuckDB: (priced rows with the cost columns, in source order; errors). ``source`` is a
    canonical file path or a text DataFrame. Taught in notebook ``06_your_own_bill``."""
    con, types = _open(source, "csv")
    try:
        _row_views(con, types, as_of)
        keys = con.execute(f"SELECT DISTINCT {', '.join(_PRICE_KEYS)} FROM t_rows WHERE err IS NULL").df()
        _register_prices(con, keys, types)
        rows = con.execute(f"""SELECT *, {_TOTAL} AS total_usd FROM (
          SELECT t.source_row, {_PRICED} FROM t_rows t JOIN p ON {_JOIN}) ORDER BY source_row""").df()
        return rows, _list_errors(con, limit_errors)[0]
    finally:
        con.close()


def duckdb_lines(source, as_of=None, *, fmt: str = "csv",
                 limit_errors: int = 10_000) -> tuple[pd.DataFrame, pd.DataFrame, int, tuple]:
    """Bill lines summed by DuckDB in one scan of the rows, never held: (lines by :data:`KEYS`, the first
    ``limit_errors`` errors, the number of rows refused, and (exact repeats, rows compared, one row in how many)
    among the rows compared: :func:`~course_lib.logs_rows.duplicate_stride`). ``fmt`` maps a gateway's or the
    meter's columns in SQL (:data:`~course_lib.logs_sql.SQL_MAPPINGS`). Taught in notebook ``06_your_own_bill``.

    The rows are summed by their labels, hour and long-context bucket (between two thresholds of
    :func:`~course_lib.logs_rates.tier_edges`) as they stream past; the prices are joined to those sums. A price
    row with a threshold outside the buckets (a model the hint did not know) has the rows summed again with it."""
    stride = duplicate_stride(len(source) if isinstance(source, pd.DataFrame) else rows_at_most(source))
    pool = ThreadPoolExecutor(1)
    pending = pool.submit(tier_edges)   # the thresholds read from genai-prices while DuckDB opens the file
    try:
        con, types = _open(source, fmt)
    finally:
        pool.shutdown()
    try:
        edges = pending.result()
        while True:
            _sum_groups(con, types, edges, as_of, stride)
            # the price keys of the good groups, and the repeats among the rows compared, in one reading of g
            got = con.execute(f"SELECT coalesce(ok, false), {', '.join(_PRICE_KEYS)}, sum(repeats), sum(compared) "
                              "FROM g GROUP BY ALL").fetchall()
            keys = pd.DataFrame([r[1:-2] for r in got if r[0]], columns=list(_PRICE_KEYS))
            repeats, compared = sum(int(r[-2]) for r in got), sum(int(r[-1]) for r in got)
            table = _register_prices(con, keys, types)
            more = set(int(x) for x in table["t_lo"] if x >= 0) - set(edges)
            if not more:
                break
            edges = tuple(sorted(set(edges) | more))
        lines, n_err = _price_groups(con, types, edges, table)
        errors = pd.DataFrame(columns=["source_row", "field", "message"])
        if n_err:
            _row_views(con, types, as_of)
            errors, listed = _list_errors(con, limit_errors)
            if listed != n_err:   # the two readings apply the same checks: a difference is a bug, never a bill
                raise RuntimeError(f"duckdb_lines: {n_err} rows refused by the sums but {listed} by the listing")
    finally:
        _close_later(con)
    return (lines, errors, n_err,
            (repeats, compared, stride))


def _close_later(con) -> None:
    """Close ``con`` in a thread of its own: DuckDB frees the file's working memory (10-13 ms at 1,000,000 rows)
    while the bill goes on; the results read from it are copies."""
    threading.Thread(target=con.close, name="duckdb-close").start()


def _sum_groups(con, types: dict, edges: tuple, as_of, stride: int) -> None:
    """The table ``g``: the rows summed, in one pass, by whether they pass the per-row checks, the cells of
    :data:`_GROUP_CELLS` as written, the hour, the long-context bucket and the labels; then per group the checks on
    those cells (``ok``: every check passed), the labels trimmed, the day and hour. Each group counts its rows
    compared for repeats (``compared``: one in ``stride``, by a hash of their values, as a row and its repeat have
    the same values) and the repeats among them (``repeats``: rows whose cells hash as an earlier row's)."""
    checks = _checks(types)
    row_bad = " OR ".join(f"({sql})" for code, sql, _ in checks if not _by_group(code)) or "false"
    group_bad = " OR ".join(f"({sql})" for code, sql, _ in checks if _by_group(code)) or "false"
    have = [c for c in COUNTS if c in types and c != "requests"]
    # empty cells are 0 in a sum: the sum of the rest, 0 where all are empty (one coalesce a group, not a row)
    sums = [f"coalesce(sum({c}_v), 0) AS {c}" for c in have]
    sums += [f"count({c}_v) AS {c}_known" for c in UNREPORTED if c in types]
    if "reported_cost_usd" in types:
        sums += ["coalesce(sum(cost_v), 0) AS reported_cost_usd", "count(cost_v) AS reported_rows"]
    grouped = [c for c in (*_GROUP_CELLS, "project", "api_key", "feature") if c in types]   # by the cell as written
    labels = [f'"r_{c}"' for c in grouped]
    if any(c in types for c in EXTRAS):   # which extras a row uses: whether its price book prices them is per group
        labels += [f"{c}_used" for c in _EXTRA_USED]
    if "reported_currency" in types and "reported_cost_usd" in types:
        labels.append("cost_empty")   # the currency is checked only where an amount is given
    # most rows are below every threshold: asked first, they are in bucket 0 after one comparison
    bucket = (f"CASE WHEN tier_tokens <= {edges[0]} THEN 0 "
              + " ".join(f"WHEN tier_tokens > {e} THEN {i}" for i, e in reversed(list(enumerate(edges, 1))))
              + " ELSE 0 END") if edges else "0"
    # a repeat is a row whose canonical cells, trimmed, are all those of an earlier row: rows are compared within
    # their group, whose cells grouped by are the same as written, so only the others are hashed (trimmed, 5% of
    # the bill's time at 1,000,000 rows when all were)
    cells = ", ".join(_trimmed(c) for c in exports.CANONICAL if c in types and c not in grouped)
    sample = "" if stride == 1 else f"WHEN hash(utc_hour, input_tokens_v, output_tokens_v) % {stride} <> 0 THEN NULL "
    hashed = f"CASE {sample}WHEN true THEN hash({cells}) END"
    price_day = "day" if as_of is None else f"'{prices.as_date(as_of).isoformat()}'"
    requests = ("sum(requests_n) AS requests, count(requests_n) AS requests_known," if "requests" in types
                else "count(*) AS requests, count(*) AS requests_known,")
    label_text = ", ".join(f"{v} AS {k}" for k, v in _labels(types).items())
    con.execute(f"""CREATE OR REPLACE TEMP TABLE g AS
      SELECT *, {price_day} AS price_day FROM (
        SELECT * EXCLUDE (hashes), coalesce(len(hashes) - len(list_distinct(hashes)), 0) AS repeats,
          coalesce(len(hashes), 0) AS compared,
          row_ok AND NOT ({group_bad}) AS ok, {label_text},
          {_day('utc_hour')} AS day, {_hour('utc_hour', 'timed')} AS hour
        FROM (
          SELECT NOT ({row_bad}) AS row_ok, utc_hour, timed, {bucket} AS bucket, {', '.join(labels)},
            count(*) AS rows, {requests}
            {', '.join(sums) + ',' if sums else ''} list(h) FILTER (WHERE h IS NOT NULL) AS hashes
          FROM (SELECT *, {hashed} AS h FROM t)
          GROUP BY ALL))""")


def _price_groups(con, types: dict, edges: tuple, table: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The sums of ``g`` joined to their price rows (``table``, registered as ``p``) and summed again by
    :data:`KEYS` (groups whose labels differ only as written, or whose buckets share a band, make one line), in
    the order of :data:`KEYS`; and the rows of the groups refused (a check failed) or unpriced (no price row)."""
    def n(c):
        if c == "requests":
            return "g.requests"
        return f"g.{c}" if c in types else "0.0"
    rep = "CASE g.bucket WHEN 0 THEN 0 " + " ".join(f"WHEN {i} THEN {e + 1}" for i, e in enumerate(edges, 1)) + " END"
    costs = _costs(n, "q")
    unpriced_extras = f"CASE WHEN {_EXTRAS_UNPRICED.format(t='g', p='q')} THEN g.rows ELSE 0 END" \
        if any(c in types for c in EXTRAS) else "0"
    sums = {"rows": "g.rows", **{c: n(c) for c in COUNTS}, **costs,
            "total_usd": " + ".join(f"({v})" for v in costs.values()),
            "reported_cost_usd": "g.reported_cost_usd" if "reported_cost_usd" in types else "0.0",
            "reported_rows": "g.reported_rows" if "reported_cost_usd" in types else "0",
            "requests_unknown": "g.rows - g.requests_known", "extras_unpriced": unpriced_extras,
            **{c.replace("_tokens", "_unreported"): f"g.rows - g.{c}_known" if c in types else "g.rows"
               for c in UNREPORTED}}
    assert list(sums) == _LINE_SUMS
    zero = [k for k, v in sums.items() if v in ("0", "0.0")]   # a count the file lacks: 0 on every line, not summed
    summed = {k: v for k, v in sums.items() if k not in zero}
    # a priced line's price row (pid) gives its model, price day, batch, tier, hour, band, period and provider: the
    # lines are summed by it and the labels of g alone, and those keys are read from the price table (fetching them
    # as text from DuckDB, 23,000 lines at 1,000,000 rows, took more time than the sums)
    own = [k for k in KEYS if k not in _FROM_PRICE_ROW]
    order = ", ".join(f"p.{k}" if k in _FROM_PRICE_ROW else f"a.{k}" for k in KEYS)
    got = pd.DataFrame(con.execute(f"""
      SELECT a.* FROM (
        SELECT ok, unpriced, {', '.join(own)}, pid, {', '.join(f'CAST(sum({k}) AS DOUBLE) AS {k}' for k in summed)}
        FROM (SELECT g.ok, g.ok AND q.pid IS NULL AS unpriced, {', '.join(f'g.{k}' for k in own)}, q.pid,
                {', '.join(f'{v} AS {k}' for k, v in summed.items())}
              FROM g LEFT JOIN p q ON g.ok AND {_same_price_key("g", "q")} AND g.hour = q.hour AND q.t_lo < {rep} AND {rep} <= q.t_hi)
        GROUP BY ALL) a LEFT JOIN p USING (pid)
      ORDER BY {order}""").fetchnumpy())
    good = got["ok"] & ~got["unpriced"]
    n_refused = int(got.loc[~good, "rows"].sum())
    got = got[good].reset_index(drop=True)
    keys = table[list(_FROM_PRICE_ROW)].take(got.pop("pid").to_numpy(dtype=np.int64)).reset_index(drop=True)
    lines = pd.concat([got, keys], axis=1).assign(**dict.fromkeys(zero, 0.0))
    return lines[[*KEYS, *_LINE_SUMS]], n_refused


#: The keys of a bill line that its price row fixes (the rest are the labels of the rows).
_FROM_PRICE_ROW = (*_PRICE_KEYS, "hour", "band", "period", "provider")


_LINE_SUMS = ["rows", *COUNTS, *COST_COLUMNS, "reported_cost_usd", "reported_rows", "requests_unknown",
              "extras_unpriced", *(c.replace("_tokens", "_unreported") for c in UNREPORTED)]
