"""Price your own logs: the bill, re-priced, reconciled and what-if (notebook ``06_your_own_bill``).

The rows of any export (:mod:`course_lib.exports`) are priced at the prices in
force on each row's date, at its time of day where the provider has peak and
off-peak prices, at its long-context tier, batch or interactive, and at its
service tier (standard, flex, priority: refused by name where the book has no
price for it). Two engines
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

The rooms: :mod:`~course_lib.logs_rows` (what a row is), :mod:`~course_lib.logs_rates` (the price table and
the cost arithmetic), :mod:`~course_lib.logs_sql` (the readers' SQL), the two engines
:mod:`~course_lib.logs_pandas` and :mod:`~course_lib.logs_duckdb`, :mod:`~course_lib.logs_reconcile` and
:mod:`~course_lib.logs_levers` (what-ifs). This module is the front door: :func:`bill`, :class:`LogBill`,
:func:`price_rows`, and the names the rest of the course imports from here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from . import exports, money, prices
from .logs_duckdb import as_text, duckdb_lines, duckdb_rows
from .logs_levers import LEVERS, parse_lever, what_if
from .logs_pandas import check_rows, pandas_lines, price_rows_pandas
from .logs_rates import EXTRA_NAMES, price_table, rates
from .logs_reconcile import RECONCILE_TOLERANCE, reconcile
from .logs_rows import COST_COLUMNS, COUNTS, ENGINES, GROUPS, KEYS, M, UNREPORTED, \
    check_engine
from .logs_sql import duckdb_reads

#: ``engine="auto"`` prices a file smaller than this with pandas and a larger one with DuckDB. DuckDB's cost per bill
#: is mostly fixed (a connection, its views and a query plan: about 0.15 s even for a 24-row file), pandas' grows with
#: the rows; on this project's 2-core machine the two crossed between 0.57 MB (pandas 0.87x DuckDB's time) and 1.15 MB
#: (1.28x) of ``team_calls.csv`` rows, median of 5 bills each (issue 20, helper panel2's report). Both engines
#: give the same answers (``tests/test_logs_engines.py``), so the size only chooses the faster one; a file this small
#: fits in memory either way.
PANDAS_BELOW_BYTES = 768 * 1024

__all__ = ["COST_COLUMNS", "COUNTS", "ENGINES", "GROUPS", "KEYS", "LEVERS", "M", "RECONCILE_TOLERANCE", "UNREPORTED",
           "LogBill", "bill", "check_rows", "duckdb_reads", "parse_lever", "price_rows", "price_table", "reconcile",
           "what_if"]


def price_rows(df: pd.DataFrame, as_of: date | str | None = None, *,
               engine: str = "pandas") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every row priced: (priced rows with the band, period and cost columns; errors), by either engine.

    ``df`` holds canonical columns (as text or numbers). ``as_of`` prices every row on one date's prices
    (default: each row on its own date). Taught in notebook ``06_your_own_bill``.
    """
    check_engine(engine)
    if engine == "duckdb":
        return duckdb_rows(as_text(df), as_of)
    return price_rows_pandas(df, as_of)


def _repeated_files(paths) -> list[str]:
    """Notes for a file given twice (read once) and for different files with the same content (both counted)."""
    import hashlib
    files = [Path(p) for p in paths if not isinstance(p, exports.Export) and Path(p).is_file()]
    notes, by_path, by_content = [], {}, {}
    for p in files:
        by_path.setdefault(p.resolve(), []).append(p)
    for same in by_path.values():
        if len(same) > 1:
            notes.append(f"{same[0].name} was given {len(same)} times: read once")
    for p in by_path:
        h = hashlib.sha256()
        with open(p, "rb") as f:
            h.update(f.read(1 << 20))
        by_content.setdefault((p.stat().st_size, h.hexdigest()), []).append(p)
    for same in by_content.values():
        if len(same) > 1:
            notes.append(f"{', '.join(p.name for p in same)} have the same size and first megabyte: probably copies "
                         "of one export, and every one of them is counted; pass one of them if so")
    return notes


def _repeated_rows(name: str, repeats: int, compared: int, stride: int) -> list[str]:
    """A note for rows that repeat an earlier row of the same file exactly (every column the same), among the rows
    compared (:func:`~course_lib.logs_rows.duplicate_stride`)."""
    if not repeats:
        return []
    if stride == 1:
        return [f"{name}: {repeats:,} row(s) repeat an earlier row exactly (every column the same): each is counted; "
                "if the export repeats rows, remove the repeats (rows compared: every row)"]
    return [f"{name}: about {repeats * stride:,} row(s) repeat an earlier row exactly (every column the same): each "
            f"is counted; if the export repeats rows, remove the repeats ({repeats:,} among the {compared:,} rows "
            f"compared, one in {stride} chosen by a hash of their values, so that a row and its repeats are compared "
            "together)"]


def _dates_outside_the_price_book(lines: pd.DataFrame) -> list[str]:
    """Notes for price dates after the price book's newest data (a row dated before its dated history is refused
    by the price book itself, naming the first date with a price)."""
    notes = []
    newest = prices.data_as_of().isoformat()
    late = lines[lines["price_day"] > newest]
    if len(late):
        notes.append(f"{int(late['rows'].sum()):,} row(s) priced on dates up to {late['price_day'].max()}, after "
                     f"the price book's newest data ({newest}): the prices in force then are used; a later change "
                     "is not known")
    return notes


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
    no_batch_models: tuple = ()     # models read from a gateway export with no batch API (OpenRouter)
    _reconciled: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    _own_rates: pd.DataFrame | None = field(default=None, repr=False, compare=False)

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
        lines = self.lines
        if key in ("project", "api_key", "feature"):   # an export that does not give the label: say so, never ""
            lines = lines.assign(**{key: lines[key].replace("", f"(no {key.replace('_', ' ')} in export)")})
        g = lines.groupby([key, "day"] if key != "day" else ["day"], sort=True)
        per = g[["rows", "requests", "input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens",
                 *COST_COLUMNS]].sum().reset_index()
        rates, _ = money.cny_rates(per["day"].unique())   # NaN where no rate is known: CNY unknown, USD stands
        per["total_cny"] = per["total_usd"] * per["day"].map(rates)
        out = per.drop(columns="day") if key != "day" else per
        out = out.groupby(key, sort=True).sum(numeric_only=True, min_count=1)
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
                "requests_unknown": "request count not given (tier chosen from the export's context window)"}
        out = {text: int(self.lines[c].sum()) for c, text in what.items() if self.lines[c].sum()}
        return out | self.unpriced_extras()

    def unpriced_extras(self) -> dict:
        """Rows with a web search or audio token the model publishes no price for, by model: "deepseek-chat: 3 web
        searches with no published price, left out of the total" -> rows. The rows' text tokens are billed; those
        counts are not (unknown, never 0)."""
        hit = self.lines[self.lines["extras_unpriced"] > 0]
        counts: dict = {}
        for r in hit.itertuples(index=False):
            tier = getattr(r, "service_tier", "standard")
            given = {k: getattr(r, k) for k in EXTRA_NAMES if getattr(r, k) > 0}
            for k in prices.unpriced_extras(r.model, r.price_day, given, batch=bool(r.batch), period=r.period,
                                            tier=tier):
                counts.setdefault(r.model, {}).setdefault(k, 0)
                counts[r.model][k] += given[k]
        rows = hit.groupby("model")["extras_unpriced"].sum()
        audio = " (their tokens billed at the text rate; the audio price unknown)"
        return {f"{m}: " + ", ".join(f"{int(n):,} {EXTRA_NAMES[k]}" for k, n in sorted(c.items()))
                + " with no published price, left out of the total"
                + (audio if any("audio" in k for k in c) else ""): int(rows[m]) for m, c in sorted(counts.items())}

    def reconcile(self) -> pd.DataFrame:
        """:func:`reconcile` of this bill (worked out once: the panel asks again as its levers move)."""
        if self._reconciled is None:
            self._reconciled = reconcile(self)
        return self._reconciled.copy()

    def own_rates(self) -> pd.DataFrame:
        """The rates each line was priced at (:func:`~course_lib.logs_rates.rates` with no override), worked out
        once: every what-if re-prices the lines at them, and so does reconciliation. Not to be changed in place."""
        if self._own_rates is None:
            self._own_rates = rates(self.lines)
        return self._own_rates

    def what_if(self, levers: list[str] | None = None) -> pd.DataFrame:
        """:func:`what_if` on this bill's traffic."""
        return what_if(self, levers)

    def summary(self) -> dict:
        first, last = self.lines["day"].min(), self.lines["day"].max()
        by_day = self.by("day")   # CNY day by day; unknown (NaN) if any day has no rate
        return {"rows": self.rows, "errors": self.error_count, "days": f"{first} to {last}",
                "total_usd": self.total_usd,
                "total_cny": float(by_day["total_cny"].sum(min_count=len(by_day))),
                "components_usd": self.components().to_dict(), "not_reported": self.unreported()}


def bill(paths, format: str = "auto", as_of: date | str | None = None, *, engine: str = "auto") -> LogBill:
    """The bill of one or more export files (usage files are priced; cost files are reconciled against).

    ``engine="auto"`` runs DuckDB over a canonical CSV, JSON Lines or Parquet file (or an export DuckDB reads in
    place) of :data:`PANDAS_BELOW_BYTES` or more, and pandas over a smaller file and over a provider's export once
    read. Taught in notebook ``06_your_own_bill``.
    """
    if isinstance(paths, (str, Path, exports.Export)):
        paths = [paths]
    if engine not in ("auto", *ENGINES):
        raise ValueError(f"engine must be 'auto' or one of {ENGINES}, got {engine!r}")
    parts, errs, n_err, reported, notes, sources, gateway = [], [], 0, [], [], [], set()
    notes += _repeated_files(paths)
    seen = set()

    def priced(name: str, got: tuple) -> None:   # one file's lines, row errors and repeats, from either engine
        nonlocal n_err
        lines, e, n, repeats = got
        parts.append(lines), errs.append(e.assign(source=name))
        n_err += n
        notes.extend(_repeated_rows(name, *repeats))
    for item in paths:
        if isinstance(item, exports.Export):
            ex = item
        else:
            p = Path(item)
            if p.is_file():
                if p.resolve() in seen:
                    continue   # the same file given twice is read once (said in the notes)
                seen.add(p.resolve())
            fmt = exports.detect_format(p) if format == "auto" and p.is_file() else format
            small = engine == "auto" and p.is_file() and p.stat().st_size < PANDAS_BELOW_BYTES
            if engine in ("auto", "duckdb") and not small and p.is_file() and duckdb_reads(fmt, p):
                priced(p.name, duckdb_lines(p, as_of, fmt=fmt))
                sources.append(f"{p.name} ({fmt}, duckdb)")
                continue
            if fmt == "csv" and p.is_file() and (engine == "pandas" or (small and duckdb_reads(fmt, p))):
                priced(p.name, pandas_lines(p, as_of))
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
        if ex.format == "openrouter":
            gateway |= set(ex.rows["model"].dropna())
        if len(ex.rows):
            priced(Path(ex.path).name, duckdb_lines(as_text(ex.rows), as_of) if engine == "duckdb"
                   else pandas_lines(ex.rows, as_of))
    if not parts:
        raise ValueError("paths: no usage rows to price" + _why_no_rows(errs, reported, notes))
    lines = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].copy(deep=False)
    for c in ("hour", "band"):
        lines[c] = lines[c].astype(np.int64)
    lines["batch"] = lines["batch"].astype(bool)
    errors = pd.concat([e for e in errs if len(e)] or [pd.DataFrame(columns=["source", "source_row", "field",
                                                                              "message"])], ignore_index=True)
    if not len(lines):
        first = (f"; the first: {errors['source'].iloc[0]} row {errors['source_row'].iloc[0]}: "
                 f"{errors['field'].iloc[0]}: {errors['message'].iloc[0]}") if len(errors) else ""
        raise ValueError(f"paths: no row could be priced ({n_err:,} row error(s){first})")
    notes += _dates_outside_the_price_book(lines)
    rep = pd.concat(reported, ignore_index=True) if reported else pd.DataFrame(
        columns=[*exports.COST_COLUMNS, "source"])
    day = None if as_of is None else prices.as_date(as_of)
    notes += money.cny_rates(lines["day"].unique())[1]
    return LogBill(lines, errors[["source", "source_row", "field", "message"]], n_err, rep, notes, sources, day,
                   tuple(sorted(gateway)))


def _why_no_rows(errs: list, reported: list, notes: list = ()) -> str:
    """Why no file gave a usage row: the readers' own row messages (each once, with how many rows) and notes, or
    that only cost reports were given."""
    errors = pd.concat([e for e in errs if len(e)], ignore_index=True) if any(len(e) for e in errs) else None
    if errors is not None:
        said = errors.groupby(["source", "field", "message"], sort=False).size().reset_index(name="n")
        return ": " + "; ".join(f"{r.source}: {r.n} row(s) refused: {r.field}: {r.message}"
                                for r in said.head(5).itertuples())
    if notes:
        return ": " + "; ".join(notes[:5])
    if reported:
        return " (cost reports alone can only be reconciled against usage)"
    return " (the files hold no usage rows)"
