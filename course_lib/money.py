"""Currencies: USD and CNY with a dated, sourced exchange rate (notebook ``01_token_billing``).

Rates live in ``data/fx_rates.csv``: the European Central Bank's daily reference rates, USD/CNY as their cross
rate (``scripts/make_fx_rates.py`` says how it is made and from where). By default a conversion uses the latest
rate on or before the date asked for; a date after the last rate uses the last one and says so
(:attr:`FxRate.note`); pass ``rate=`` to use your own (for example today's rate) and the result says so. A date
before the first rate has no CNY amount: :func:`cny_rates` gives it as unknown with the reason, so a USD bill is
never blocked by a missing exchange rate.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from .data import data_rows
from .prices import as_date

CURRENCIES = ("USD", "CNY")


@dataclass(frozen=True)
class FxRate:
    """CNY per USD on a date, with where the number comes from. Taught in notebook ``01_token_billing``."""

    day: date
    rate: float
    source: str
    note: str = ""   # set when the date asked for is after the last known rate

    def __str__(self) -> str:
        return f"1 USD = {self.rate:.4f} CNY ({self.day}, {self.source})" + (f"; {self.note}" if self.note else "")


@lru_cache(maxsize=1)
def _rates() -> tuple[FxRate, ...]:
    rows = [FxRate(date.fromisoformat(r["date"]), float(r["rate"]), f"{r['kind']}: {r['source']}, {r['url']}")
            for r in data_rows("fx_rates.csv") if (r["base"], r["quote"]) == ("USD", "CNY")]
    return tuple(sorted(rows, key=lambda r: r.day))


def fx_rate(on: date | str | None = None, rate: float | None = None) -> FxRate:
    """The USD→CNY rate in force on ``on``: the latest in ``data/fx_rates.csv`` not after it.

    With ``rate=`` given, that rate is used and labelled as the caller's own.
    Taught in notebook ``01_token_billing``.
    """
    day = as_date(on)
    if rate is not None:
        if not isinstance(rate, (int, float)) or rate <= 0:
            raise ValueError(f"rate must be a positive number of CNY per USD, got {rate!r}")
        return FxRate(day, float(rate), "rate given by the caller")
    rates = _rates()
    at = bisect_right(rates, day, key=lambda r: r.day)   # the rates on or before the day: rates[:at]
    if not at:
        raise ValueError(f"on: no USD/CNY rate on or before {day}; data/fx_rates.csv starts {rates[0].day}")
    last = rates[at - 1]
    if at == len(rates) and day > last.day:
        return FxRate(last.day, last.rate, last.source,
                      f"{day} is after the last rate in data/fx_rates.csv: the rate of {last.day} is used")
    return last


def cny_rates(days) -> tuple[dict, list[str]]:
    """The USD→CNY rate of each day (``YYYY-MM-DD``), NaN where none is known, and notes saying why and which
    rate a day after the last known one used. Never raises for a date out of range: CNY is then unknown, and the
    USD figures stand. Taught in notebook ``06_your_own_bill``."""
    out, before, after = {}, [], []
    for d in sorted(set(days)):
        try:
            r = fx_rate(d)
        except ValueError:
            out[d] = float("nan")
            before.append(d)
            continue
        out[d] = r.rate
        if r.note:
            after.append((d, r))
    notes = []
    if before:
        notes.append(f"CNY unknown for {len(before)} day(s) from {before[0]} to {before[-1]}: data/fx_rates.csv "
                     f"starts {_rates()[0].day}, and no earlier rate is assumed")
    if after:
        r = after[0][1]
        notes.append(f"{len(after)} day(s) from {after[0][0]} to {after[-1][0]} are after the last rate in "
                     f"data/fx_rates.csv: converted at the rate of {r.day}, {r.rate:.4f} CNY per USD")
    return out, notes


def convert(usd: float, currency: str = "USD", on: date | str | None = None,
            rate: float | None = None) -> float:
    """``usd`` in ``currency`` ("USD" or "CNY"). Taught in notebook ``01_token_billing``."""
    currency = check_currency(currency)
    return float(usd) if currency == "USD" else float(usd) * fx_rate(on, rate).rate


def check_currency(currency: str) -> str:
    """The currency code, upper-cased, or a ValueError naming the accepted ones. Taught in notebook ``01_token_billing``."""
    cur = str(currency).upper()
    if cur not in CURRENCIES:
        raise ValueError(f"currency must be one of {CURRENCIES}, got {currency!r}")
    return cur


def fmt(usd: float, currency: str = "USD", on: date | str | None = None,
        rate: float | None = None, digits: int | None = None) -> str:
    """Money for display: ``$0.0171`` or ``¥0.1200``; small amounts keep 4 decimals. Taught in notebook ``01_token_billing``."""
    value = convert(usd, currency, on, rate)
    if digits is None:
        digits = 4 if abs(value) < 10 else 2
    symbol = "$" if check_currency(currency) == "USD" else "¥"
    return f"{symbol}{value:,.{digits}f}"


def both(usd: float, on: date | str | None = None, rate: float | None = None) -> str:
    """USD and CNY side by side: ``$2.4750 (¥17.37)``. Taught in notebook ``01_token_billing``."""
    return f"{fmt(usd)} ({fmt(usd, 'CNY', on, rate)})"


def md(usd: float, digits: int | None = None, currency: str = "USD", on: date | str | None = None) -> str:
    """Money for Markdown: ``USD 0.0171`` or ``CNY 0.1200``, never a ``$`` sign.

    JupyterLab (and GitHub, and MathJax in a built site) read two ``$`` signs in one paragraph as
    maths delimiters and typeset the text between them; an escaped ``\\$`` does not survive either, as
    the browser test showed. Prose built from numbers uses this form. Taught in notebook
    ``01_token_billing``.
    """
    value = convert(usd, currency, on)
    if digits is None:
        digits = 4 if abs(value) < 10 else 2
    return f"{check_currency(currency)} {value:,.{digits}f}"
