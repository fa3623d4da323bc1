"""The dated price book (taught in notebook ``01_token_billing``).

Prices come from `genai-prices`_ (pinned in ``requirements.txt``), which bundles
a dated price history offline, and from ``data/course_prices.csv`` for the
models it lacks. Every quote is for an explicit as-of date: the course's
default is :data:`DEFAULT_AS_OF`, the month of the source page's snapshot.

Two corrections to genai-prices are applied here, both listed in
``data/README.md``:

* DeepSeek's peak-hour windows (``data/time_of_day_rules.csv``) apply only from
  the date they started; genai-prices applies them on every date.
* Batch prices before genai-prices carries them (2026-10-14) come from the
  providers' published discounts in ``data/batch_discounts.csv``.

.. _genai-prices: https://pypi.org/project/genai-prices/
"""
from __future__ import annotations

import difflib
import gc
import math
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timezone
from functools import lru_cache, partial
from importlib.metadata import version

import pandas as pd
from genai_prices import data_snapshot
from genai_prices.types import TieredPrices

from .data import data_rows

DEFAULT_AS_OF = date(2026, 6, 15)
GENAI_PRICES_VERSION = version("genai-prices")

#: The source page's price-snapshot models, in the page's order.
SOURCE_PAGE_MODELS = (
    "gpt-5.5",
    "claude-sonnet-4-6",
    "gemini-2.5-flash-lite",
    "deepseek-v4-flash",
    "deepseek-v4-pro",
    "qwen3.5-plus",
    "glm-5",
    "kimi-k2.7",
)
PERIODS = ("standard", "peak", "off-peak")
#: Service tiers (服务等级) a call may name, as providers write them in bodies and usage exports. "default", "auto"
#: and an empty value are the standard tier (a body reports the tier that served the call: "auto" resolves to
#: "default" unless the project runs on Scale Tier); the others are priced where the price book has their rates.
STANDARD_TIERS = ("standard", "default", "auto", "")
SERVICE_TIERS = ("standard", "flex", "priority", "fast", "scale")
#: OpenAI's Scale Tier is bought by contract (units of throughput paid ahead), not per token: no published price.
_CONTRACT_TIERS = {"scale": "OpenAI's Scale Tier is sold by contract (throughput units paid in advance), with no "
                            "per-token price published: price those calls from your contract"}
UNITS = ("input", "output", "cache_read", "cache_write")

# A time of day outside every peak window in the data, and one inside.
_OFF_PEAK_UTC = time(12, 0, tzinfo=timezone.utc)
_PEAK_UTC = time(2, 0, tzinfo=timezone.utc)
_GP_KEYS = {"input": "input_mtok", "output": "output_mtok",
            "cache_read": "cache_read_mtok", "cache_write": "cache_write_mtok"}


class UnknownModelError(ValueError):
    """Raised for a model the price book does not know; names the closest ones. Taught in notebook ``01_token_billing``."""


@dataclass(frozen=True)
class Price:
    """USD per million tokens for one model on one date.

    ``tiers`` holds whole-request long-context tiers (长上下文阶梯价): a tuple of
    ``(threshold, {unit: rate})``; when a request's input tokens exceed the
    threshold, *every* token of that unit is billed at the tier's rate.
    ``cache_read`` or ``cache_write`` is ``None`` when the provider has no
    separate price for it; those tokens are then billed at the input price.
    Taught in notebook ``01_token_billing``.
    """

    model: str
    provider: str
    as_of: date
    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None
    cache_write_1h: float | None = None
    tiers: tuple = ()
    batch: bool = False
    period: str = "standard"
    tier: str = "standard"
    source: str = ""
    note: str = ""

    def rate(self, unit: str, input_tokens: int = 0) -> float:
        """The USD-per-million rate of ``unit`` for a request of ``input_tokens``."""
        if unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
        base = getattr(self, unit)
        if base is None:  # no separate price: billed as input, tiers included
            return self.rate("input", input_tokens)
        for start, rates in sorted(self.tiers, reverse=True):
            if input_tokens > start and unit in rates:
                return rates[unit]
        return base

    def as_row(self) -> dict:
        """One flat dict, for price tables."""
        row = {
            "model": self.model, "provider": self.provider, "as_of": self.as_of,
            "input": self.input, "output": self.output,
            "cache_read": self.cache_read, "cache_write": self.cache_write,
            "long_context_above": min((t for t, _ in self.tiers), default=None),
            "batch": self.batch, "period": self.period, "tier": self.tier, "source": self.source,
        }
        return row


def as_date(as_of: date | str | datetime | None) -> date:
    """``as_of`` as a date: ``None`` is :data:`DEFAULT_AS_OF`, a datetime its day, text ``YYYY-MM-DD``; anything
    else is refused naming ``as_of``. Every dated lookup goes through it; taught in notebook ``01_token_billing``."""
    if as_of is None:
        return DEFAULT_AS_OF
    if isinstance(as_of, datetime):
        return as_of.date()
    if isinstance(as_of, date):
        return as_of
    try:
        return date.fromisoformat(str(as_of))
    except ValueError:
        raise ValueError(f"as_of must be a date as YYYY-MM-DD, got {as_of!r}") from None


def service_tier(tier) -> str:
    """``tier`` as the price book names it: "default", "auto", empty or ``None`` are ``"standard"``; the rest
    lower-cased and trimmed. A word outside :data:`SERVICE_TIERS` is refused naming ``service_tier`` and the
    accepted words. Taught in notebook ``06_your_own_bill``."""
    if tier is None or (isinstance(tier, float) and tier != tier):
        return "standard"
    text = str(tier).strip().lower()
    if text in STANDARD_TIERS:
        return "standard"
    if text not in SERVICE_TIERS:
        raise ValueError(f"service_tier: {tier!r} is not a service tier; accepted: "
                         f"{', '.join(SERVICE_TIERS)} (default and auto are standard)")
    return text


def model_name(name) -> str:
    """The model id as the price book reads it: Unicode-normalised (NFKC: a full-width ``ｃｌａｕｄｅ`` is
    ``claude``) and trimmed. A name with an invisible or control character (a zero-width space pasted from a
    web page, a byte-order mark) or a space inside is refused with ``ValueError`` naming the character and its
    position, rather than matched to a model it only looks like. The one name check of ``price``, ``runs`` and
    ``bill``. Taught in notebook ``01_token_billing``."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"model must be a non-empty model id, got {name!r}")
    return _model_name(name)


@lru_cache(maxsize=4096)
def _model_name(name: str) -> str:
    """:func:`model_name` of a non-empty text, kept: a bill asks for the same few names hundreds of times."""
    import unicodedata
    text = unicodedata.normalize("NFKC", name).strip()
    for i, ch in enumerate(text):
        cat = unicodedata.category(ch)
        if cat in ("Cf", "Cc", "Co", "Cs", "Cn") or ch.isspace():
            what = "a space" if ch.isspace() and cat not in ("Cc",) else \
                f"an invisible character U+{ord(ch):04X} ({unicodedata.name(ch, cat)})"
            raise ValueError(f"model: {name!r} has {what} at position {i + 1}; a model id is printable "
                             "characters without spaces (retype it rather than paste it)")
    return text


def _float(value: str) -> float | None:
    return float(value) if value not in ("", None) else None


@lru_cache(maxsize=1)
def course_table() -> pd.DataFrame:
    """The course's own price rows (``data/course_prices.csv``) for models genai-prices lacks. Taught in notebook ``01_token_billing``."""
    return pd.DataFrame(data_rows("course_prices.csv"))


def snapshot():
    """genai-prices' price data, loaded on first use (notebook ``01_token_billing``).

    It is some 16,000 Python objects that live as long as the process. On first load they are frozen out of the
    cyclic garbage collector's reach (:func:`gc.freeze`) with every object alive then (the modules loaded, some
    85,000 objects in all in a bill's process): otherwise each full collection afterwards walks them all, and a
    bill of 1,000,000 rows (``benchmarks/own_logs.py``) stalled 25 ms in one. Objects frozen are still freed when
    nothing refers to them; only a reference cycle among them that becomes garbage later stays.
    """
    snap = data_snapshot.get_snapshot()
    _freeze_once()
    return snap


@lru_cache(maxsize=1)
def _freeze_once() -> None:
    gc.freeze()


@lru_cache(maxsize=1)
def _gp_model_ids() -> tuple[str, ...]:
    snap = snapshot()
    return tuple(sorted({m.id for p in snap.providers for m in p.models}))


def known_models() -> tuple[str, ...]:
    """Every model id the price book can quote (genai-prices ids and course rows). Taught in notebook ``01_token_billing``."""
    return tuple(sorted(set(_gp_model_ids()) | set(course_table()["model"])))


#: How a genai-prices id that is a prefix of many names ends (``ft:gpt-3.5-turbo-``, ``gpt-4o-mini-2024-07-18.ft-``).
_PREFIX_ENDS = ("-", ".", ":", "/", "_")


def closest_models(model: str, n: int = 5) -> list[str]:
    """The known model ids nearest to ``model`` by spelling. Taught in notebook ``01_token_billing``.

    A genai-prices id that is only a prefix its rule matches (``ft:gpt-3.5-turbo-``, for any fine-tune of that
    model) is not offered: it reads as a name cut off, and no call is logged under it."""
    pool = [m for m in known_models() if not m.endswith(_PREFIX_ENDS)]
    lowered = {m.lower(): m for m in pool}
    hits = difflib.get_close_matches(model.lower(), list(lowered), n=n, cutoff=0.5)
    return [lowered[h] for h in hits]


def _unknown(model: str) -> UnknownModelError:
    near = closest_models(model)
    hint = ", ".join(near) if near else "none close; see course_lib.prices.known_models()"
    return UnknownModelError(f"unknown model {model!r}: closest known models are {hint}")


def _peak_rule(provider: str, as_of: date) -> dict | None:
    for row in data_rows("time_of_day_rules.csv"):
        if row["provider"] == provider and as_of >= date.fromisoformat(row["valid_from"]):
            return row
    return None


def _batch_discount(provider: str, as_of: date) -> dict | None:
    for row in data_rows("batch_discounts.csv"):
        if row["provider"] == provider and as_of >= date.fromisoformat(row["valid_from"]):
            return row
    return None


def _quote_time(provider: str, day: date, period: str) -> datetime:
    """The moment a quote asks genai-prices about: inside the peak window when ``period`` is "peak" and a peak
    rule is in force on ``day``, else outside every window."""
    peak = period == "peak" and _peak_rule(provider, day) is not None
    return datetime.combine(day, _PEAK_UTC if peak else _OFF_PEAK_UTC)


def _gp_value(v) -> tuple[float | None, dict]:
    """A genai-prices price value as (base rate, {threshold: rate})."""
    if v is None:
        return None, {}
    if isinstance(v, TieredPrices):
        return float(v.base), {t.start: float(t.price) for t in v.tiers}
    return float(v), {}


def _price_context(info, provider_id: str, ts: datetime, as_of: date, batch: bool, tier: str) -> dict | None:
    """genai-prices' price context for a call at ``tier`` (batch, or none, for the standard tier), or a refusal naming
    the model, the tier and the tiers that do have a price for it on that date."""
    if tier == "standard":
        return {"processing": "batch"} if batch else None
    if tier in _CONTRACT_TIERS:
        raise ValueError(f"service_tier: no {tier} price for {info.id} ({provider_id}): {_CONTRACT_TIERS[tier]}")
    if batch:
        raise ValueError(f"service_tier: a batch call is priced as batch and has no {tier} price ({info.id}); "
                         "give batch=false for a call on a service tier")
    variants = [v for v in info.price_variants or () if set(v.when) == {"service_tier"}]

    def active(v):
        return v.constraint is None or v.constraint.active(ts)
    if any(v.when["service_tier"] == tier and active(v) for v in variants):
        return {"service_tier": tier}
    priced = sorted({v.when["service_tier"] for v in variants if active(v)} - {"default"})
    later = sorted(v.constraint.start_date for v in variants if v.when["service_tier"] == tier and not active(v))
    why = (f"; the price book carries its {tier} price from {later[0]} (genai-prices {GENAI_PRICES_VERSION} models "
           "tier prices from the date they were verified, not before)" if later else "")
    raise ValueError(f"service_tier: no {tier} price for {info.id} ({provider_id}) on {as_of}; tiers with a price "
                     f"for it then: {', '.join(['standard', *priced])}{why}")


def _from_genai_prices(model: str, as_of: date, batch: bool, period: str, tier: str = "standard",
                       provider_id: str | None = None) -> Price | None:
    snap = snapshot()
    try:
        provider, info = snap.find_provider_model(model, None, provider_id, None)
    except LookupError:
        return None
    if as_of < history_start():
        # genai-prices gives no start date for a model's first price: before the first dated change the book
        # knows, no price can be vouched for (the course table and local prices carry their own first date)
        raise ValueError(
            f"as_of: no price for {model!r} on {as_of}: the first date with a price in the price book is "
            f"{history_start()} (its dated history starts then; genai-prices gives no launch date for a "
            "model's first price, and the model may not have existed before); to price older usage at that date's "
            "prices, give a later as_of (bill: --as-of)")
    note = []
    if period == "peak" and _peak_rule(provider.id, as_of) is None:
        note.append(f"no peak pricing in force for {provider.id} on {as_of}")
    ts = _quote_time(provider.id, as_of, period)
    mp = info.get_prices(ts, _price_context(info, provider.id, ts, as_of, batch, tier))
    discount = 1.0
    source = f"genai-prices {GENAI_PRICES_VERSION} ({provider.name}, {info.id})"
    if tier != "standard":
        source += f"; {tier} tier"
    if batch:
        standard = info.get_prices(ts)
        if mp == standard:  # no batch variant in force at that date
            row = _batch_discount(provider.id, as_of)
            if row is None:
                raise ValueError(
                    f"batch: no batch price is known for {info.id} ({provider.id}) on {as_of}; "
                    "providers with batch discounts in data/batch_discounts.csv: "
                    + ", ".join(r["provider"] for r in data_rows("batch_discounts.csv")))
            discount = 1 - float(row["discount"])
            source += f"; batch discount {row['discount']} from {row['source']}"
        else:
            source += "; batch variant"
    rates, tiers = {}, {}
    for unit, key in _GP_KEYS.items():
        base, by_start = _gp_value(getattr(mp, key))
        rates[unit] = None if base is None else base * discount
        for start, r in by_start.items():
            tiers.setdefault(start, {})[unit] = r * discount
    w1h, _ = _gp_value(mp.cache_write_1h_mtok)
    if rates["input"] is None or rates["output"] is None:
        raise ValueError(f"genai-prices has no input/output token price for {info.id} on {as_of}")
    return Price(
        model=model, provider=provider.id, as_of=as_of,
        input=rates["input"], output=rates["output"],
        cache_read=rates["cache_read"], cache_write=rates["cache_write"],
        cache_write_1h=None if w1h is None else w1h * discount,
        tiers=tuple(sorted((s, r) for s, r in tiers.items())),
        batch=batch, period=period, tier=tier, source=source, note="; ".join(note),
    )


def _standard_only(model: str, tier: str, where: str) -> None:
    if tier != "standard":
        raise ValueError(f"service_tier: no {tier} price for {model!r}: {where} carries its standard price only; "
                         "tiers with a price for it: standard")


def _from_course_table(model: str, as_of: date, batch: bool, period: str, tier: str = "standard") -> Price | None:
    rows = [r for r in data_rows("course_prices.csv")
            if r["model"].lower() == model.lower() and date.fromisoformat(r["valid_from"]) <= as_of]
    if not rows:
        if any(r["model"].lower() == model.lower() for r in data_rows("course_prices.csv")):
            first = min(r["valid_from"] for r in data_rows("course_prices.csv") if r["model"].lower() == model.lower())
            raise ValueError(f"as_of: no price for {model!r} on {as_of}: the first date with a price in the course "
                             f"table is {first}")
        return None
    row = max(rows, key=lambda r: r["valid_from"])
    if batch:
        raise ValueError(f"batch: no batch price is known for {model!r}")
    _standard_only(model, tier, "the course table (data/course_prices.csv)")
    return Price(
        model=row["model"], provider=row["provider"], as_of=as_of,
        input=float(row["input_usd_mtok"]), output=float(row["output_usd_mtok"]),
        cache_read=_float(row["cache_read_usd_mtok"]), cache_write=_float(row["cache_write_usd_mtok"]),
        batch=False, period=period, source=f"course table: {row['source']} (as of {row['as_of']})",
        note=row["note"],
    )


#: Local models priced from their TCO at a measured load, by :func:`set_local_price`: name -> price row.
_LOCAL: dict[str, dict] = {}
_LOCAL_VERSION = [0]


def local_version() -> int:
    """A number that changes whenever a local price is set or cleared: caches of priced tables key on it. Taught in
    notebook ``06_your_own_bill``."""
    return _LOCAL_VERSION[0]


def set_local_price(row: dict, name: str | None = None) -> Price:
    """Give a local model a dated per-token price, so a bill prices its calls beside API calls, never at $0.

    ``row`` is :func:`course_lib.tco.local_price_row`'s (its TCO at a measured load: ``as_of``,
    ``input_usd_per_mtok``, ``output_usd_per_mtok``, ``source``); ``name`` is the model as the log writes it
    (default: the row's own). The price holds from the row's ``as_of`` on, for this process. Taught in notebook
    ``06_your_own_bill``.
    """
    missing = [k for k in ("as_of", "input_usd_per_mtok", "output_usd_per_mtok", "source") if k not in row]
    if missing:
        raise ValueError(f"row: missing {missing}; expected a row of course_lib.tco.local_price_row")
    nm = model_name(name or row["model"])
    for k in ("input_usd_per_mtok", "output_usd_per_mtok"):
        v = float(row[k])
        if not math.isfinite(v) or v < 0:
            raise ValueError(f"{k}: expected a finite price of 0 or more USD per million tokens, got {row[k]!r}")
    _LOCAL[nm.lower()] = {**row, "model": nm, "as_of": as_date(row["as_of"])}
    _LOCAL_VERSION[0] += 1
    quote.cache_clear()
    return quote(nm, _LOCAL[nm.lower()]["as_of"])


def clear_local_prices() -> None:
    """Forget every local price :func:`set_local_price` gave. Taught in notebook ``06_your_own_bill``."""
    _LOCAL.clear()
    _LOCAL_VERSION[0] += 1
    quote.cache_clear()


def _from_local(model: str, as_of: date, batch: bool, period: str, tier: str = "standard") -> Price | None:
    row = _LOCAL.get(model.lower())
    if row is None:
        return None
    if as_of < row["as_of"]:
        raise ValueError(f"as_of: no local price for {model!r} on {as_of}: its TCO price starts {row['as_of']}")
    if batch:
        raise ValueError(f"batch: a local model has no batch price ({model!r})")
    _standard_only(model, tier, "a local model's TCO price")
    return Price(model=row["model"], provider="local", as_of=as_of, input=float(row["input_usd_per_mtok"]),
                 output=float(row["output_usd_per_mtok"]), period=period, source=f"local TCO: {row['source']}",
                 note="a local model's price from its TCO at a measured load (course_lib.tco.local_price_row); "
                      "cache reads and reasoning are billed as input and output")


@lru_cache(maxsize=4096)
def quote(model: str, as_of: date | str | None = None, *, batch: bool = False,
          period: str = "standard", provider: str | None = None, tier: str | None = None) -> Price:
    """The price of ``model`` on ``as_of`` (default :data:`DEFAULT_AS_OF`).

    ``period`` is ``"standard"``, ``"off-peak"`` (both: outside any peak
    window) or ``"peak"`` (inside DeepSeek's peak window where one is in force).
    ``batch=True`` gives the batch (非实时) price. ``tier`` is the call's service
    tier (:func:`service_tier`: "flex", "priority", ...; default standard), priced
    where genai-prices has that tier's rates for the model on that date, else
    refused naming the tiers that have a price. ``provider`` (a genai-prices
    provider id, such as ``"openrouter"``) reads that provider's listing of the
    model, as a gateway bills it. Raises :class:`UnknownModelError` naming the
    closest known models.

    Taught in notebook ``01_token_billing``.
    """
    model = model_name(model)
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}, got {period!r}")
    day = as_date(as_of)
    tier = service_tier(tier)
    # a gateway's listing is read by its own name; otherwise a registered local model, the course table, then
    # genai-prices
    names = [model.strip()] if provider is not None else _spellings(model.strip())
    sources = ((partial(_from_genai_prices, provider_id=provider),) if provider is not None
               else (_from_local, _from_course_table, _from_genai_prices))
    for name in names:
        for source in sources:
            price = source(name, day, batch, period, tier)
            if price is not None:
                if name != model.strip():
                    price = replace(price, model=model.strip(),
                                    source=f"{price.source}; {model.strip()!r} read as {name!r}")
                if day > data_as_of():
                    price = replace(price, note="; ".join(x for x in (
                        price.note, f"{day} is after the price book's newest data ({data_as_of()}): "
                        "the prices in force then are used; a later change is not known") if x))
                return price
    raise _unknown(model)


def _spellings(model: str) -> list[str]:
    """The name as given, then without a gateway's vendor prefix: OpenRouter, LiteLLM and agent logs write
    ``google/gemini-3-pro-preview`` or ``deepseek/deepseek-chat`` for the provider's own model, and Gemini
    bodies ``models/gemini-2.5-pro``. The first-party price is used for the stripped name."""
    names = [model]
    if "/" in model:
        names.append(model.rsplit("/", 1)[1])
    return names


@lru_cache(maxsize=1)
def _dated_changes() -> tuple:
    from genai_prices.types import StartDateConstraint
    out = [date.fromisoformat(r["valid_from"]) for r in data_rows("course_prices.csv")]
    for p in snapshot().providers:
        for m in p.models:
            for cp in (m.prices if isinstance(m.prices, list) else []):
                c = getattr(cp, "constraint", None)
                if isinstance(c, StartDateConstraint):
                    out.append(c.start_date)
    return tuple(sorted(out))


def history_start() -> date:
    """The earliest dated price change the price book knows; before it, a quote is the first recorded price,
    not a dated one. Taught in notebook ``01_token_billing``."""
    return _dated_changes()[0]


def data_as_of() -> date:
    """The newest date at which the price book knows a price change (genai-prices' dated prices and the course
    table): a quote for a later date uses the prices in force then. Taught in notebook ``01_token_billing``."""
    return _dated_changes()[-1]


def peak_rule(provider: str, as_of: date | str | None) -> dict | None:
    """The time-of-day rule (peak windows, ``data/time_of_day_rules.csv``) in force for ``provider`` on
    ``as_of``, or ``None``. Taught in notebook ``02_review_assistant``."""
    return _peak_rule(provider, as_date(as_of))


def peak_windows(rule: dict) -> list[tuple[int, int]]:
    """A time-of-day rule's peak windows as [start, end) minutes of the UTC day ("01:00-04:00" -> (60, 240)).
    Taught in notebook ``02_review_assistant``."""
    out = []
    for window in rule["peak_windows_utc"].split(";"):
        a, b = window.split("-")
        out.append((int(a[:2]) * 60 + int(a[3:]), int(b[:2]) * 60 + int(b[3:])))
    return out


def price_table(models=SOURCE_PAGE_MODELS, as_of: date | str | None = None, *,
                batch: bool = False, period: str = "standard") -> pd.DataFrame:
    """A table of USD-per-million prices, one row per model (notebook ``01_token_billing``)."""
    rows = [quote(m, as_of, batch=batch, period=period).as_row() for m in models]
    df = pd.DataFrame(rows).set_index("model")
    df["long_context_above"] = df["long_context_above"].astype("Int64")
    return df


def source_page_table(as_of: date | str | None = None) -> pd.DataFrame:
    """The source page's price snapshot beside the price book's prices on ``as_of``.

    Taught in notebook ``01_token_billing``.
    """
    rows = []
    for r in data_rows("source_page_prices.csv"):
        p = quote(r["course_model"], as_of)
        lo_in, hi_in = float(r["page_input_low"]), float(r["page_input_high"])
        lo_out, hi_out = float(r["page_output_low"]), float(r["page_output_high"])
        rows.append({
            "role": f"{r['role_en']} ({r['role_zh']})",
            "model": r["course_model"],
            "page_input": r["page_input_low"] if lo_in == hi_in else f"{r['page_input_low']}–{r['page_input_high']}",
            "page_output": r["page_output_low"] if lo_out == hi_out else f"{r['page_output_low']}–{r['page_output_high']}",
            "book_input": p.input,
            "book_output": p.output,
            "check": _page_check(p, lo_in, hi_in, lo_out, hi_out),
            "source": p.source.split(" (")[0] if p.source.startswith("genai") else "course table",
        })
    return pd.DataFrame(rows).set_index("model")


def _page_check(p: Price, lo_in: float, hi_in: float, lo_out: float, hi_out: float) -> str:
    """Whether the book agrees with the page, with no tolerance: a price the book took from the page itself
    is no check at all and says so."""
    if p.source.startswith("course table: source page"):
        return "no check: the book's price is the page's"
    bad = [f"{unit} {got:g} outside the page's {lo:g}–{hi:g}" for unit, got, lo, hi in
           (("input", p.input, lo_in, hi_in), ("output", p.output, lo_out, hi_out)) if not lo <= got <= hi]
    return "agrees" if not bad else "differs: " + "; ".join(bad)


def with_rates(price: Price, **rates: float) -> Price:
    """A copy of ``price`` with some rates replaced: for what-if questions in the notebooks."""
    bad = set(rates) - set(UNITS) - {"cache_write_1h"}
    if bad:
        raise ValueError(f"unknown rate(s) {sorted(bad)}; accepted: {UNITS + ('cache_write_1h',)}")
    return replace(price, note=(price.note + "; what-if rates").strip("; "), **rates)


def embedding_rate(model: str = "text-embedding-3-small", provider: str = "openai",
                   as_of: date | str | None = None) -> tuple[float, str]:
    """USD per million input tokens of an embedding model, and its source (notebook ``02_review_assistant``)."""
    day = as_date(as_of)
    snap = snapshot()
    try:
        prov = snap.find_provider(model, provider, None)
        info = prov.find_model(model)
    except LookupError:
        info = None
    if info is None:
        raise _unknown(model)
    base, _ = _gp_value(info.get_prices(datetime.combine(day, _OFF_PEAK_UTC)).input_mtok)
    if base is None:
        raise ValueError(f"model: {model} has no input token price in genai-prices on {day}")
    return base, f"genai-prices {GENAI_PRICES_VERSION} ({prov.name}, {info.id}, {day})"


def _needs_own_price(extra: str) -> bool:
    """A count priced only by a rate of its own: a server-side tool call (a web search) or an audio token. Without
    one, genai-prices prices an audio token at the text rate of its parent unit and a search at nothing, which is a
    guess; image and video tokens, which providers bill as input tokens, keep the input rate."""
    from genai_prices.units import _get_registry
    dims = _get_registry().units[extra].dimensions
    return dims.get("family") == "tool_calls" or dims.get("modality") == "audio"


def _model_price(model: str, day: date, batch: bool, period: str, tier: str | None):
    """genai-prices' price of ``model`` on ``day`` at that time of day and service tier; ``None`` if not in it."""
    snap = snapshot()
    try:
        provider, info = snap.find_provider_model(model, None, None, None)
    except LookupError:
        return None
    ts = _quote_time(provider.id, day, period)
    return info.get_prices(ts, _price_context(info, provider.id, ts, day, batch, service_tier(tier)))


def unpriced_extras(model: str, as_of: date | str | None, extras, *, batch: bool = False, period: str = "standard",
                    tier: str | None = None) -> tuple[str, ...]:
    """The keys of ``extras`` (web searches, audio tokens, ...) that have no published price for ``model`` on that
    date: all of them for a model genai-prices does not know; a search or an audio token whose own rate the model
    does not publish (DeepSeek's searches, the audio of a model with no audio rate). Unknown, never 0.
    Taught in notebook ``01_token_billing``.
    """
    from genai_prices.units import _get_registry
    mp = _model_price(model, as_date(as_of), batch, period, tier)
    if mp is None:
        return tuple(sorted(extras))
    units = _get_registry().units
    return tuple(sorted(k for k in extras
                        if _needs_own_price(k) and getattr(mp, units[k].price_key, None) is None))


def surcharge(model: str, as_of: date | str | None, counts: dict, extras: dict, *, batch: bool = False,
              period: str = "standard", tier: str | None = None) -> float | None:
    """USD that non-text tokens and server-side tool calls add to a call, beyond its text-token price.

    ``counts`` are the text-token counts in genai-prices' names (``input_tokens``,
    ``cache_read_tokens``, ...); ``extras`` the modality counts and ``web_searches``.
    Priced by genai-prices' own unit lattice (audio, image and video rates, web
    searches per thousand) as the difference between the call with and without
    them, at the quote's date, time of day and service tier. ``None`` when the model is not in
    genai-prices (a course-table model) or any of ``extras`` has no published price for it
    (:func:`unpriced_extras`): the caller must say it is unpriced, never bill it as 0.
    Taught in notebook ``01_token_billing``.
    """
    if not extras:
        return 0.0
    from genai_prices import Usage as GPUsage
    day = as_date(as_of)
    if unpriced_extras(model, day, extras, batch=batch, period=period, tier=tier):
        return None
    mp = _model_price(model, day, batch, period, tier)
    full = mp.calc_price(GPUsage(**counts, **extras))["total_price"]
    text = mp.calc_price(GPUsage(**counts))["total_price"]
    return float(full - text)
