"""What a usage row is: its columns, the words it may use, and what each check says (notebook ``06_your_own_bill``).

Both pricing engines (:mod:`course_lib.logs_pandas`, :mod:`course_lib.logs_duckdb`) read a row against these
names and say the same thing about a bad one.
"""
from __future__ import annotations

from . import prices

M = 1_000_000
ENGINES = ("pandas", "duckdb")
COUNTS = ("requests", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
          "cache_write_1h_tokens", "reasoning_tokens", "input_audio_tokens", "output_audio_tokens", "web_searches")
REQUIRED_COUNTS = ("input_tokens", "output_tokens")
#: Counts that are "not reported" when empty; the others are 0 when empty (requests: unknown).
UNREPORTED = ("cache_read_tokens", "cache_write_tokens", "reasoning_tokens")
KEYS = ("day", "hour", "model", "project", "api_key", "feature", "batch", "service_tier", "band", "period", "provider",
        "price_day")
#: A row's ``service_tier`` cell is read trimmed and lower-cased; empty or one of ``STANDARD_TIERS`` ("default",
#: "auto") is the standard tier, and any other word is priced by the price book or refused by it by name.
STANDARD_TIERS = tuple(w for w in prices.STANDARD_TIERS if w)
COST_COLUMNS = ("input_usd", "cache_read_usd", "cache_write_usd", "output_usd", "extras_usd", "total_usd")
GROUPS = ("day", "model", "project", "api_key", "feature", "provider", "period")
#: Upper end of the last long-context band, and the tier size a row marked long_context=true is priced at.
BIG = 2 ** 62
TRUE_WORDS, FALSE_WORDS = ("true", "1", "yes", "t"), ("false", "0", "no", "f")

# --- what a valid row is: one definition, read by both engines -------------------------------------------------
#: The largest count one row may carry. A bill line of a whole organisation's day is billions of tokens; 10^15
#: tokens is a billion dollars at $1 per million, and a float holds every whole number exactly only up to 2^53
#: (about 9.0e15). A larger count is a row error, never dropped and never rounded.
MAX_COUNT = 10 ** 15
#: Rows of each file compared for exact repeats (every canonical cell the same, as text), at most about this many,
#: so that memory and time stay flat however long the file is (8 bytes a row compared). A file that may hold more
#: rows has one row in :func:`duplicate_stride` compared, those whose hash (of their values, or of their cells) is a
#: multiple of it: a row and its repeat have the same hash, so they are compared together wherever they lie, and
#: the note gives the count found times the stride, as "about". Comparing every row of a 1,000,000-row file cost
#: the DuckDB bill more than half the time of a plain scan of it (DuckDB turns a distinct count per group into a
#: second copy of the rows; a list per group cost 0.46 CPU-s against 0.62 for the scan); 100,000 rows cost 5-8%.
DUPLICATE_CHECK_ROWS = 100_000
#: The fewest bytes a usage row can take in a file (a date, a model name, two counts and separators): a file's
#: size divided by it bounds its rows from above, for :func:`duplicate_stride`.
MIN_ROW_BYTES = 20
#: What is trimmed from both ends of every cell: spaces, as SQL's trim() does (a tab or line break is refused).
BLANKS = " "
#: A count: digits, with an optional ``.0`` as float writers add ("1_000", "1e3", "+5", "NaN" are refused).
COUNT_PATTERN = r"[0-9]+(\.0+)?"
#: An amount: digits with an optional fraction and exponent ("NaN", "inf", "-0.5", "1,5" are refused).
AMOUNT_PATTERN = r"[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]{1,3})?"
#: ISO 8601 in its extended form: a date, optionally a time (to the minute, second or fraction) with an offset;
#: years 1900-2199, hours 00-23. "2026-10", "20261026T100000Z" and "24:00:00" are refused by both engines.
TIMESTAMP_PATTERN = (r"(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
                     r"([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?"
                     r"(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?")

_BOOL = "expected true or false (also 1/0, yes/no, t/f)"


def _checks() -> dict:
    out = {"status": ("status", "a failed call (not billed by most providers) is not priced", False),
           "model": ("model", "missing: every row needs the model that served it", False),
           "timestamp": ("timestamp", "expected an ISO 8601 date or date-time, YYYY-MM-DD[THH:MM[:SS[.fraction]]]"
                         "[Z|+HH:MM], years 1900-2199 (UTC unless it has an offset)", True)}
    for c in COUNTS:
        if c in REQUIRED_COUNTS:
            out[f"{c}:missing"] = (c, "missing: a required count", False)
        out[c] = (c, f"expected a whole number written in digits, from 0 to 10^15 ({MAX_COUNT:,})", True)
    out.update({
        "requests:zero": ("requests", "0 requests with tokens: expected at least 1", False),
        "cache_read_tokens:sum": ("cache_read_tokens", "cache reads + writes exceed input_tokens (input_tokens "
                                  "must include cached tokens)", False),
        "cache_write_1h_tokens:sum": ("cache_write_1h_tokens", "exceeds cache_write_tokens (the 1-hour writes are "
                                      "part of the writes)", False),
        "reasoning_tokens:sum": ("reasoning_tokens", "exceeds output_tokens (output_tokens must include "
                                 "reasoning)", False),
        "input_audio_tokens:sum": ("input_audio_tokens", "exceeds input_tokens", False),
        "output_audio_tokens:sum": ("output_audio_tokens", "exceeds output_tokens", False),
        "batch": ("batch", _BOOL, True), "long_context": ("long_context", _BOOL, True),
        "reported_cost_usd": ("reported_cost_usd", "expected a non-negative amount written in digits, such as "
                              "0.0125 or 1.5e-3", True),
        "reported_currency": ("reported_currency", "expected USD (convert the amount first)", True)})
    return out


#: Every check, in the order both engines apply them (a row reports its first failure): code -> (field, message,
#: whether the value read is quoted after the message).
CHECKS = _checks()
#: The parts of a sum that may not exceed it: (code, part, whole) with ``cache_read_tokens`` the reads + writes.
SUMS = (("cache_write_1h_tokens:sum", "cache_write_1h_tokens", "cache_write_tokens"),
        ("reasoning_tokens:sum", "reasoning_tokens", "output_tokens"),
        ("input_audio_tokens:sum", "input_audio_tokens", "input_tokens"),
        ("output_audio_tokens:sum", "output_audio_tokens", "output_tokens"))


def check_message(code: str, value=None) -> tuple[str, str]:
    """(field, message) of a failed check, the value read quoted where it helps: the same words from both engines
    (notebook ``06_your_own_bill``)."""
    fld, msg, show = CHECKS[code]
    return fld, (f"{msg}, got {value!r}" if show else msg)


def cells(values) -> list:
    """Each value as text, None for an empty cell (None or NaN); both engines read a row from this text
    (notebook ``06_your_own_bill``)."""
    return [v if type(v) is str else None if v is None or (isinstance(v, float) and v != v) else str(v)  # v != v: NaN
            for v in values]


def key_error_field(message: str) -> str:
    """The field a price-book refusal names: ``batch``, ``as_of`` or ``service_tier`` where the message starts so,
    else the model (notebook ``06_your_own_bill``)."""
    return message.split(":")[0] if message.startswith(("batch", "as_of", "service_tier")) else "model"


def check_engine(engine: str) -> None:
    """Refuse an engine name other than :data:`ENGINES` (notebook ``06_your_own_bill``)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")


def duplicate_stride(rows_at_most: int) -> int:
    """One row in how many is compared for repeats, for a file of at most ``rows_at_most`` rows: 1 (every row)
    up to :data:`DUPLICATE_CHECK_ROWS`, then enough to compare about that many (notebook ``06_your_own_bill``)."""
    return max(1, -(-int(rows_at_most) // DUPLICATE_CHECK_ROWS))
