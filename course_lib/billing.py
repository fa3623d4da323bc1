"""What a call costs (notebook ``01_token_billing``).

cost = uncached input × input price + cache reads × read price
       + cache writes × write price + output × output price

all per million tokens, at the rates of the request's long-context tier.
:func:`cost` prices one call; :func:`cost_frame` prices a DataFrame of calls
with numpy in one pass and gives the same numbers (a property-based test
checks it), much faster (``benchmarks/billing.py``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import numpy as np
import pandas as pd

from . import money
from .prices import Price, quote, surcharge, unpriced_extras
from .usage import Usage

M = 1_000_000
#: The columns :func:`cost_frame` reads: two required, the rest optional.
USAGE_COLUMNS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
                 "cache_write_1h_tokens", "reasoning_tokens")
#: Column names other tools use, and the course's name for each (refused with this hint).
COLUMN_ALIASES = {"cached_tokens": "cache_read_tokens", "cache_read_input_tokens": "cache_read_tokens",
                  "cache_creation_input_tokens": "cache_write_tokens", "cache_write_5m_tokens": "cache_write_tokens",
                  "prompt_tokens": "input_tokens", "completion_tokens": "output_tokens",
                  "thinking_tokens": "reasoning_tokens", "output_reasoning_tokens": "reasoning_tokens"}


@dataclass(frozen=True)
class Bill:
    """The cost of one call (or a sum of calls) in USD, split by what was billed. Taught in notebook ``01_token_billing``."""

    model: str
    as_of: date
    uncached_input_usd: float
    cache_read_usd: float
    cache_write_usd: float
    output_usd: float
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int | None = None
    unreported: tuple = ()
    extras_usd: float = 0.0
    unpriced: tuple = ()

    @property
    def input_usd(self) -> float:
        return self.uncached_input_usd + self.cache_read_usd + self.cache_write_usd

    @property
    def total_usd(self) -> float:
        """Text tokens, plus what audio/image/video tokens and web searches add (``extras_usd``)."""
        return self.input_usd + self.output_usd + self.extras_usd

    def total(self, currency: str = "USD", rate: float | None = None) -> float:
        """The total in ``currency`` at the dated rate of ``data/fx_rates.csv`` (or ``rate``)."""
        return money.convert(self.total_usd, currency, self.as_of, rate)

    def as_dict(self) -> dict:
        d = asdict(self)
        d.update(input_usd=self.input_usd, total_usd=self.total_usd)
        return d

    def __str__(self) -> str:
        text = (f"{self.model} @ {self.as_of}: {money.both(self.total_usd, self.as_of)} = "
                f"input {money.fmt(self.uncached_input_usd)} + cache read {money.fmt(self.cache_read_usd)} "
                f"+ cache write {money.fmt(self.cache_write_usd)} + output {money.fmt(self.output_usd)}")
        if self.extras_usd:
            text += f" + audio/image/search {money.fmt(self.extras_usd)}"
        if self.unreported:
            what = {"cache_read_tokens": "cache reads (all input billed uncached)",
                    "cache_write_tokens": "cache writes (billed as plain input)",
                    "reasoning_tokens": "reasoning (its share of the output)"}
            text += f"; not reported: {', '.join(what[n] for n in self.unreported)}"
        if self.unpriced:
            text += f" (no price in the book, not billed: {', '.join(self.unpriced)})"
        return text


def _price(model_or_price: str | Price, as_of, batch: bool, period: str, tier: str | None = None) -> Price:
    if isinstance(model_or_price, Price):
        return model_or_price
    return quote(model_or_price, as_of, batch=batch, period=period, tier=tier)


def cost(usage: Usage, model: str | Price, as_of: date | str | None = None, *,
         batch: bool = False, period: str = "standard", tier: str | None = None) -> Bill:
    """The :class:`Bill` for one call. ``model`` is a model id or a :class:`~course_lib.prices.Price`; ``tier`` the
    service tier that served it (a body's ``service_tier``: "flex", "priority", ...; default standard), priced
    where the price book has that tier's rates, else refused by name (:func:`course_lib.prices.quote`).

    Taught in notebook ``01_token_billing``.
    """
    if not isinstance(usage, Usage):
        raise ValueError(f"usage: expected a course_lib.usage.Usage, got {type(usage).__name__}; "
                         "use course_lib.usage.normalize(response) first")
    p = _price(model, as_of, batch, period, tier)
    n = usage.input_tokens
    read, write = usage.cache_read_tokens or 0, usage.cache_write_tokens or 0
    w1h = usage.cache_write_1h_tokens or 0
    extras = {k: v for k, v in usage.modalities if v}   # a count of 0 needs no price
    if usage.web_searches:
        extras["web_searches"] = usage.web_searches
    extra_usd, unpriced = 0.0, ()
    if extras:
        counts = {"input_tokens": n, "output_tokens": usage.output_tokens, "cache_read_tokens": read,
                  "cache_write_tokens": write}
        unpriced = unpriced_extras(p.model, p.as_of, extras, batch=p.batch, period=p.period, tier=p.tier)
        priced = {k: v for k, v in extras.items() if k not in unpriced}
        extra_usd = surcharge(p.model, p.as_of, counts, priced, batch=p.batch, period=p.period, tier=p.tier)
    return Bill(
        model=p.model, as_of=p.as_of,
        uncached_input_usd=usage.uncached_input_tokens * p.rate("input", n) / M,
        cache_read_usd=read * p.rate("cache_read", n) / M,
        cache_write_usd=((write - w1h) * p.rate("cache_write", n) + w1h * rate_1h(p, n)) / M,
        output_usd=usage.output_tokens * p.rate("output", n) / M,
        input_tokens=n, output_tokens=usage.output_tokens,
        cache_read_tokens=read, cache_write_tokens=write,
        reasoning_tokens=usage.reasoning_tokens, unreported=usage.unreported,
        extras_usd=extra_usd, unpriced=unpriced,
    )


def rate_1h(p: Price, n: int) -> float:
    """The USD-per-million rate of one-hour cache writes for a request of ``n`` input tokens: their own price
    where the provider has one (Anthropic: 2× input), else the ordinary write price. Taught in notebook
    ``01_token_billing``; lesson 06's engines price one-hour writes with it too."""
    return p.cache_write_1h if p.cache_write_1h is not None else p.rate("cache_write", n)




def cost_tokens(model: str | Price, input_tokens: int, output_tokens: int, cached: int = 0,
                cache_write: int = 0, as_of: date | str | None = None, *, batch: bool = False,
                period: str = "standard", tier: str | None = None) -> Bill:
    """Shorthand for :func:`cost` from token counts (notebook ``01_token_billing``)."""
    usage = Usage(input_tokens=input_tokens, output_tokens=output_tokens,
                  cache_read_tokens=cached, cache_write_tokens=cache_write)
    return cost(usage, model, as_of, batch=batch, period=period, tier=tier)


def _rate_vector(p: Price, unit: str, n_input: np.ndarray) -> np.ndarray:
    base = getattr(p, unit)
    if base is None:  # no separate price: billed as input, tiers included
        return _rate_vector(p, "input", n_input)
    rate = np.full(n_input.shape, base, dtype=float)
    # apply tiers from the lowest threshold up, so the highest applicable one wins
    for start, rates in sorted(p.tiers):
        if unit in rates:
            rate = np.where(n_input > start, rates[unit], rate)
    return rate


def _validate_frame(df: pd.DataFrame) -> dict[str, np.ndarray]:
    missing = [c for c in ("input_tokens", "output_tokens") if c not in df.columns]
    if missing:
        raise ValueError(f"{missing[0]}: missing column; a usage frame needs {USAGE_COLUMNS[:2]} "
                         f"and may have {USAGE_COLUMNS[2:]}")
    for c in df.columns:  # a token column the course does not know would be silently unbilled: refuse it
        name = str(c)
        if name in USAGE_COLUMNS or not (name.endswith("_tokens") or name in COLUMN_ALIASES):
            continue
        hint = f" (did you mean {COLUMN_ALIASES[name]!r}?)" if name in COLUMN_ALIASES else ""
        raise ValueError(f"{name}: unknown token column{hint}; accepted token columns: {', '.join(USAGE_COLUMNS)}")
    cols = {}
    for c in USAGE_COLUMNS:
        if c not in df.columns:
            cols[c] = np.zeros(len(df), dtype=np.int64)
            continue
        s = df[c]
        if not pd.api.types.is_integer_dtype(s) or pd.api.types.is_bool_dtype(s):
            raise ValueError(f"{c}: expected integer token counts, got dtype {s.dtype}"
                             + (" (missing values: fill them, or drop the rows, before pricing)"
                                if s.isna().any() else ""))
        a = s.to_numpy(dtype=np.int64)
        if (a < 0).any():
            raise ValueError(f"{c}: token counts cannot be negative (row {int(np.argmax(a < 0))})")
        cols[c] = a
    over = cols["cache_read_tokens"] + cols["cache_write_tokens"] > cols["input_tokens"]
    if over.any():
        raise ValueError(f"cache_read_tokens: cached tokens exceed input_tokens (row {int(np.argmax(over))})")
    for part, whole in (("cache_write_1h_tokens", "cache_write_tokens"), ("reasoning_tokens", "output_tokens")):
        bad = cols[part] > cols[whole]
        if bad.any():
            raise ValueError(f"{part}: exceeds {whole} (row {int(np.argmax(bad))}); it is a part of it")
    return cols


def cost_frame(df: pd.DataFrame, model: str | Price, as_of: date | str | None = None, *,
               batch: bool = False, period: str = "standard") -> pd.DataFrame:
    """Price every row of a usage DataFrame at once; returns the cost columns in USD.

    Reads the columns of :data:`USAGE_COLUMNS` (``input_tokens`` and
    ``output_tokens`` required; ``input_tokens`` includes the cached ones, as in
    :class:`~course_lib.usage.Usage`). Any other column whose name ends in
    ``_tokens`` (``cached_tokens``, say) is refused, never ignored. Gives the
    same numbers as :func:`cost` row by row. Taught in notebook
    ``01_token_billing``.
    """
    p = _price(model, as_of, batch, period)
    c = _validate_frame(df)
    n = c["input_tokens"]
    uncached = n - c["cache_read_tokens"] - c["cache_write_tokens"]
    out = pd.DataFrame(index=df.index)
    out["uncached_input_usd"] = uncached * _rate_vector(p, "input", n) / M
    out["cache_read_usd"] = c["cache_read_tokens"] * _rate_vector(p, "cache_read", n) / M
    w1h = c["cache_write_1h_tokens"]
    rate_1h = np.full(n.shape, p.cache_write_1h) if p.cache_write_1h is not None else _rate_vector(p, "cache_write", n)
    out["cache_write_usd"] = ((c["cache_write_tokens"] - w1h) * _rate_vector(p, "cache_write", n)
                              + w1h * rate_1h) / M
    out["output_usd"] = c["output_tokens"] * _rate_vector(p, "output", n) / M
    out["total_usd"] = (out["uncached_input_usd"] + out["cache_read_usd"]
                        + out["cache_write_usd"] + out["output_usd"])
    return out


def compare_models(usage: Usage, models, as_of: date | str | None = None, *,
                   batch: bool = False, period: str = "standard") -> pd.DataFrame:
    """One usage billed on several models, cheapest first, in USD and CNY (notebooks ``01``, ``02``)."""
    rows = []
    for m in models:
        b = cost(usage, m, as_of, batch=batch, period=period)
        rows.append({"model": m, "input_usd": b.input_usd, "output_usd": b.output_usd,
                     "total_usd": b.total_usd, "total_cny": b.total("CNY")})
    return pd.DataFrame(rows).set_index("model").sort_values("total_usd")
