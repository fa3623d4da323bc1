"""The pandas engine: rows checked and priced in memory, a chunk at a time for a large file (notebook
``06_your_own_bill``).
"""
from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from . import exports, prices
from .logs_rates import EXTRAS, PRICE_KEYS, costs, price_table
from .logs_rows import AMOUNT_PATTERN, BIG, BLANKS, COST_COLUMNS, COUNT_PATTERN, COUNTS, duplicate_stride, \
    FALSE_WORDS, KEYS, MAX_COUNT, REQUIRED_COUNTS, STANDARD_TIERS, SUMS, TIMESTAMP_PATTERN, TRUE_WORDS, UNREPORTED, \
    cells, check_message, key_error_field
from .logs_sql import csv_delimiter, open_text, rows_at_most

#: Rows the pandas engine holds at once when it reads a file (CSV, JSON Lines, Parquet): about 2 KB each while
#: they are checked, so about 100 MB whatever the file's size. A single JSON document (``.json``) is read whole.
CHUNK_ROWS = 50_000


def _text(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df:
        return pd.Series([None] * len(df), index=df.index, dtype=object)
    vals = [None if v is None else (v.strip(BLANKS) or None) for v in cells(df[col].astype(object).to_numpy())]
    return pd.Series(vals, index=df.index, dtype=object)


def _matches(t: pd.Series, pattern: str) -> pd.Series:
    """Whether each non-empty text matches ``pattern`` whole (empty: False)."""
    full = re.compile(pattern).fullmatch   # re keeps its compiled patterns: compiled once per process
    return pd.Series([v is not None and full(v) is not None for v in t], index=t.index, dtype=bool)


def _bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    low = [None if v is None else v.lower() for v in s]
    val = pd.Series([True if v in TRUE_WORDS else (False if v in FALSE_WORDS else None) for v in low], index=s.index,
                    dtype=object)
    bad = pd.Series([v is not None for v in low], index=s.index) & val.isna()
    return val, bad


def check_rows(df: pd.DataFrame, as_of: date | str | None = None,
               texts: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows typed and checked: (good rows with day, hour, price_day, tier_tokens; errors).

    Every value is read from its text against :data:`~course_lib.logs_rows.CHECKS`, as the DuckDB engine reads
    it; the first problem of each row is reported (field, message, what is accepted). ``texts``: the columns of
    ``df`` already read as text (a dict that gains the ones read here). Taught in notebook ``06_your_own_bill``.
    """
    missing = [c for c in exports.REQUIRED if c not in df.columns]
    if missing:
        raise ValueError(f"{missing[0]}: missing column; a usage table needs {', '.join(exports.REQUIRED)} and may "
                         f"have {', '.join(c for c in exports.CANONICAL if c not in exports.REQUIRED)}")
    n = len(df)
    src = df["source_row"].to_numpy() if "source_row" in df else np.arange(1, n + 1)
    err_field = np.full(n, None, dtype=object)
    err_msg = np.full(n, None, dtype=object)

    def flag(mask, code, text=None):
        mask = np.asarray(mask, dtype=bool) & pd.isna(err_field)
        for i in np.flatnonzero(mask):
            err_field[i], err_msg[i] = check_message(code, None if text is None else text.iat[i])

    texts = {} if texts is None else texts

    def text(c: str) -> pd.Series:   # each column read as text once
        if c not in texts:
            texts[c] = _text(df, c)
        return texts[c]

    # The columns are gathered in a dict and made into one frame at the end: a column added to a frame one at a time
    # costs a copy of the frame's block each time, most of a small file's time.
    out: dict[str, object] = {"source_row": src}
    model = text("model")
    flag(model.isna(), "model")
    out["model"] = model
    ts_text = text("timestamp")
    ts_ok = _matches(ts_text, TIMESTAMP_PATTERN)
    ts = pd.to_datetime(ts_text.where(ts_ok), utc=True, format="ISO8601", errors="coerce")
    flag(ts.isna(), "timestamp", ts_text)
    known = np.fromiter((v is not None and len(v) > 10 for v in ts_text), dtype=bool, count=n)
    out["day"] = ts.dt.strftime("%Y-%m-%d")
    out["hour"] = np.where(known & ts.notna().to_numpy(), ts.dt.hour.fillna(-1), -1).astype(np.int64)
    for c in COUNTS:
        t = text(c)
        ok = _matches(t, COUNT_PATTERN)
        # float() of digits (a whole number, maybe ".0") is exact up to 2**53, far above MAX_COUNT
        v = pd.Series([float(x) if k else np.nan for x, k in zip(t, ok, strict=True)], index=t.index, dtype=float)
        bad = t.notna() & ~(ok & (v <= MAX_COUNT))
        if c in REQUIRED_COUNTS:
            flag(t.isna(), f"{c}:missing")
        flag(bad, c, t)
        out[c] = v.where(~bad)
    if "requests" not in df.columns:
        out["requests"] = pd.Series(1.0, index=df.index)   # one row, one call
    flag(out["requests"] == 0, "requests:zero")
    read, write = out["cache_read_tokens"].fillna(0), out["cache_write_tokens"].fillna(0)
    flag(read + write > out["input_tokens"], "cache_read_tokens:sum")
    for code, part, whole in SUMS:
        flag(out[part].fillna(0) > out[whole].fillna(0), code)
    for c in ("batch", "long_context"):
        val, bad = _bool(text(c))
        flag(bad, c, text(c))
        out[c] = val
    cost_t, cur = text("reported_cost_usd"), text("reported_currency")
    cost_ok = _matches(cost_t, AMOUNT_PATTERN)
    cost = pd.to_numeric(cost_t.where(cost_ok), errors="coerce").astype(float)
    flag(cost_t.notna() & ~(cost_ok & np.isfinite(cost)), "reported_cost_usd", cost_t)
    flag(cost_t.notna() & cur.notna() & (cur.map(lambda v: (v or "").upper()) != "USD"), "reported_currency", cur)
    out["reported_cost_usd"] = cost
    for c in ("project", "api_key", "feature"):
        out[c] = text(c).fillna("")
    out["batch"] = out["batch"].fillna(False).astype(bool)
    out["service_tier"] = [_tier(v) for v in text("service_tier")]
    out["price_day"] = out["day"] if as_of is None else prices.as_date(as_of).isoformat()
    per_request = np.floor(out["input_tokens"] / out["requests"])
    lc = out["long_context"]
    out["tier_tokens"] = np.where(lc.eq(True), BIG - 1, np.where(lc.eq(False), 0, per_request.fillna(0)))
    pos = pd.RangeIndex(n)   # made on positions, then given df's index: an index with repeated labels is kept as is
    out = pd.DataFrame({c: v.set_axis(pos) if isinstance(v, pd.Series) else v for c, v in out.items()}, index=pos)
    out.index = df.index
    bad = pd.notna(err_field)
    errors = pd.DataFrame({"source_row": src[bad], "field": err_field[bad], "message": err_msg[bad]})
    return out[~bad], errors


def _tier(text: str | None) -> str:
    """A service_tier cell as a price key: empty or a standard word is "standard", any other word lower-cased."""
    return "standard" if text is None or text.lower() in STANDARD_TIERS else text.lower()


def _key_errors(good: pd.DataFrame, key_err: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    if not key_err:
        return good, pd.DataFrame(columns=["source_row", "field", "message"])
    keys = list(good[PRICE_KEYS].itertuples(index=False, name=None))
    msgs = pd.Series([key_err.get(k) for k in keys], index=good.index, dtype=object)
    bad = msgs.notna()
    errors = pd.DataFrame({"source_row": good.loc[bad, "source_row"].to_numpy(),
                           "field": msgs[bad].map(key_error_field).to_numpy(), "message": msgs[bad].to_numpy()})
    return good[~bad], errors


def price_rows_pandas(df: pd.DataFrame, as_of: date | str | None = None,
                      texts: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every row priced in memory: (priced rows with the band, period and cost columns; errors); ``texts`` as for
    :func:`check_rows`. Taught in notebook ``06_your_own_bill``."""
    good, errors = check_rows(df, as_of, texts)
    table, key_err = price_table(good, extras=tuple(c for c in EXTRAS if good[c].fillna(0).gt(0).any()))
    good, kerr = _key_errors(good, key_err)
    merged = good.merge(table, on=[*PRICE_KEYS, "hour"], how="inner")
    merged = merged[(merged["tier_tokens"] > merged["t_lo"]) & (merged["tier_tokens"] <= merged["t_hi"])]
    merged = pd.concat([merged, costs(merged)], axis=1).sort_values("source_row", kind="stable")
    return merged.reset_index(drop=True), pd.concat([errors, kerr]).sort_values("source_row").reset_index(drop=True)


def _lines_of(priced: pd.DataFrame) -> pd.DataFrame:
    """Priced rows summed into bill lines by :data:`KEYS` (the summed columns made in one frame, not added one at a
    time to a copy of the rows)."""
    def count(mask) -> np.ndarray:
        return np.asarray(mask, dtype=np.int64).astype(float)

    n = len(priced)
    cols = {k: priced[k] for k in KEYS}
    cols["rows"] = np.ones(n)
    for c in [*COUNTS, *COST_COLUMNS, "reported_cost_usd", "extras_unpriced"]:
        cols[c] = priced[c].fillna(0).astype(float)
    cols["reported_rows"] = count(priced["reported_cost_usd"].notna())
    cols["requests_unknown"] = count(priced["requests"].isna())
    for c in UNREPORTED:
        cols[c.replace("_tokens", "_unreported")] = count(priced[c].isna())
    sums = ["rows", *COUNTS, *COST_COLUMNS, "reported_cost_usd", "reported_rows", "requests_unknown",
            "extras_unpriced", *(c.replace("_tokens", "_unreported") for c in UNREPORTED)]
    p = pd.DataFrame(cols, index=priced.index)
    return p.groupby(list(KEYS), dropna=False, sort=True)[sums].sum().reset_index()


def pandas_lines(path_or_df, as_of, chunk_rows: int = CHUNK_ROWS):
    """Bill lines with pandas, a chunk at a time for a file: (lines by :data:`KEYS`, errors, how many rows were
    refused, and (rows that repeat an earlier one exactly, rows compared, one in how many) among the rows compared:
    :func:`~course_lib.logs_rows.duplicate_stride`). Taught in notebook ``06_your_own_bill``."""
    if isinstance(path_or_df, pd.DataFrame):
        chunks = [path_or_df]
    else:
        p = Path(path_or_df)
        kind = exports.suffix(p)
        if kind in (".csv", ".tsv"):
            chunks = _csv_chunks(p, chunk_rows)
        elif kind in (".jsonl", ".ndjson"):
            chunks = _json_lines_chunks(p, chunk_rows)
        elif kind == ".parquet":
            chunks = _parquet_chunks(p, chunk_rows)
        else:
            chunks = _numbered([pd.DataFrame(_json_rows(p))])
    stride = duplicate_stride(len(path_or_df) if isinstance(path_or_df, pd.DataFrame) else rows_at_most(path_or_df))
    parts, errs, hashes = [], [], []
    for chunk in chunks:
        texts: dict = {}   # each column read as text once, for the repeats and for the checks
        h = _row_hashes(chunk, texts)
        hashes.append(h if stride == 1 else h[h % np.uint64(stride) == 0])
        priced, e = price_rows_pandas(chunk, as_of, texts)
        parts.append(_lines_of(priced))
        errs.append(e)
    lines = parts[0]   # one chunk's lines are already summed by KEYS
    if len(parts) > 1:
        lines = pd.concat(parts, ignore_index=True)
        sums = [c for c in lines.columns if c not in KEYS]
        lines = lines.groupby(list(KEYS), dropna=False, sort=True)[sums].sum().reset_index()
    errors = pd.concat(errs, ignore_index=True)
    compared = np.concatenate(hashes) if hashes else np.array([], dtype=np.uint64)
    return lines, errors, len(errors), (len(compared) - len(np.unique(compared)), len(compared), stride)


def _row_hashes(df: pd.DataFrame, texts: dict) -> np.ndarray:
    """One 64-bit hash per row of its canonical cells as text (trimmed, empty as missing), as DuckDB hashes them;
    ``texts`` gains the columns read as text."""
    for c in exports.CANONICAL:
        if c in df.columns and c not in texts:
            texts[c] = _text(df, c)
    cells_ = pd.DataFrame({c: texts[c] for c in exports.CANONICAL if c in df.columns}, index=df.index)
    return pd.util.hash_pandas_object(cells_, index=False).to_numpy()


def _numbered(chunks):
    """Chunks of a file's rows, each with ``source_row`` (1 = the first row after any header)."""
    start = 1
    for chunk in chunks:
        chunk.insert(0, "source_row", np.arange(start, start + len(chunk)))
        start += len(chunk)
        yield chunk


def _csv_chunks(p: Path, chunk_rows: int):
    with open_text(p) as f:
        yield from _numbered(pd.read_csv(f, dtype=str, keep_default_na=False, na_values=[""], chunksize=chunk_rows,
                                         sep=csv_delimiter(p), quotechar='"', doublequote=True))


def _json_value(text: str):
    """A JSON document, with NaN and Infinity kept as the text DuckDB reads them as ("nan", "inf"): refused as
    amounts and counts by both engines rather than read as empty."""
    return json.loads(text, parse_constant=lambda c: str(float(c)))


def _json_lines_chunks(p: Path, chunk_rows: int):
    """JSON Lines read a chunk of rows at a time (and decompressed as read): memory stays within a chunk."""
    def chunks():
        batch = []
        with open_text(p) as f:
            for i, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    batch.append(_json_value(line))
                except json.JSONDecodeError as e:
                    raise ValueError(f"{p.name}: line {i} is not JSON ({e.msg})") from None
                if len(batch) >= chunk_rows:
                    yield pd.DataFrame(batch)
                    batch = []
        if batch:
            yield pd.DataFrame(batch)
    return _numbered(chunks())


def _json_rows(p: Path) -> list:
    """One JSON document's rows (a list of rows, or ``{"data": [...]}``); read whole."""
    with open_text(p) as f:
        doc = _json_value(f.read())
    return doc["data"] if isinstance(doc, dict) and isinstance(doc.get("data"), list) else (
        doc if isinstance(doc, list) else [doc])


def _parquet_chunks(p: Path, chunk_rows: int):
    import duckdb
    con = duckdb.connect()
    try:
        reader = con.execute(f"SELECT * FROM read_parquet('{str(p).replace(chr(39), chr(39) * 2)}')"
                             ).fetch_record_batch(chunk_rows)
        yield from _numbered(batch.to_pandas() for batch in reader)
    finally:
        con.close()
