"""A priced bill as FinOps FOCUS 1.3 rows, the cost-and-usage format FinOps teams ask vendors for (notebook
``06_your_own_bill``).

FOCUS (FinOps Open Cost and Usage Specification, https://focus.finops.org) is the FinOps Foundation's one schema
for cloud, SaaS and AI bills, so that one query reads every vendor's charges. This module turns a
:class:`~course_lib.logs.LogBill` into a Cost and Usage dataset of FOCUS 1.3: the columns, names, allowed values,
nullability and formats of the specification's ``specification/datasets/cost_and_usage/columns/`` (repository
FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec, e.g. ``serviceprovidername.md`` at commit
085459e3bc9c6ea0d4607b6bd423a98604802219; Community Specification License 1.0).

One row is one *charge*: one UTC day, one model, one set of labels (project, API key, feature), one way of
calling (batch or interactive, time-of-day period, long-context tier) and one kind of token (uncached input,
cache read, cache write, one-hour cache write, output; web searches and audio tokens where the bill has them).
That is the granularity of the providers' own cost exports (OpenAI's Costs API and Anthropic's cost report
give one line item per day, model and token kind), and it is what makes ``ListCost = ListUnitPrice x
PricingQuantity`` true on every row, as the specification requires: each row has one price.

What the rows say, and what they cannot:

* the costs are the bill's *re-priced* amounts at the providers' published list prices on each row's date
  (``BilledCost = EffectiveCost = ContractedCost = ListCost``): a negotiated discount, a credit or a tax is not in
  a usage export, so none is invented; the provider's invoice stays the reference for what was paid;
* ``PricingUnit`` is ``"1000000 Tokens"`` (FOCUS's Unit Format: a whole-number quantity and a plural unit) and
  ``ListUnitPrice`` the USD price per million, as the price lists print it; ``ConsumedQuantity`` counts tokens;
* a count the bill could not price (an unknown model or date is already a row error of the bill; a web search
  or audio token with no published price) is **left out and said in the notes**, never written as 0;
* the account the invoice belongs to is not in a usage export: ``BillingAccountId`` is what the caller passes
  (default :data:`UNKNOWN_ACCOUNT`, a label that says so, since FOCUS does not allow it to be null).

:func:`focus_rows` builds the table, :func:`write_focus` writes it as CSV (decimal strings, ISO 8601 UTC) or
Parquet, and :func:`check_focus` applies the specification's rules to any table, so a test can hold an export to
the text of the specification where the FinOps Foundation's validator (``focus-validator``, FOCUS 1.0 rules
only in its newest release) cannot.
"""
from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd

from .logs import LogBill
from .logs_rates import RATE_COLUMNS, rates
from .logs_rows import M

FOCUS_VERSION = "1.3"
#: BillingAccountId when the caller does not give one: a usage export does not name the invoice's account.
UNKNOWN_ACCOUNT = "not-in-export"
PRICING_UNIT = "1000000 Tokens"
SERVICE_CATEGORY = "AI and Machine Learning"
SERVICE_SUBCATEGORY = "Generative AI"
#: Display names of the price book's providers (FOCUS names the entity, not a code); another provider keeps its
#: price-book name.
PROVIDER_NAMES = {"openai": "OpenAI", "anthropic": "Anthropic", "google": "Google", "deepseek": "DeepSeek",
                  "mistral": "Mistral AI", "x-ai": "xAI", "xai": "xAI", "qwen": "Alibaba Cloud",
                  "moonshotai": "Moonshot AI", "openrouter": "OpenRouter"}
GATEWAY = "OpenRouter"
#: The price book's provider of a local model priced from its TCO (prices.set_local_price), and its display name.
LOCAL = "local"
PROVIDER_NAMES[LOCAL] = "Self-hosted"

#: The kinds of charge of one bill line: (meter, count column or derived count, rate column, PricingUnit,
#: ConsumedUnit). A rate column holds USD per million tokens, or USD per search; PricingQuantity is the count in
#: PricingUnits (tokens / 1,000,000, or searches).
METERS = (
    ("Input Tokens", "uncached", "r_in", PRICING_UNIT, "Tokens"),
    ("Cache Read Tokens", "cache_read_tokens", "r_read", PRICING_UNIT, "Tokens"),
    ("Cache Write Tokens", "cache_write_5m", "r_write", PRICING_UNIT, "Tokens"),
    ("Cache Write 1h Tokens", "cache_write_1h_tokens", "r_w1h", PRICING_UNIT, "Tokens"),
    ("Output Tokens", "output_tokens", "r_out", PRICING_UNIT, "Tokens"),
    ("Web Searches", "web_searches", "r_search", "Searches", "Searches"),
    ("Input Audio Tokens (audio surcharge)", "input_audio_tokens", "r_audio_in", PRICING_UNIT, "Tokens"),
    ("Output Audio Tokens (audio surcharge)", "output_audio_tokens", "r_audio_out", PRICING_UNIT, "Tokens"),
)

#: The rate columns of counts priced per unit beside the text tokens (searches, audio surcharges).
EXTRA_RATES = ("r_search", "r_audio_in", "r_audio_out")

#: The Cost and Usage columns written, in order: FOCUS 1.3 columns, then the deprecated ProviderName and
#: PublisherName (1.3 keeps them for 1.2 readers; both equal ServiceProviderName here), then custom ``x_`` columns.
COLUMNS = (
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodStart",
    "BillingPeriodEnd", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency",
    "ChargePeriodStart", "ChargePeriodEnd", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
    "ContractedUnitPrice", "EffectiveCost", "HostProviderName", "InvoiceIssuerName", "ListCost", "ListUnitPrice",
    "PricingCategory", "PricingQuantity", "PricingUnit", "ServiceCategory", "ServiceName", "ServiceProviderName",
    "ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails", "SkuPriceId", "SubAccountId", "SubAccountName",
    "Tags", "ProviderName", "PublisherName",
    "x_TokenKind", "x_ReasoningTokens", "x_PriceDate", "x_Batch", "x_Period", "x_Source")
#: The columns FOCUS 1.3 says MUST be present in every Cost and Usage dataset (feature level Mandatory).
MANDATORY = ("BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodStart",
             "BillingPeriodEnd", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargePeriodStart",
             "ChargePeriodEnd", "ContractedCost", "EffectiveCost", "HostProviderName", "InvoiceIssuerName",
             "ListCost", "PricingQuantity", "PricingUnit", "ServiceCategory", "ServiceName", "ServiceProviderName")
DECIMALS = ("BilledCost", "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "ListCost", "ListUnitPrice",
            "PricingQuantity", "ConsumedQuantity")
DATETIMES = ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd")
NOT_NULL = ("BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd",
            "ChargeCategory", "ChargePeriodStart", "ChargePeriodEnd", "ContractedCost", "EffectiveCost",
            "InvoiceIssuerName", "ListCost", "ServiceCategory", "ServiceName", "ServiceProviderName",
            "ChargeFrequency", "ServiceSubcategory", "ProviderName", "PublisherName")
#: Columns that may not be null on a "Usage" or "Purchase" row that is not a correction (FOCUS 1.3: SkuId,
#: SkuPriceId, PricingQuantity, ListUnitPrice, ContractedUnitPrice, PricingCategory; PricingUnit with its quantity).
USAGE_NOT_NULL = ("SkuId", "SkuPriceId", "PricingQuantity", "PricingUnit", "ListUnitPrice", "ContractedUnitPrice",
                  "PricingCategory")
ALLOWED = {"ChargeCategory": ("Usage", "Purchase", "Tax", "Credit", "Adjustment"),
           "ChargeClass": ("Correction",),
           "ChargeFrequency": ("One-Time", "Recurring", "Usage-Based"),
           "PricingCategory": ("Standard", "Dynamic", "Committed", "Other"),
           "ServiceCategory": ("AI and Machine Learning", "Analytics", "Business Applications", "Compute",
                               "Databases", "Developer Tools", "Multicloud", "Identity", "Integration",
                               "Internet of Things", "Management and Governance", "Media", "Migration", "Mobile",
                               "Networking", "Security", "Storage", "Web", "Other")}
#: FOCUS Date/Time Format: extended ISO 8601 in UTC, 'YYYY-MM-DDTHH:mm:ssZ'.
DATETIME_PATTERN = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"
#: FOCUS Numeric Format: an integer, a decimal or E notation; no plus sign, no sign on a positive exponent.
NUMERIC_PATTERN = r"-?\d+(\.\d+)?(E-?\d+)?"
#: FOCUS Unit Format: "<plural-units>" or "<whole quantity> <plural-units>" (the forms used here).
UNIT_PATTERN = r"(\d+ )?[A-Z][A-Za-z]*s"


def _usd(x: float) -> Decimal:
    """A float rate or count as the decimal it was written as (its shortest repr), for exact products."""
    return Decimal(repr(float(x)))


def _text(d: Decimal) -> str:
    """A decimal in FOCUS Numeric Format: plain digits with a decimal point ("2.0", so that a reader inferring
    types reads a Decimal column), no exponent, no trailing zeros beyond one, never "-0"."""
    s = format(d.normalize(), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    s = "0" if s in ("-0", "") else s
    return s if "." in s else s + ".0"


def _iso(d: date) -> str:
    return f"{d.isoformat()}T00:00:00Z"


def _month(d: date) -> tuple[date, date]:
    start = d.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1)


def _charges(b: LogBill) -> pd.DataFrame:
    """The bill's lines summed over the hours of a day that share one price (same period, long-context tier and
    service tier), with the rate columns of each (:func:`course_lib.logs_rates.rates`, the rates the bill itself
    was priced at)."""
    keys = ["day", "provider", "model", "project", "api_key", "feature", "batch", "service_tier", "period", "band",
            "price_day"]
    counts = ["rows", "input_tokens", "cache_read_tokens", "cache_write_tokens", "cache_write_1h_tokens",
              "output_tokens", "reasoning_tokens", "input_audio_tokens", "output_audio_tokens", "web_searches",
              "total_usd", "reasoning_unreported"]
    lines = b.lines.copy()
    for c in ("project", "api_key", "feature"):
        lines[c] = lines[c].fillna("")
    g = lines.groupby(keys, sort=True, dropna=False).agg(hour=("hour", "min"), **{c: (c, "sum") for c in counts})
    g = g.reset_index()
    r = rates(g)
    return pd.concat([g, r[RATE_COLUMNS]], axis=1)


def focus_rows(b: LogBill, *, billing_account: str | None = None,
               billing_account_name: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The bill as FOCUS 1.3 Cost and Usage rows (costs, prices and quantities as exact ``Decimal``, the rest
    strings, None for null; :func:`as_text` gives the text a file holds) and the notes on what was left out and
    why.

    Every cost is an exact decimal product of a published unit price and a token count, so the rows' ListCost
    adds up to the bill's ``total_usd`` (to float rounding, below 1e-9 USD). Taught in notebook
    ``06_your_own_bill``.
    """
    billing_account = UNKNOWN_ACCOUNT if billing_account is None else billing_account
    if not isinstance(billing_account, str) or not billing_account.strip():
        raise ValueError(f"billing_account: expected a non-empty account id (FOCUS BillingAccountId may not be "
                         f"null), got {billing_account!r}")
    gateway = set(b.no_batch_models)
    notes, rows, left_out = [], [], {}
    if b.error_count:
        notes.append(f"{b.error_count:,} export row(s) could not be priced (see the bill's row errors): they are "
                     "not in the FOCUS rows, never as 0")
    for ch in _charges(b).itertuples(index=False):
        day = date.fromisoformat(str(ch.day))
        bp_start, bp_end = _month(day)
        provider = PROVIDER_NAMES.get(str(ch.provider), str(ch.provider))
        issuer = GATEWAY if ch.model in gateway else provider
        local = ch.provider == LOCAL   # a self-hosted model priced from its TCO: no published price list
        counts = {"uncached": ch.input_tokens - ch.cache_read_tokens - ch.cache_write_tokens,
                  "cache_write_5m": ch.cache_write_tokens - ch.cache_write_1h_tokens}
        how = ["batch" if ch.batch else "interactive"]
        tier = str(ch.service_tier)
        if tier != "standard":   # flex, priority: a price of its own (SkuPriceId and details say which)
            how.append(f"{tier} tier")
        if ch.period != "standard":
            how.append(f"{ch.period} hours")
        if ch.band:
            how.append(f"long-context tier {int(ch.band)}")
        tags = {k: getattr(ch, k) for k in ("project", "api_key", "feature") if getattr(ch, k)}
        for meter, count_col, rate_col, unit, consumed_unit in METERS:
            n = counts.get(count_col, getattr(ch, count_col, 0))
            n = 0 if n != n else int(round(n))
            if n <= 0:
                continue
            rate = getattr(ch, rate_col)
            # No published price for this count: left out and said, never 0. A search or audio rate of 0 is
            # genai-prices knowing the model but not that price (its lattice then adds nothing), not a free search.
            if rate != rate or (rate_col in EXTRA_RATES and rate == 0):
                left_out[meter] = left_out.get(meter, 0) + n
                continue
            price = _usd(rate)
            qty = Decimal(n) / M if unit == PRICING_UNIT else Decimal(n)
            cost = price * qty
            kind = meter.split(" (")[0]
            rows.append({
                "BilledCost": cost, "BillingAccountId": billing_account, "BillingAccountName": billing_account_name,
                "BillingCurrency": "USD", "BillingPeriodStart": _iso(bp_start), "BillingPeriodEnd": _iso(bp_end),
                "ChargeCategory": "Usage", "ChargeClass": None,
                "ChargeDescription": (f"{ch.model} {kind.lower()}, {', '.join(how)}, at "
                                      f"{'its TCO price (lesson 05)' if local else 'list prices'} of "
                                      f"{ch.price_day}"),
                "ChargeFrequency": "Usage-Based",
                "ChargePeriodStart": _iso(day), "ChargePeriodEnd": _iso(day + timedelta(days=1)),
                "ConsumedQuantity": Decimal(n), "ConsumedUnit": consumed_unit,
                "ContractedCost": cost, "ContractedUnitPrice": price, "EffectiveCost": cost,
                "HostProviderName": provider, "InvoiceIssuerName": issuer, "ListCost": cost, "ListUnitPrice": price,
                "PricingCategory": "Other" if local else "Standard", "PricingQuantity": qty, "PricingUnit": unit,
                "ServiceCategory": SERVICE_CATEGORY, "ServiceName": f"{provider} API",
                "ServiceProviderName": provider, "ServiceSubcategory": SERVICE_SUBCATEGORY,
                "SkuId": str(ch.model), "SkuMeter": kind,
                "SkuPriceDetails": json.dumps({"x_Batch": bool(ch.batch), "x_Period": str(ch.period),
                                               "x_ContextTier": int(ch.band),
                                               **({"x_ServiceTier": tier} if tier != "standard" else {})},
                                              sort_keys=True),
                "SkuPriceId": (f"{ch.model}/{kind.lower().replace(' ', '-')}/"
                               f"{'batch' if ch.batch else 'interactive'}/{ch.period}/tier-{int(ch.band)}"
                               + (f"/{tier}" if tier != "standard" else "")),
                "SubAccountId": ch.project or None, "SubAccountName": ch.project or None,
                "Tags": json.dumps(tags, sort_keys=True) if tags else None,
                "ProviderName": provider, "PublisherName": provider,
                "x_TokenKind": kind,
                "x_ReasoningTokens": (Decimal(int(ch.reasoning_tokens)) if kind == "Output Tokens"
                                      and not ch.reasoning_unreported else None),
                "x_PriceDate": str(ch.price_day), "x_Batch": "true" if ch.batch else "false",
                "x_Period": str(ch.period), "x_Source": "course_lib re-priced usage export"})
    for meter, n in left_out.items():
        notes.append(f"{n:,} {meter.lower()} have no published price in the price book: left out of the FOCUS "
                     "rows, not exported at 0 (the bill counts them at 0 USD); add their price to price them")
    if not rows:
        raise ValueError("bill: no priced charge to export as FOCUS rows" + (f" ({'; '.join(notes)})" if notes else ""))
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    return df, notes


def as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Every value as FOCUS writes it in a text file: decimals in Numeric Format, None for null (notebook
    ``06_your_own_bill``)."""
    out = df.astype(object).copy()
    for c in out.columns:
        out[c] = [None if v is None or (isinstance(v, float) and v != v) else
                  (_text(v) if isinstance(v, Decimal) else str(v)) for v in out[c]]
    return out


def write_focus(df: pd.DataFrame, path, fmt: str | None = None) -> Path:
    """Write FOCUS rows to ``path`` as CSV (null = empty cell) or Parquet (``fmt`` from the suffix when not given);
    costs, prices and quantities as exact decimals. Taught in notebook ``06_your_own_bill``."""
    path = Path(path)
    fmt = fmt or ("parquet" if path.suffix.lower() == ".parquet" else "csv")
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt: expected csv or parquet, got {fmt!r}")
    if not path.parent.is_dir():
        raise ValueError(f"out: the folder {path.parent} does not exist")
    text = as_text(df)
    if fmt == "csv":
        text.to_csv(path, index=False, lineterminator="\n")
        return path
    import duckdb   # the project's own Parquet writer (pandas would need pyarrow)
    con = duckdb.connect()
    try:
        con.register("focus_text", text.astype("string"))
        cols = ", ".join(f'CAST("{c}" AS DECIMAL(38, 18)) AS "{c}"' if c in DECIMALS or c == "x_ReasoningTokens"
                         else (f'CAST("{c}" AS TIMESTAMPTZ) AS "{c}"' if c in DATETIMES else f'"{c}"')
                         for c in text.columns)
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"COPY (SELECT {cols} FROM focus_text) TO '{str(path).replace(chr(39), chr(39) * 2)}' "
                    "(FORMAT PARQUET)")
    finally:
        con.close()
    return path


def check_focus(df: pd.DataFrame) -> list[str]:
    """The FOCUS 1.3 rules a Cost and Usage table breaks (empty when it keeps them all), read from the
    specification's column definitions: mandatory columns present; not-null columns filled (and SkuId,
    SkuPriceId, the unit prices, PricingQuantity/Unit and PricingCategory on usage rows); allowed values;
    Numeric, Date/Time and Unit formats; ``x_`` prefix on custom columns; ``ListCost = ListUnitPrice x
    PricingQuantity`` and the same for the contracted price; PricingUnit null exactly when PricingQuantity is;
    HostProviderName equal to ServiceProviderName unless another host is named. ``df`` is read as text (a CSV read
    with ``dtype=str, keep_default_na=False`` or :func:`as_text`). Taught in notebook ``06_your_own_bill``.
    """
    t = df.astype(object).where(df.notna(), None)
    t = t.map(lambda v: None if v is None or v == "" else (_text(v) if isinstance(v, Decimal) else str(v)))
    out = []
    known = set(COLUMNS) | {"InvoiceId", "ResourceId", "ResourceName", "ResourceType", "RegionId", "RegionName",
                            "AvailabilityZone", "BillingAccountType", "SubAccountType", "CommitmentDiscountId",
                            "CapacityReservationId", "PricingCurrency", "AllocatedMethodId"}
    for c in MANDATORY:
        if c not in t.columns:
            out.append(f"{c}: a mandatory column is missing")
    for c in t.columns:
        if c not in known and not c.startswith("x_"):
            out.append(f"{c}: a custom column must start with x_")
    for c in NOT_NULL:
        if c in t.columns and t[c].isna().any():
            out.append(f"{c}: {int(t[c].isna().sum())} null value(s); the column may not be null")
    if {"ChargeCategory", "ChargeClass"} <= set(t.columns):
        usage = t[t["ChargeCategory"].isin(["Usage", "Purchase"]) & t["ChargeClass"].isna()]
        for c in USAGE_NOT_NULL:
            if c in t.columns and usage[c].isna().any():
                out.append(f"{c}: null on {int(usage[c].isna().sum())} usage or purchase row(s) that are not "
                           "corrections; it may not be")
    for c, allowed in ALLOWED.items():
        if c in t.columns:
            bad = sorted(set(t[c].dropna()) - set(allowed))
            if bad:
                out.append(f"{c}: {bad} not among the allowed values {list(allowed)}")
    for c in DECIMALS:
        if c in t.columns:
            bad = t[c].dropna()[~t[c].dropna().str.fullmatch(NUMERIC_PATTERN)]
            if len(bad):
                out.append(f"{c}: {bad.iloc[0]!r} is not in FOCUS Numeric Format")
    for c in DATETIMES:
        if c in t.columns:
            bad = t[c].dropna()[~t[c].dropna().str.fullmatch(DATETIME_PATTERN)]
            if len(bad):
                out.append(f"{c}: {bad.iloc[0]!r} is not 'YYYY-MM-DDTHH:mm:ssZ' (ISO 8601, UTC)")
    for c in ("PricingUnit", "ConsumedUnit"):
        if c in t.columns:
            bad = t[c].dropna()[~t[c].dropna().str.fullmatch(UNIT_PATTERN)]
            if len(bad):
                out.append(f"{c}: {bad.iloc[0]!r} is not in FOCUS Unit Format")
    if {"PricingQuantity", "PricingUnit"} <= set(t.columns):
        if (t["PricingQuantity"].isna() != t["PricingUnit"].isna()).any():
            out.append("PricingUnit: must be null exactly when PricingQuantity is null")
    for cost, price in (("ListCost", "ListUnitPrice"), ("ContractedCost", "ContractedUnitPrice")):
        if {cost, price, "PricingQuantity"} <= set(t.columns):
            both = t[t[price].notna() & t["PricingQuantity"].notna()]
            for r in both.itertuples(index=False):
                d = r._asdict()
                try:
                    if Decimal(d[price]) * Decimal(d["PricingQuantity"]) != Decimal(d[cost]):
                        out.append(f"{cost}: {d[cost]} is not {price} {d[price]} x PricingQuantity "
                                   f"{d['PricingQuantity']}")
                        break
                    if Decimal(d[price]) < 0:
                        out.append(f"{price}: {d[price]} is negative")
                        break
                except (ArithmeticError, TypeError, ValueError):
                    out.append(f"{cost}: {d[cost]!r} or {price}: {d[price]!r} is not a number")
                    break
    for a, b_ in (("BillingPeriodStart", "BillingPeriodEnd"), ("ChargePeriodStart", "ChargePeriodEnd")):
        if {a, b_} <= set(t.columns):
            if (t[a].dropna() >= t[b_].dropna()).any():   # same format, so text order is time order
                out.append(f"{b_}: must be after {a} (an exclusive end bound)")
    if {"HostProviderName", "ServiceProviderName"} <= set(t.columns):
        if t["HostProviderName"].isna().any():
            out.append("HostProviderName: null on a usage charge (allowed only for taxes, adjustments or services "
                       "not deployed on any infrastructure)")
    for c in ("Tags", "SkuPriceDetails"):
        if c in t.columns:
            for v in t[c].dropna():
                try:
                    obj = json.loads(v)
                except ValueError:
                    out.append(f"{c}: {v!r} is not a JSON object (Key-Value Format)")
                    break
                if not isinstance(obj, dict):
                    out.append(f"{c}: {v!r} is not a JSON object (Key-Value Format)")
                    break
                if c == "SkuPriceDetails" and any(not k.startswith("x_") for k in obj):
                    out.append(f"{c}: keys that FOCUS does not define must start with x_, got {sorted(obj)}")
                    break
    if "BillingCurrency" in t.columns:
        bad = sorted(set(t["BillingCurrency"].dropna()) - {c for c in t["BillingCurrency"].dropna()
                                                          if re.fullmatch(r"[A-Z]{3}", c)})
        if bad:
            out.append(f"BillingCurrency: {bad} is not an ISO 4217 code")
    return out
