"""The readers' SQL: how DuckDB opens an export file and maps a gateway's or the meter's columns onto the
canonical usage table, in place (notebook ``06_your_own_bill``).
"""
from __future__ import annotations

import csv
import gzip
from pathlib import Path

from . import exports
from .logs_rows import MIN_ROW_BYTES

#: The separators a table's header line may use; the one that splits it into the most columns is the file's.
DELIMITERS = (",", ";", "\t", "|")


def open_text(path: Path):
    """A text stream of a file, decompressed as it is read when its name ends in ``.gz`` (notebook
    ``06_your_own_bill``)."""
    if Path(path).suffix.lower() == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def csv_header(path: Path) -> tuple[str, list[str]]:
    """The separator of a delimited table and its column names, from its header line: the separator is the one of
    :data:`DELIMITERS` that splits the line into the most columns (a semicolon-separated export, as spreadsheets in
    many locales write, and a ``.tsv``). Taught in notebook ``06_your_own_bill``."""
    with open_text(path) as f:
        header = f.readline()
    best = max(DELIMITERS, key=lambda d: len(next(csv.reader([header], delimiter=d), [])))
    names = next(csv.reader([header], delimiter=best), [])
    return (best, names) if len(names) > 1 else (",", next(csv.reader([header]), []))


def csv_delimiter(path: Path) -> str:
    """The separator of a delimited table, from its header line (:func:`csv_header`): both engines read the file
    with it. Taught in notebook ``06_your_own_bill``."""
    return csv_header(path)[0]


def _plain_names(names: list[str]) -> bool:
    """Whether a header's names can be given to DuckDB as they are: each written, unique, without spaces around it
    or a byte-order mark (any other header is read by DuckDB's own sniffer, which names such columns its way)."""
    return bool(names) and len(set(names)) == len(names) and all(
        n and n == n.strip() and "\ufeff" not in n for n in names)


def rows_at_most(path: Path) -> int:
    """An upper bound on the rows of a file, read without reading it: a Parquet file's own count, else its size
    (a gzip file's larger of its recorded size and ten times its own) over
    :data:`~course_lib.logs_rows.MIN_ROW_BYTES`. Taught in notebook ``06_your_own_bill``."""
    path = Path(path)
    if exports.suffix(path) == ".parquet":
        import duckdb
        p = str(path).replace("'", "''")
        con = duckdb.connect()
        try:
            return int(con.execute(f"SELECT sum(num_rows) FROM parquet_file_metadata('{p}')").fetchone()[0] or 0)
        finally:
            con.close()
    size = path.stat().st_size
    if path.suffix.lower() == ".gz":
        with open(path, "rb") as f:   # the last 4 bytes: the uncompressed size modulo 2^32
            f.seek(max(0, size - 4))
            size = max(int.from_bytes(f.read(4), "little"), 10 * size)
    return size // MIN_ROW_BYTES + 1


def relation(path: Path, columns: list | None = None) -> str:
    """The DuckDB table function that reads ``path`` by its kind (CSV as text, JSON, Parquet); notebook
    ``06_your_own_bill``. A CSV is read as text with the columns of its header line (:func:`csv_header`), or
    ``columns`` where given, so that DuckDB does not sniff the file for them."""
    p = str(path).replace("'", "''")
    suffix = exports.suffix(path)
    if suffix == ".parquet":
        return f"read_parquet('{p}')"
    if suffix in (".jsonl", ".ndjson"):
        return f"read_json('{p}', format='newline_delimited')"
    if suffix == ".json":
        return f"read_json('{p}', format='auto')"   # JSON Lines, or one JSON array of rows
    sep, names = csv_header(path)
    sep = sep.replace("'", "''")
    if columns is None and _plain_names(names):   # the header's own names: DuckDB need not sniff the file for them
        columns = names
    given = ""
    if columns:
        typed = ", ".join("'{}': 'VARCHAR'".format(c.replace("'", "''")) for c in columns)
        given = f", auto_detect=false, columns={{{typed}}}"
    return f"read_csv('{p}', all_varchar=true, header=true, delim='{sep}', quote='\"', escape='\"'{given})"


def _column(types: dict, name: str) -> str:
    return f'"{name}"' if name in types else "NULL"


def _json_path(types: dict, name: str, path: str) -> str:
    """A value inside a JSON column, whether DuckDB read it as text (CSV) or as a nested value (JSON, Parquet)."""
    if name not in types:
        return "NULL"
    doc = f'"{name}"' if types[name] in ("VARCHAR", "JSON") else f'to_json("{name}")'
    return f"json_extract_string({doc}, '{path}')"


def _litellm_count(types: dict, name: str) -> str:
    """A count of a LiteLLM row: its column, or (older rows) inside ``usage``, as :func:`course_lib.exports.read`."""
    if "usage" not in types:
        return _column(types, name)
    return f"COALESCE(CAST({_column(types, name)} AS VARCHAR), {_json_path(types, 'usage', '$.' + name)})"


def _litellm_sql(types: dict, rel: str) -> str:
    """LiteLLM spend-log rows, or its StandardLoggingPayload (what its S3/GCS/Pub/Sub loggers write: ``response_cost``,
    the team and key inside ``metadata``), as canonical columns (the same reading as :func:`course_lib.exports.read`)."""
    tags = types.get("request_tags", "")
    feature = '"request_tags"[1]' if tags.endswith("[]") else _json_path(types, "request_tags", "$[0]")
    project = _column(types, "team_id") if "team_id" in types else \
        _json_path(types, "metadata", "$.user_api_key_team_id")
    key = _column(types, "api_key") if "api_key" in types else _json_path(types, "metadata", "$.user_api_key_hash")
    cost = _column(types, "spend" if "spend" in types else "response_cost")
    return f"""SELECT {_column(types, 'startTime')} AS timestamp, {_column(types, 'model')} AS model, 1 AS requests,
      {_litellm_count(types, 'prompt_tokens')} AS input_tokens,
      {_litellm_count(types, 'completion_tokens')} AS output_tokens,
      {_json_path(types, 'metadata', '$.usage_object.prompt_tokens_details.cached_tokens')} AS cache_read_tokens,
      {_json_path(types, 'metadata', '$.usage_object.prompt_tokens_details.cache_write_tokens')} AS cache_write_tokens,
      {project} AS project, {key} AS api_key, {feature} AS feature,
      {cost} AS reported_cost_usd, 'USD' AS reported_currency, {_column(types, 'status')} AS _status
      FROM {rel}"""


def _meter_sql(types: dict, rel: str) -> str:
    """The course meter's table (OpenTelemetry attribute names as columns) as canonical columns."""
    counts = ", ".join(f'{_column(types, a)} AS {k}' for k, a in exports._OTEL.items())
    return f"""SELECT {_column(types, 'day')} AS timestamp, {_column(types, 'model')} AS model, 1 AS requests, {counts},
      {_column(types, 'feature')} AS feature, {_column(types, 'cost_usd')} AS reported_cost_usd,
      {"'USD'" if "cost_usd" in types else "NULL"} AS reported_currency FROM {rel}"""


#: Exports DuckDB reads where they lie, as canonical columns: (format, file kinds) -> mapping.
SQL_MAPPINGS = {"litellm": ((".csv", ".parquet", ".json", ".jsonl", ".ndjson"), _litellm_sql),
                 "otel": ((".csv", ".parquet"), _meter_sql)}


def duckdb_reads(fmt: str, path: str | Path) -> bool:
    """Whether DuckDB prices this export in place (out of core) rather than through the Python reader. Taught in
    notebook ``06_your_own_bill``."""
    kind = exports.suffix(path)
    if fmt == "csv":
        return kind in (".csv", ".tsv", ".parquet", ".json", ".jsonl", ".ndjson")
    return fmt in SQL_MAPPINGS and kind in SQL_MAPPINGS[fmt][0]
