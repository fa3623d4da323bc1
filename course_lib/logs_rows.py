"""What a usage row is: its columns, the words it may use, and what each check says (notebook ``06_your_own_bill``).

Both pricing engines (:mod:`course_lib.logs_pandas`, :mod:`course_lib.logs_duckdb`) read a row against these
names and say the same thing about a bad one.
"""
from __future__ import annotations

import numpy as np

M = 1_000_000
ENGINES = ("pandas", "duckdb")
COUNTS = ("requests", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
          "cache_write_1h_tokens", "reasoning_tokens", "input_audio_tokens", "output_audio_tokens", "web_searches")
#: Counts that are "not reported" when empty; the others are 0 when empty (requests: unknown).
UNREPORTED = ("cache_read_tokens", "cache_write_tokens", "reasoning_tokens")
KEYS = ("day", "hour", "model", "project", "api_key", "feature", "batch", "band", "period", "provider", "price_day")
COST_COLUMNS = ("input_usd", "cache_read_usd", "cache_write_usd", "output_usd", "extras_usd", "total_usd")
GROUPS = ("day", "model", "project", "api_key", "feature", "provider", "period")
#: Upper end of the last long-context band, and the tier size a row marked long_context=true is priced at.
BIG = 2 ** 62
TRUE_WORDS, FALSE_WORDS = ("true", "1", "yes", "t"), ("false", "0", "no", "f")

#: What each check says, for the pandas checks (which add the value read) and the SQL ones alike.
MESSAGES = {
    "model": "missing: every row needs the model that served it",
    "timestamp": "expected an ISO 8601 date or date-time (UTC unless it has an offset)",
    "requests": "0 requests with tokens: expected at least 1",
    "batch": "expected true or false", "long_context": "expected true or false",
    "reported_cost_usd": "expected a non-negative amount",
    "count": "expected a whole, non-negative number",
}


def cells(values) -> list:
    """Each value as text, None for an empty cell (None or NaN); both engines read a row from this text
    (notebook ``06_your_own_bill``)."""
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values]


def key_error_field(message: str) -> str:
    """The field a price-book refusal names: ``batch`` or ``as_of`` where the message starts so, else the model
    (notebook ``06_your_own_bill``)."""
    return message.split(":")[0] if message.startswith(("batch", "as_of")) else "model"


def check_engine(engine: str) -> None:
    """Refuse an engine name other than :data:`ENGINES` (notebook ``06_your_own_bill``)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
