"""API versus local: total cost of ownership and break-even (notebook ``05_tco``).

The source page's rule: consider a proof of concept when the monthly API bill
exceeds the monthly local TCO (hardware + operations + power). Two things make
the rule honest:

* **capacity**: a box that cannot serve the workload is not a saving;
* **equal capability**: a break-even compares the API model the workload needs
  with a local model of the same class. One RTX 4090 (24 GiB) runs a 32B model
  at 4-bit; it does not run DeepSeek V3/V4-class models (hundreds of billions
  of parameters).

Every default lives in ``data/tco_defaults.csv`` with its unit and source;
assumptions are labelled as assumptions.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from . import money, vram
from .billing import cost_frame
from .data import data_rows
from .prices import DEFAULT_AS_OF


def defaults() -> pd.DataFrame:
    """Every default input with its unit and source. Taught in notebook ``05_tco``."""
    return pd.DataFrame(data_rows("tco_defaults.csv")).set_index("parameter")


def _d(name: str) -> float:
    return float(next(r["value"] for r in data_rows("tco_defaults.csv") if r["parameter"] == name))


# --- the API side --------------------------------------------------------------------------
@dataclass
class Workload:
    """Tasks per day and the tokens of one task, billed at an API model's dated price. Taught in notebook ``05_tco``."""

    tasks_per_day: float = 1_000
    input_tokens: int = 25_000          # per task
    output_tokens: int = 800            # per task
    model: str = "deepseek-v4-pro"
    as_of: str = str(DEFAULT_AS_OF)
    cache_hit_rate: float = 0.0
    batch_share: float = 0.0            # share of tasks sent through a batch API
    peak_share: float = 0.0             # share of tasks at peak price (DeepSeek from 2026-08-17)
    days_per_month: float = 30.0

    def __post_init__(self):
        for name in ("cache_hit_rate", "batch_share", "peak_share"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                raise ValueError(f"{name}: expected a fraction between 0 and 1, got {v!r}")
        for name in ("tasks_per_day", "input_tokens", "output_tokens"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: cannot be negative, got {getattr(self, name)!r}")


def api_cost_per_task(w: Workload) -> float:
    """USD per task: a mix of standard, batch and peak prices with cached input at the read price. Taught in notebook ``05_tco``."""
    read = int(round(w.input_tokens * w.cache_hit_rate))
    row = pd.DataFrame({"input_tokens": [w.input_tokens], "output_tokens": [w.output_tokens],
                        "cache_read_tokens": [read]})
    std = float(cost_frame(row, w.model, w.as_of)["total_usd"].iloc[0])
    parts = [(1 - w.batch_share - w.peak_share, std)]
    if w.batch_share:
        parts.append((w.batch_share, float(cost_frame(row, w.model, w.as_of, batch=True)["total_usd"].iloc[0])))
    if w.peak_share:
        parts.append((w.peak_share, float(cost_frame(row, w.model, w.as_of, period="peak")["total_usd"].iloc[0])))
    if w.batch_share + w.peak_share > 1:
        raise ValueError("batch_share: batch_share + peak_share cannot exceed 1")
    return sum(share * usd for share, usd in parts)


def api_monthly(w: Workload) -> dict:
    """The monthly API bill of a workload, USD and CNY (notebook ``05_tco``)."""
    per_task = api_cost_per_task(w)
    usd = per_task * w.tasks_per_day * w.days_per_month
    return {"per_task_usd": per_task, "monthly_usd": usd, "monthly_cny": money.convert(usd, "CNY", w.as_of)}


# --- the local side --------------------------------------------------------------------------
@dataclass
class LocalBox:
    """A local inference server and what it costs to own and run. Money in CNY. Taught in notebook ``05_tco``."""

    gpu: str = "RTX 4090"
    n_gpus: int = 1
    gpu_price_cny: float | None = None  # default: data/tco_defaults.csv, else the catalog's USD price
    host_cost_cny: float = field(default_factory=lambda: _d("host_cost_cny"))
    life_months: float = field(default_factory=lambda: _d("life_months"))
    host_watts: float = field(default_factory=lambda: _d("host_watts"))
    utilisation: float = field(default_factory=lambda: _d("utilisation"))
    pue: float = field(default_factory=lambda: _d("pue"))
    tariff_cny_kwh: float = field(default_factory=lambda: _d("tariff_cny_kwh"))
    hosting_cny_month: float = field(default_factory=lambda: _d("hosting_cny_month"))
    ops_hours_month: float = field(default_factory=lambda: _d("ops_hours_month"))
    ops_rate_cny_hour: float = field(default_factory=lambda: _d("ops_rate_cny_hour"))

    def __post_init__(self):
        vram.gpu(self.gpu)  # unknown GPU: a clear error
        if not isinstance(self.n_gpus, int) or self.n_gpus < 1:
            raise ValueError(f"n_gpus: expected a positive integer, got {self.n_gpus!r}")
        if not 0 <= self.utilisation <= 1:
            raise ValueError(f"utilisation: expected a fraction between 0 and 1, got {self.utilisation!r}")
        for name in ("life_months", "pue"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name}: must be positive, got {getattr(self, name)!r}")
        if self.gpu_price_cny is None:
            key = f"gpu_price_cny.{self.gpu}"
            if any(r["parameter"] == key for r in data_rows("tco_defaults.csv")):
                self.gpu_price_cny = _d(key)
            else:
                usd = vram.gpu(self.gpu)["price_usd"]
                if pd.isna(usd):
                    raise ValueError(f"gpu_price_cny: {self.gpu} has no list price in data/gpus.csv; pass your quote")
                self.gpu_price_cny = money.convert(float(usd), "CNY")

    @property
    def memory_gib(self) -> float:
        return float(vram.gpu(self.gpu)["memory_gib"]) * self.n_gpus


def local_monthly(box: LocalBox) -> dict:
    """Monthly TCO in CNY: hardware amortised, power, hosting, operations (notebook ``05_tco``)."""
    hardware = (box.gpu_price_cny * box.n_gpus + box.host_cost_cny) / box.life_months
    watts = float(vram.gpu(box.gpu)["power_w"]) * box.n_gpus * box.utilisation + box.host_watts
    kwh = watts * 24 * 30 / 1000 * box.pue
    power = kwh * box.tariff_cny_kwh
    ops = box.ops_hours_month * box.ops_rate_cny_hour
    total = hardware + power + box.hosting_cny_month + ops
    return {"hardware_cny": hardware, "power_cny": power, "hosting_cny": box.hosting_cny_month, "ops_cny": ops,
            "kwh": kwh, "monthly_cny": total, "monthly_usd": total / money.fx_rate().rate}


# --- capacity and capability -----------------------------------------------------------------
def runnable_models(box: LocalBox, ctx: int = 8192, quant: str = "Q4_K_M", kv_type: str = "f16") -> pd.DataFrame:
    """Which catalog models fit the box at ``ctx`` (notebook ``05_tco``)."""
    rows = []
    for name in vram.catalog().index:
        e = vram.estimate(name, ctx, quant, kv_type)
        rows.append({"model": name, "params_B": round(vram.param_count(vram.from_catalog(name)) / 1e9, 1),
                     "needs_gib": round(e.total_bytes / vram.GIB, 1),
                     "fits": e.total_bytes <= box.memory_gib * vram.GIB})
    return pd.DataFrame(rows).set_index("model").sort_values("params_B")


def capacity(box: LocalBox, local_model: str, w: Workload, ctx: int = 32768, quant: str = "Q4_K_M",
             parallel: int = 1, decode_efficiency: float | None = None, prefill_speedup: float | None = None) -> dict:
    """Tasks per day the box can serve, from the memory-bandwidth bound (notebook ``05_tco``).

    Decode tokens/s ≈ bandwidth ÷ bytes read per step × ``decode_efficiency`` ×
    sequences; prefill runs ``prefill_speedup`` times faster. Both factors are
    assumptions (``data/tco_defaults.csv``), stated in the result.
    """
    eff = _d("decode_efficiency") if decode_efficiency is None else decode_efficiency
    pre = _d("prefill_speedup") if prefill_speedup is None else prefill_speedup
    a = vram.from_catalog(local_model)
    est = vram.estimate(a, ctx, quant, parallel=parallel)
    if est.total_bytes > box.memory_gib * vram.GIB:
        return {"fits": False, "tasks_per_day": 0.0, "decode_tok_s": 0.0,
                "note": f"{local_model} needs {est.total_bytes / vram.GIB:.1f} GiB; the box has {box.memory_gib:g}"}
    active = (a.experts_active / a.experts) if a.experts else 1.0
    per_gpu = vram.decode_tokens_per_s_bound(est, box.gpu, batch=parallel, active_fraction=max(active, 0.05))
    decode = per_gpu * eff  # layers split across GPUs run one after another: no speed-up from n_gpus
    seconds = w.output_tokens / decode + w.input_tokens / (decode * pre)
    per_day = 86_400 / seconds * (box.utilisation if box.utilisation else 1)
    return {"fits": True, "tasks_per_day": float(per_day), "decode_tok_s": float(decode), "seconds_per_task": float(seconds),
            "note": f"bandwidth bound × {eff:g} efficiency; prefill {pre:g}× decode; busy {box.utilisation:.0%} of the day"}


# --- break-even, sensitivity, hybrid -------------------------------------------------------------
def break_even_tasks_per_day(w: Workload, box: LocalBox) -> float:
    """Tasks per day above which the API bill exceeds the local TCO (local cost is fixed per month). Taught in notebook ``05_tco``."""
    per_task_cny = money.convert(api_cost_per_task(w), "CNY", w.as_of)
    if per_task_cny <= 0:
        return float("inf")
    return local_monthly(box)["monthly_cny"] / (per_task_cny * w.days_per_month)


def break_even_curve(w: Workload, box: LocalBox, max_tasks_per_day: float | None = None, points: int = 60) -> pd.DataFrame:
    """API and local monthly cost (CNY) against tasks per day, and tokens per month (notebook ``05_tco``)."""
    be = break_even_tasks_per_day(w, box)
    top = max_tasks_per_day or (be * 3 if np.isfinite(be) else 10_000)
    xs = np.linspace(0, top, points)
    per_task_cny = money.convert(api_cost_per_task(w), "CNY", w.as_of)
    local = local_monthly(box)["monthly_cny"]
    return pd.DataFrame({"tasks_per_day": xs,
                         "tokens_per_month_M": xs * w.days_per_month * (w.input_tokens + w.output_tokens) / 1e6,
                         "api_cny": xs * per_task_cny * w.days_per_month, "local_cny": local})


SENSITIVITY_INPUTS = ("gpu_price_cny", "life_months", "utilisation", "tariff_cny_kwh", "ops_hours_month",
                      "cache_hit_rate", "input_tokens", "output_tokens")


def sensitivity(w: Workload, box: LocalBox, change: float = 0.5) -> pd.DataFrame:
    """How far the break-even moves when each input moves by ±``change`` (notebook ``05_tco``).

    Amounts move by ±``change`` of their value; fractions (utilisation, cache-hit
    rate) move by ±``change`` points, kept between 0 and 1.
    """
    base = break_even_tasks_per_day(w, box)
    rows = []
    for name in SENSITIVITY_INPUTS:
        out = {}
        for label, f in (("low", 1 - change), ("high", 1 + change)):
            fraction = name in ("utilisation", "cache_hit_rate")  # moved by ±change points, kept in [0, 1]
            target = box if hasattr(box, name) else w
            v = getattr(target, name)
            v = min(max(v + (f - 1), 0.0), 1.0) if fraction else v * f
            if "tokens" in name:
                v = int(v)
            if target is box:
                out[label] = break_even_tasks_per_day(w, replace(box, **{name: v}))
            else:
                out[label] = break_even_tasks_per_day(replace(w, **{name: v}), box)
        rows.append({"input": name, "break-even at -%d%%" % (change * 100): out["low"],
                     "break-even at +%d%%" % (change * 100): out["high"], "swing": abs(out["high"] - out["low"])})
    df = pd.DataFrame(rows).set_index("input").sort_values("swing", ascending=False)
    df.attrs["base"] = base
    return df


def hybrid(w: Workload, box: LocalBox, local_share: float, fallback: Workload | None = None,
           local_model: str | None = None) -> dict:
    """Local for the bulk, a cloud API for the hard share (混合架构) (notebook ``05_tco``).

    With ``local_model``, the box takes at most its capacity (:func:`capacity`); tasks beyond it go to the
    API too (``overflow_tasks_per_day``), so a share the box cannot serve is never counted as served."""
    if not 0 <= local_share <= 1:
        raise ValueError(f"local_share: expected a fraction between 0 and 1, got {local_share!r}")
    wanted = w.tasks_per_day * local_share
    served = wanted
    if local_model is not None and local_share > 0:
        served = min(wanted, capacity(box, local_model, w)["tasks_per_day"])
    api_w = replace(fallback or w, tasks_per_day=w.tasks_per_day - served)
    api = api_monthly(api_w)["monthly_cny"]
    local = local_monthly(box)["monthly_cny"] if local_share > 0 else 0.0
    return {"local_share": local_share, "local_tasks_per_day": served, "overflow_tasks_per_day": wanted - served,
            "local_cny": local, "api_cny": api, "total_cny": local + api,
            "all_api_cny": api_monthly(fallback and replace(fallback, tasks_per_day=w.tasks_per_day) or w)["monthly_cny"]}


def source_4090_example() -> pd.DataFrame:
    """The source page's 4090 example worked through with capability made explicit (notebook ``05_tco``)."""
    box = LocalBox()
    tco = local_monthly(box)
    fits = runnable_models(box)
    biggest = fits[fits.fits].index[-1]
    ds = vram.estimate("deepseek-v3", 8192, "Q4_K_M")
    page_tco, page_api = _d("source_page_tco_cny_month"), _d("source_page_api_cny_month")
    rows = [
        {"item": "page: 1×4090 server, monthly TCO", "value": f"¥{page_tco:,.0f}", "course": f"¥{tco['monthly_cny']:,.0f} with the defaults "
         f"(hardware ¥{tco['hardware_cny']:,.0f} + power ¥{tco['power_cny']:,.0f} + ops ¥{tco['ops_cny']:,.0f}); "
         f"¥{tco['hardware_cny'] + tco['power_cny']:,.0f} without operations time"},
        {"item": "page: monthly API bill, DeepSeek-level", "value": f"¥{page_api:,.0f}", "course":
         f"{page_api / page_tco:.0f}× the page's box cost, yet the page says local can hardly win. Both hold only "
         "if the box cannot do the API model's work: compare equal capability."},
        {"item": "largest catalog model a 4090 runs (Q4, 8K)", "value": "", "course": biggest},
        {"item": "DeepSeek V3-class model at Q4, 8K", "value": "", "course": f"{ds.total_bytes / vram.GIB:,.0f} GiB: about "
         f"{int(np.ceil(ds.total_bytes / vram.GIB / 141))} H200s, not one 4090"},
    ]
    return pd.DataFrame(rows).set_index("item")
