"""The rates behind a bill: the price table of every (model, day, batch, service tier), the cost arithmetic, and re-pricing
bill lines at other rates for reconciliation and what-ifs (notebook ``06_your_own_bill``).
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from . import prices
from .billing import rate_1h
from .logs_rows import BIG, M

def _bands(price: prices.Price) -> list[tuple[int, int, int]]:
    """(band, t_lo, t_hi]: the long-context tiers as ranges of input tokens per request."""
    edges = [t for t, _ in sorted(price.tiers)]
    lows = [-1, *edges]
    highs = [*edges, BIG]
    return [(i, lo, hi) for i, (lo, hi) in enumerate(zip(lows, highs, strict=True))]


def _hours_periods(provider: str, day: date) -> list[tuple[int, str]]:
    """(hour, period) for hour -1 (time of day not given) and 0..23 (UTC)."""
    rule = prices.peak_rule(provider, day)
    if rule is None:
        return [(h, "standard") for h in range(-1, 24)]
    peak = set()
    for lo, hi in prices.peak_windows(rule):
        if lo % 60 or hi % 60:
            raise ValueError(f"data/time_of_day_rules.csv: {provider} window {rule['peak_windows_utc']} is not on "
                             "the hour")
        peak |= set(range(lo // 60, hi // 60))
    return [(-1, "standard")] + [(h, "peak" if h in peak else "off-peak") for h in range(24)]


@lru_cache(maxsize=4096)
def _per_unit(model: str, day: date, batch: bool, period: str, extra: str, scale: int, tier: str = "standard") -> float:
    """USD per one unit of a non-text count (a web search; an audio token beyond its text price); NaN if the model
    publishes no price for it (:func:`course_lib.prices.unpriced_extras`): unknown, never 0."""
    zero = {"input_tokens": scale if extra.startswith("input") else 0,
            "output_tokens": scale if extra.startswith("output") else 0}
    got = prices.surcharge(model, day, zero, {extra: scale}, batch=batch, period=period, tier=tier)
    return np.nan if got is None else got / scale


#: The counts priced per unit beside the text tokens: web searches and audio tokens.
EXTRAS = ("web_searches", "input_audio_tokens", "output_audio_tokens")
#: The same counts in words, for the bill's notes.
EXTRA_NAMES = {"web_searches": "web searches", "input_audio_tokens": "input audio tokens",
               "output_audio_tokens": "output audio tokens"}


#: The columns that choose a price row, beside the hour of day and the long-context band.
PRICE_KEYS = ["model", "price_day", "batch", "service_tier"]


def price_table(keys: pd.DataFrame, extras: tuple = EXTRAS) -> tuple[pd.DataFrame, dict]:
    """The prices of every (model, price_day, batch, service_tier) in ``keys``, one row per hour of day and tier
    band (``keys`` without a ``service_tier`` column are the standard tier).

    Returns the table and ``{key: error message}`` for keys the price book cannot price (unknown model, no
    batch price, no price on that date, no price at that service tier). ``extras`` are the per-unit counts to
    price (a file without searches or audio needs none: their rates are left empty). Taught in notebook
    ``06_your_own_bill``.
    """
    if "service_tier" not in keys:
        keys = keys.assign(service_tier="standard")
    distinct = keys[PRICE_KEYS].drop_duplicates()
    key_set = tuple(sorted((str(m), str(d), bool(b), str(t)) for m, d, b, t in distinct.itertuples(index=False)))
    table, errors = _price_table(key_set, tuple(extras), prices.local_version())
    return table.copy(), dict(errors)


@lru_cache(maxsize=64)
def _price_table(key_set: tuple, extras: tuple, local_version: int = 0) -> tuple[pd.DataFrame, dict]:
    """:func:`price_table` of a set of keys, kept: the panel and the what-ifs ask for the same keys again (a new
    local price, ``local_version``, makes a new table)."""
    def per_unit(model, day, batch, period, extra, scale, tier):
        return _per_unit(model, day, batch, period, extra, scale, tier) if extra in extras else np.nan

    bands, errors = [], {}   # one tuple per (key, period, band), in the order of _TABLE_COLUMNS without the hour
    take, hours = [], []     # the price rows: which of those, at which hour
    for model, day_text, batch, tier in key_set:
        day = date.fromisoformat(day_text)
        try:   # the standard period asked as the periods below ask it: one quote, kept, where there is no peak
            base = prices.quote(model, day, batch=bool(batch), period="standard", tier=tier)
        except ValueError as e:
            errors[(model, day_text, bool(batch), tier)] = str(e)
            continue
        per_period = {}   # period -> the positions of its band rows (the same for every hour of that period)
        for hour, period in _hours_periods(base.provider, day):
            if period not in per_period:
                p = prices.quote(model, day, batch=bool(batch), period=period, tier=tier)
                r_search, r_ai, r_ao = (per_unit(model, day, bool(batch), period, "web_searches", 1000, tier),
                                        per_unit(model, day, bool(batch), period, "input_audio_tokens", M, tier) * M,
                                        per_unit(model, day, bool(batch), period, "output_audio_tokens", M, tier) * M)
                its = _bands(p)
                per_period[period] = range(len(bands), len(bands) + len(its))
                bands += [(model, day_text, bool(batch), tier, band, lo, hi, period, p.provider, p.rate("input", lo + 1),
                           p.rate("cache_read", lo + 1), p.rate("cache_write", lo + 1), rate_1h(p, lo + 1),
                           p.rate("output", lo + 1), r_search, r_ai, r_ao) for band, lo, hi in its]
            take += per_period[period]
            hours += [hour] * len(per_period[period])
    if not take:
        return pd.DataFrame(columns=list(_TABLE_COLUMNS)), errors
    names = [c for c in _TABLE_COLUMNS if c != "hour"]
    table = pd.DataFrame(dict(zip(names, zip(*bands, strict=True), strict=True))).take(take).reset_index(drop=True)
    table.insert(_TABLE_COLUMNS.index("hour"), "hour", np.array(hours, dtype=np.int64))
    return table, errors


#: The columns of :func:`price_table`: a price row's key, hour and band, then its rates.
_TABLE_COLUMNS = ("model", "price_day", "batch", "service_tier", "hour", "band", "t_lo", "t_hi", "period", "provider",
                  "r_in", "r_read", "r_write", "r_w1h", "r_out", "r_search", "r_audio_in", "r_audio_out")


def costs(df: pd.DataFrame) -> pd.DataFrame:
    """The cost columns from token counts and joined rates (the same arithmetic as the SQL; notebook
    ``06_your_own_bill``)."""
    return pd.DataFrame(_cost_arrays(df, df), index=df.index)


def _cost_arrays(t: pd.DataFrame, r: pd.DataFrame) -> dict:
    """The cost columns as arrays from the counts of ``t`` and the rates of ``r`` (row for row): the one place of
    the cost arithmetic, for :func:`costs` and for re-pricing, which does it several times over (pandas' overhead
    per column was most of a re-pricing)."""
    def v(df, c, fill=None):
        a = df[c].to_numpy(dtype=float, na_value=np.nan)
        return a if fill is None else np.where(np.isnan(a), fill, a)
    read, write, w1h = v(t, "cache_read_tokens", 0), v(t, "cache_write_tokens", 0), v(t, "cache_write_1h_tokens", 0)
    uncached = v(t, "input_tokens") - read - write
    searches, audio_in, audio_out = v(t, "web_searches", 0), v(t, "input_audio_tokens", 0), v(t, "output_audio_tokens", 0)
    r_search, r_ai, r_ao = v(r, "r_search"), v(r, "r_audio_in"), v(r, "r_audio_out")
    out = {"input_usd": uncached * v(r, "r_in") / M, "cache_read_usd": read * v(r, "r_read") / M,
           "cache_write_usd": ((write - w1h) * v(r, "r_write") + w1h * v(r, "r_w1h")) / M,
           "output_usd": v(t, "output_tokens") * v(r, "r_out") / M,
           "extras_usd": (searches * np.where(np.isnan(r_search), 0, r_search)
                          + audio_in * np.where(np.isnan(r_ai), 0, r_ai) / M
                          + audio_out * np.where(np.isnan(r_ao), 0, r_ao) / M)}
    out["total_usd"] = (out["input_usd"] + out["cache_read_usd"] + out["cache_write_usd"] + out["output_usd"]
                        + out["extras_usd"])
    out["extras_unpriced"] = (((searches > 0) & np.isnan(r_search)) | ((audio_in > 0) & np.isnan(r_ai))
                              | ((audio_out > 0) & np.isnan(r_ao))).astype(np.int64)
    return out


def rates(lines: pd.DataFrame, overrides: dict | None = None, *, batch_fallback: bool = False) -> pd.DataFrame:
    """The rate columns for each line, after ``overrides`` (model, price_day, batch, period, band); notebook
    ``06_your_own_bill``. A line moved to batch leaves its service tier (a batch call is priced as batch).

    With ``batch_fallback``, a line whose new model or date has no batch price, or no price at the line's service
    tier, is priced interactive at the standard tier and counted in the ``fell_back`` column."""
    o = overrides or {}
    k, table = _keyed(lines, o, batch_fallback)
    return _picked(lines, k, table, o)


def _keyed(lines: pd.DataFrame, o: dict, batch_fallback: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each line's price keys after the overrides ``o`` (model, price_day, batch) and the price table for them."""
    k = pd.DataFrame({"model": o.get("model", lines["model"]), "price_day": o.get("price_day", lines["price_day"]),
                      "batch": o.get("batch", lines["batch"]), "hour": lines["hour"]}, index=lines.index)
    k["service_tier"] = lines["service_tier"] if "service_tier" in lines else "standard"
    k.loc[k["batch"].astype(bool), "service_tier"] = "standard"
    table, key_err = price_table(k)
    k["fell_back"] = False
    if key_err and batch_fallback:
        bad = [key for key, msg in key_err.items()
               if (key[2] and msg.startswith("batch")) or (key[3] != "standard" and msg.startswith("service_tier"))]
        hit = pd.Series(list(k[PRICE_KEYS].itertuples(index=False, name=None)), index=k.index).isin(bad)
        k.loc[hit, "batch"] = False
        k.loc[hit, "service_tier"] = "standard"
        k["fell_back"] = hit
        table, key_err = price_table(k)
    if key_err:
        raise ValueError("; ".join(sorted(set(key_err.values()))))
    return k, table


def _picked(lines: pd.DataFrame, k: pd.DataFrame, table: pd.DataFrame, o: dict,
            merged: dict | None = None) -> pd.DataFrame:
    """The rate columns for each line from its keys ``k`` and their ``table``, at the period and band of ``o``.
    ``merged``: where given, the keys joined to the table are kept in it, by whether ``o`` moves the period, for the
    next call with the same keys and table."""
    merged = {} if merged is None else merged
    if "period" in o:   # the same calls at another time of day: any hour of that period, else the standard price
        if "period" not in merged:
            t = table.drop(columns="hour").drop_duplicates([*PRICE_KEYS, "band", "period"])
            merged["period"] = _lined(k).merge(t, on=PRICE_KEYS, how="left")
        m = merged["period"].copy()
        m["pref"] = m["period"] == o["period"]
        m = m[m["pref"] | (m["period"] == "standard")]
        m = m.sort_values(["line", "band", "pref"], ascending=[True, True, False]).drop_duplicates(["line", "band"])
    else:
        if "hour" not in merged:
            merged["hour"] = _lined(k).merge(table, on=[*PRICE_KEYS, "hour"], how="left")
        m = merged["hour"]
    if "model" in o:    # the new model's tiers, chosen by tokens per request
        per_req = np.floor(lines["input_tokens"] / lines["requests"].where(lines["requests"] > 0)).fillna(0)
        tt = per_req.to_numpy()[m["line"].to_numpy()]
        m = m[(tt > m["t_lo"].to_numpy()) & (tt <= m["t_hi"].to_numpy())]
    else:               # the line's own band, or band 0
        band = np.broadcast_to(np.asarray(o.get("band", lines["band"])), len(lines))
        m = m[m["band"].to_numpy() == band[m["line"].to_numpy()]]
    out = m.set_index("line").reindex(range(len(lines)))
    out.index = lines.index
    return out


def _lined(k: pd.DataFrame) -> pd.DataFrame:
    """The keys with each line's position, ``line``."""
    return k.reset_index(drop=True).reset_index(names="line")


RATE_COLUMNS = ["r_in", "r_read", "r_write", "r_w1h", "r_out", "r_search", "r_audio_in", "r_audio_out"]


def reprice(lines: pd.DataFrame, overrides: dict | None = None, tokens: pd.DataFrame | None = None,
            *, batch_fallback: bool = False, fell_back: list | None = None, unpriced: list | None = None,
            at: pd.DataFrame | None = None) -> pd.Series:
    """The total USD of each line at the rates after ``overrides`` (see :func:`rates`) and the counts of
    ``tokens`` (default: the lines' own); lines that fell back to interactive prices are counted into
    ``fell_back``, and lines with a search or audio count the new rates do not price into ``unpriced`` (as
    ``(lines, what those counts cost at the lines' own rates)``: left out of the total, never priced 0).
    ``at``: the rates, where already worked out (:meth:`~course_lib.logs.LogBill.own_rates`). Taught in notebook
    ``06_your_own_bill``."""
    t = lines if tokens is None else tokens
    r = rates(lines, overrides, batch_fallback=batch_fallback) if at is None else at
    return _repriced(lines, t, r, fell_back, unpriced)


def reprice_each(lines: pd.DataFrame, overrides: list[dict]) -> list[pd.Series]:
    """:func:`reprice` of the lines at each of ``overrides`` (no fallback), the price keys and table worked out once
    for all the overrides that move only the band or the period (reconciliation re-prices a bill five ways);
    notebook ``06_your_own_bill``."""
    keyed: dict = {}
    out = []
    for o in overrides:
        moved = tuple((name, repr(o[name])) for name in ("model", "price_day", "batch") if name in o)
        if moved not in keyed:
            keyed[moved] = (*_keyed(lines, o, False), {})
        k, table, merged = keyed[moved]
        out.append(_repriced(lines, lines, _picked(lines, k, table, o, merged), None, None))
    return out


def _repriced(lines, t, r, fell_back, unpriced) -> pd.Series:
    if fell_back is not None:
        fell_back.append(int(lines.loc[r["fell_back"].astype(bool), "rows"].sum()))
    total, hit = _total(t, r if r.index.equals(t.index) else r.reindex(t.index))
    if unpriced is not None:
        unpriced.append((int(hit.sum()), float(lines.loc[hit, "extras_usd"].sum()) if "extras_usd" in lines else 0.0))
    return pd.Series(total, index=t.index, name="total_usd")


def _total(t: pd.DataFrame, r: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """:func:`costs`' total and its ``extras_unpriced`` (as a mask) as arrays."""
    a = _cost_arrays(t, r)
    return a["total_usd"], a["extras_unpriced"].astype(bool)


@lru_cache(maxsize=1)
def tier_edges() -> tuple[int, ...]:
    """Every long-context threshold in genai-prices' data (input tokens per request above which a tier's rates
    apply), sorted: the buckets in which the DuckDB engine sums rows before it joins their prices. A hint only: a
    price row with another threshold has the rows summed again with it. Taught in notebook ``06_your_own_bill``."""
    from genai_prices.types import TieredPrices
    edges = set()
    for provider in prices.snapshot().providers:
        for model in provider.models:
            for variant in model.prices if isinstance(model.prices, list) else [model.prices]:
                for value in vars(getattr(variant, "prices", variant)).values():
                    if isinstance(value, TieredPrices):
                        edges |= {int(t.start) for t in value.tiers}
    return tuple(sorted(edges))
