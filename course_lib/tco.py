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
from functools import lru_cache

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
    if seconds == 0:  # a task of no tokens takes no time: unbounded, said so
        return {"fits": True, "tasks_per_day": float("inf"), "decode_tok_s": float(decode), "seconds_per_task": 0.0,
                "note": "a task of 0 tokens takes no time"}
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


def break_even_curve(w: Workload, box: LocalBox, max_tasks_per_day: float | None = None, points: int = 60,
                     capacity_tasks_per_day: float | None = None) -> pd.DataFrame:
    """API and local monthly cost (CNY) against tasks per day, and tokens per month (notebook ``05_tco``).

    With ``capacity_tasks_per_day`` the local side is as many boxes as each traffic needs (a staircase, column
    ``boxes``), so no local cost is shown beyond one box's capacity without the boxes that serve it."""
    be = break_even_tasks_per_day(w, box)
    top = max_tasks_per_day or (be * 3 if np.isfinite(be) else 10_000)
    xs = np.linspace(0, top, points)
    per_task_cny = money.convert(api_cost_per_task(w), "CNY", w.as_of)
    local = local_monthly(box)["monthly_cny"]
    out = pd.DataFrame({"tasks_per_day": xs,
                        "tokens_per_month_M": xs * w.days_per_month * (w.input_tokens + w.output_tokens) / 1e6,
                        "api_cny": xs * per_task_cny * w.days_per_month, "local_cny": local})
    if capacity_tasks_per_day is not None:
        n = [boxes_needed(float(x), capacity_tasks_per_day) for x in xs]
        out["boxes"] = [max(k, 1) if k is not None else None for k in n]
        out["local_cny"] = [local * k if k is not None else np.nan for k in out["boxes"]]
    return out


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
           local_model: str | None = None, capacity_tasks_per_day: float | None = None) -> dict:
    """Local for the bulk, a cloud API for the hard share (混合架构) (notebook ``05_tco``).

    With ``local_model``, the box takes at most its capacity (``capacity_tasks_per_day``, e.g. from
    :func:`capacity_at_slo`; default :func:`capacity` at batch 1); tasks beyond it go to the API too
    (``overflow_tasks_per_day``), so a share the box cannot serve is never counted as served."""
    if not 0 <= local_share <= 1:
        raise ValueError(f"local_share: expected a fraction between 0 and 1, got {local_share!r}")
    wanted = w.tasks_per_day * local_share
    served = wanted
    if local_model is not None and local_share > 0:
        cap = capacity(box, local_model, w)["tasks_per_day"] if capacity_tasks_per_day is None else capacity_tasks_per_day
        served = min(wanted, cap)
    api_w = replace(fallback or w, tasks_per_day=w.tasks_per_day - served)
    api = api_monthly(api_w)["monthly_cny"]
    local = local_monthly(box)["monthly_cny"] if local_share > 0 else 0.0
    return {"local_share": local_share, "local_tasks_per_day": served, "overflow_tasks_per_day": wanted - served,
            "local_cny": local, "api_cny": api, "total_cny": local + api,
            "all_api_cny": api_monthly(fallback and replace(fallback, tasks_per_day=w.tasks_per_day) or w)["monthly_cny"]}


def source_570_reconstruction() -> pd.DataFrame:
    """What the page's "1×4090 server, about ¥570 a month" can have counted, each part at the course's defaults
    (``data/tco_defaults.csv``); the page does not say (notebook ``05_tco``)."""
    box, page = LocalBox(), _d("source_page_tco_cny_month")
    m = local_monthly(box)
    card = box.gpu_price_cny / box.life_months
    no_pue = m["power_cny"] / box.pue
    rows = [("card + host over 36 months, nothing else", m["hardware_cny"]),
            ("card alone over 36 months + power (PUE 1.0)", card + no_pue),
            ("card alone over 36 months + power (PUE 1.3)", card + m["power_cny"]),
            ("card + host + power, no operations", m["hardware_cny"] + m["power_cny"]),
            ("the course's full TCO: + 4 h/month of operations", m["monthly_cny"])]
    out = pd.DataFrame(rows, columns=["what is counted", "CNY per month"]).set_index("what is counted")
    out["÷ page's ¥570"] = out["CNY per month"] / page
    left = page - m["hardware_cny"]
    out.attrs["power_left_kwh"] = left / box.tariff_cny_kwh
    out.attrs["power_left_watts"] = left / box.tariff_cny_kwh / box.pue * 1000 / (24 * 30)
    return out


def default_slo() -> tuple[float, float]:
    """Lesson 05's latency target, p95 TTFT in s and p95 TPOT in ms (assumptions in ``data/tco_defaults.csv``);
    taught in notebook ``05_tco``."""
    return _d("slo_ttft_s"), _d("slo_tpot_ms")


def source_4090_example(local_model: str = "qwen2.5-14b", w: Workload | None = None) -> pd.DataFrame:
    """The source page's 4090 example worked through with capability, latency and capacity made explicit
    (notebook ``05_tco``)."""
    box = LocalBox()
    tco = local_monthly(box)
    fits = runnable_models(box)
    biggest = fits[fits.fits].index[-1]
    ds = vram.estimate("deepseek-v3", 8192, "Q4_K_M")
    page_tco, page_api = _d("source_page_tco_cny_month"), _d("source_page_api_cny_month")
    rec = source_570_reconstruction()
    w = w or Workload(model="deepseek-v4-flash")
    ttft, tpot = default_slo()
    cap = capacity_at_slo(box_curve(box, local_model, w), ttft, tpot)["capacity_tasks_per_day"]
    rows = [
        {"item": "page: 1×4090 server, monthly TCO", "value": f"¥{page_tco:,.0f}", "course": f"¥{tco['monthly_cny']:,.0f} with the defaults "
         f"(hardware ¥{tco['hardware_cny']:,.0f} + power ¥{tco['power_cny']:,.0f} + ops ¥{tco['ops_cny']:,.0f}); "
         f"¥{tco['hardware_cny'] + tco['power_cny']:,.0f} without operations time"},
        {"item": "page's ¥570, reconstructed", "value": "", "course": f"the hardware alone is ¥{tco['hardware_cny']:,.0f}, "
         f"leaving ¥{page_tco - tco['hardware_cny']:,.0f} for power: {rec.attrs['power_left_kwh']:,.0f} kWh a month, an "
         f"average draw of {rec.attrs['power_left_watts']:,.0f} W where the box draws "
         f"{tco['kwh'] / box.pue * 1000 / 720:,.0f} W; so ¥570 is about the hardware alone, without operations"},
        {"item": "page: monthly API bill, DeepSeek-level", "value": f"¥{page_api:,.0f}", "course":
         f"{page_api / page_tco:.0f}× the page's box cost, yet the page says local can hardly win. Both hold only "
         "if the box cannot do the API model's work: compare equal capability."},
        {"item": "largest catalog model a 4090 runs (Q4, 8K)", "value": "", "course": biggest},
    ]
    per_task = money.convert(api_cost_per_task(w), "CNY", w.as_of) * w.days_per_month
    tasks = page_api / per_task
    n = boxes_needed(tasks, cap)
    rows.append({"item": f"page's ¥8,000 on {w.model}, as tasks", "value": "", "course":
                 f"{tasks:,.0f} tasks/day of {w.input_tokens:,} + {w.output_tokens:,} tokens; one 4090 with {local_model} "
                 f"serves {cap:,.0f} a day at p95 TTFT ≤ {ttft:g} s: {n} boxes, ¥{n * tco['monthly_cny']:,.0f} a month "
                 f"(¥{n * (tco['hardware_cny'] + tco['power_cny']):,.0f} without operations)"})
    rows.append({"item": "DeepSeek V3-class model at Q4, 8K", "value": "", "course": f"{ds.total_bytes / vram.GIB:,.0f} GiB: about "
                 f"{int(np.ceil(ds.total_bytes / vram.GIB / 141))} H200s, not one 4090"})
    return pd.DataFrame(rows).set_index("item")


# --- serving under load: capacity from a measured throughput curve ----------------------------------------------
#: The columns of a load curve, as ``python -m course_lib loadtest --json`` writes its levels.
CURVE_COLUMNS = ("concurrency", "ttft_p50_s", "ttft_p95_s", "tpot_p50_ms", "tpot_p95_ms", "output_tok_s")
H200_CURVE = "measured/h200_llamacpp/conc.jsonl"
#: the same H200 sweep at the review workload's own request shape (25,000 + 800 tokens, 4 slots)
H200_REVIEW_CURVE = "measured/h200_llamacpp/conc_review.jsonl"


@dataclass(frozen=True)
class Curve:
    """Throughput and latency against concurrency, for requests of one shape (notebook ``05_tco``).

    ``levels`` has one row per concurrency level with :data:`CURVE_COLUMNS` (p50/p95 time to first token
    in seconds, queueing included; p50/p95 time per output token in ms; aggregate output tokens/s).
    ``prompt_tokens`` and ``output_tokens`` are one request's. ``source`` says where the figures come from.
    """

    levels: pd.DataFrame
    prompt_tokens: int
    output_tokens: int
    source: str
    gpu: str | None = None
    model: str | None = None

    def __post_init__(self):
        missing = [c for c in CURVE_COLUMNS if c not in self.levels.columns]
        if missing:
            raise ValueError(f"levels: missing column(s) {missing}; a curve needs {list(CURVE_COLUMNS)}")
        if self.levels.empty:
            raise ValueError("levels: the curve has no concurrency level")
        for name in ("prompt_tokens", "output_tokens"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or v < 0:
                raise ValueError(f"{name}: expected a whole number of tokens per request, got {v!r}")
        if self.prompt_tokens + self.output_tokens == 0:
            raise ValueError("prompt_tokens: a request of 0 prompt and 0 output tokens has no speed to measure")
        c = self.levels["concurrency"]
        if (c < 1).any() or c.duplicated().any():
            raise ValueError("concurrency: expected distinct levels of at least 1 request")
        object.__setattr__(self, "levels", self.levels.sort_values("concurrency").reset_index(drop=True))

    def table(self) -> pd.DataFrame:
        """The levels with what follows from them: requests/s, time in system, and Little's law checked.

        Requests/s = output tokens/s ÷ output tokens per request. Time in system W = TTFT + (output tokens − 1) ×
        TPOT (p50). Little's law, L = λ × W: requests in the system = arrival rate × time each spends there; in a
        closed-loop sweep L is the concurrency, so ``little_L`` (λ × W) should come out close to it.
        Taught in notebook ``05_tco``.
        """
        t = self.levels[list(CURVE_COLUMNS)].copy()
        t["requests_per_s"] = t["output_tok_s"] / self.output_tokens if self.output_tokens else np.nan
        t["time_in_system_s"] = t["ttft_p50_s"] + max(self.output_tokens - 1, 0) * t["tpot_p50_ms"] / 1000
        t["little_L"] = t["requests_per_s"] * t["time_in_system_s"]
        return t


def load_curve(path=None, model: str | None = None, prompt_tokens: int | None = None,
               output_tokens: int | None = None, gpu: str | None = None) -> Curve:
    """A load curve from a file (notebook ``05_tco``).

    Reads three shapes: the H200 sweep's JSON Lines (``data/measured/h200_llamacpp/conc.jsonl``: one line per
    model and level, with the request shape; pick one with ``model``), the JSON that ``python -m course_lib
    loadtest --json`` writes (``{"levels": [...], ...}``), or a CSV with :data:`CURVE_COLUMNS`. Where the file does
    not say the tokens per request, pass ``prompt_tokens`` and ``output_tokens``. Default: the H200 sweep of
    Llama 3.1 8B (the GPU is then "H200 SXM").
    """
    import json
    from pathlib import Path

    from .data import DATA_DIR
    if path is None:
        path, model, gpu = DATA_DIR / H200_CURVE, model or "llama-3.1-8b", gpu or "H200 SXM"
    path = Path(path)
    if not path.exists():
        raise ValueError(f"curve: no file {path}")
    text = path.read_text(encoding="utf-8")
    meta: dict = {}
    if path.suffix == ".csv":
        levels = pd.read_csv(path, comment="#")
    else:
        try:
            doc = json.loads(text)
            rows = doc["levels"] if isinstance(doc, dict) else doc
            meta = {k: v for k, v in doc.items() if k != "levels"} if isinstance(doc, dict) else {}
            for key in ("run", "server", "request", "config"):  # loadtest --json keeps the request shape in "run"
                if isinstance(meta.get(key), dict):
                    meta = {**meta[key], **meta}
        except json.JSONDecodeError:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        except (KeyError, TypeError):
            raise ValueError(f"curve: {path.name} is JSON without a 'levels' list") from None
        levels = pd.DataFrame(rows)
    if "model" in levels.columns:
        names = sorted(levels["model"].dropna().unique())
        if model is None and len(names) > 1:
            raise ValueError(f"model: {path.name} holds several models {names}; pick one")
        if model is not None:
            if model not in names:
                raise ValueError(f"model: {model!r} is not in {path.name}; it has {names}")
            levels = levels[levels["model"] == model]
        model = model or (names[0] if names else None)
    levels = levels.rename(columns={"out_tok_s": "output_tok_s", "in_tok_s": "input_tok_s"})

    def shape(name, *keys):
        for k in keys:
            if k in levels.columns and levels[k].nunique() == 1:
                return int(levels[k].iloc[0])
            if k in meta:
                return int(meta[k])
        return None

    p = prompt_tokens if prompt_tokens is not None else shape("prompt_tokens", "prompt_tokens")
    o = output_tokens if output_tokens is not None else shape("output_tokens", "output_tokens", "gen_tokens")
    if p is None or o is None:
        raise ValueError(f"prompt_tokens: {path.name} does not say the tokens per request; pass prompt_tokens= and "
                         "output_tokens=")
    notes = []
    if "errors" in levels.columns:  # a count (loadtest) or a list of messages (the H200 sweep)
        n_err = levels["errors"].map(lambda e: len(e) if isinstance(e, list) else (0 if pd.isna(e) else int(e)))
        if (n_err > 0).any():
            notes.append(f"levels with errors: {levels.loc[n_err > 0, 'concurrency'].tolist()}")
    failed = levels[list(CURVE_COLUMNS)].isna().any(axis=1)
    if failed.any():  # a level where no request succeeded has no latency: it cannot meet any target
        notes.append(f"levels without a measurement dropped: {levels.loc[failed, 'concurrency'].tolist()}")
        levels = levels[~failed]
    source_note = "; " + "; ".join(notes) if notes else ""
    return Curve(levels.reset_index(drop=True), int(p), int(o), f"{path.name}{f' ({model})' if model else ''}"
                 f"{source_note}", gpu=gpu, model=model)


def rescale_curve(curve: Curve, prompt_tokens: int, output_tokens: int, prefill_tok_s: float | None = None,
                  decode_tok_s: float | None = None, gpu: str | None = None, model: str | None = None,
                  max_concurrency: int | None = None) -> Curve:
    """A measured curve carried to another request shape, and optionally to another box (notebook ``05_tco``).

    The measured curve gives the **shape**: at each level, TTFT as a multiple of one request's prefill at
    concurrency 1, and TPOT as a multiple of one decode step at concurrency 1. The target's own speeds at
    concurrency 1 (``prefill_tok_s``, ``decode_tok_s``; default: the curve's own, ``prompt_tokens ÷ TTFT`` and
    ``1000 ÷ TPOT``) turn the multiples back into seconds for requests of ``prompt_tokens`` and ``output_tokens``.
    Throughput follows from Little's law in the closed loop: requests/s = concurrency ÷ time in system.
    Levels above ``max_concurrency`` (what fits in memory) are dropped. An approximation, and said so in
    ``source``: a mix with longer prompts spends more of each step on prefill than the measured one did.
    """
    for name, v in (("prompt_tokens", prompt_tokens), ("output_tokens", output_tokens)):
        if not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{name}: expected a whole number of tokens per request, got {v!r}")
    lv = curve.levels
    one = lv.iloc[0]
    if int(one["concurrency"]) != 1:
        raise ValueError("concurrency: rescaling needs the curve's level 1 (one request alone)")
    own_prefill = curve.prompt_tokens / float(one["ttft_p50_s"])
    own_decode = 1000 / float(one["tpot_p50_ms"])
    pre = own_prefill if prefill_tok_s is None else float(prefill_tok_s)
    dec = own_decode if decode_tok_s is None else float(decode_tok_s)
    if pre <= 0 or dec <= 0:
        raise ValueError("prefill_tok_s: speeds must be positive")
    out = pd.DataFrame({"concurrency": lv["concurrency"]})
    for p in ("p50", "p95"):
        out[f"ttft_{p}_s"] = lv[f"ttft_{p}_s"] / float(one["ttft_p50_s"]) * prompt_tokens / pre
        out[f"tpot_{p}_ms"] = lv[f"tpot_{p}_ms"] / float(one["tpot_p50_ms"]) * 1000 / dec
    w_s = out["ttft_p50_s"] + max(output_tokens - 1, 0) * out["tpot_p50_ms"] / 1000
    out["output_tok_s"] = out["concurrency"] / w_s * output_tokens
    if max_concurrency is not None:
        out = out[out["concurrency"] <= max_concurrency]
        if out.empty:
            raise ValueError(f"max_concurrency: {max_concurrency} is below the curve's first level")
    how = (f"{curve.source} rescaled to {prompt_tokens:,} + {output_tokens:,} tokens per request at "
           f"{pre:,.0f} prompt and {dec:,.1f} decode tokens/s alone (the measured curve: {own_prefill:,.0f} and "
           f"{own_decode:,.1f}); levels up to {int(out['concurrency'].max())}")
    return Curve(out.reset_index(drop=True), int(prompt_tokens), int(output_tokens), how,
                 gpu=gpu or curve.gpu, model=model or curve.model)


def max_concurrency(box: LocalBox | str, local_model: str, prompt_tokens: int, output_tokens: int,
                    quant: str = "Q4_K_M", kv_type: str = "f16", flash_attention: bool = True) -> int:
    """How many requests of this shape llama.cpp can hold at once on the box (or a GPU of ``data/gpus.csv``):
    each slot holds prompt + output tokens (``-c`` = slots × that, ``-np`` = slots), lesson 04's estimator
    (notebook ``05_tco``)."""
    memory_gib = box.memory_gib if isinstance(box, LocalBox) else float(vram.gpu(box)["memory_gib"])
    per_slot = max(prompt_tokens + output_tokens, 1)
    n = 0
    while n < 256:
        r = vram.serve(local_model, per_slot * (n + 1), n + 1, "llama.cpp", quant=quant, kv_type=kv_type,
                       flash_attention=flash_attention)
        if r["total_bytes"] > memory_gib * vram.GIB:
            break
        n += 1
    return n


def batch1_speeds(box: LocalBox, local_model: str, w: Workload, quant: str = "Q4_K_M") -> dict:
    """One request alone on the box: decode tokens/s from the bandwidth bound × ``decode_efficiency`` and prefill
    at ``prefill_speedup`` × decode, both from ``data/tco_defaults.csv`` (notebook ``05_tco``)."""
    c = capacity(box, local_model, w, ctx=max(w.input_tokens + w.output_tokens, 1), quant=quant)
    if not c["fits"]:
        raise ValueError(f"local_model: {c['note']}")
    return {"decode_tok_s": c["decode_tok_s"], "prefill_tok_s": c["decode_tok_s"] * _d("prefill_speedup"),
            "note": c["note"].split(";")[0] + f"; prefill {_d('prefill_speedup'):g}× decode"}


def request_shape_check(model: str = "llama-3.1-8b") -> pd.DataFrame:
    """The short-request H200 curve carried to the review's request shape, beside the curve measured at that shape
    (notebook ``05_tco``).

    :func:`rescale_curve` keeps the 1,024 + 128-token sweep's shape at the model's own speed alone; the same server
    was measured at 25,000 + 800 tokens (``data/measured/h200_llamacpp/conc_review.jsonl``). Level by level:
    requests/s, p95 TTFT and p95 TPOT, predicted and measured, and each ratio measured ÷ predicted.
    """
    return _request_shape_check(model).copy()


# what a predicted curve is held to, level by level: the name shown, the column of Curve.table(), its unit
_CHECKED = {"requests/s": ("requests_per_s", ""), "p95 TTFT": ("ttft_p95_s", ", s"), "p95 TPOT": ("tpot_p95_ms", ", ms")}


def _predicted_beside_measured(pred: Curve, meas: Curve, what: tuple[str, ...]) -> pd.DataFrame:
    """A carried-over curve beside a measured one, at the levels both have: each quantity of ``what`` predicted and
    measured, then each ratio **measured ÷ predicted** (one direction for every check: above 1 the measurement is
    higher than the prediction; the TTFT and TPOT ratios are the factors :func:`correct_for_long_prompts` applies).
    Shared by :func:`request_shape_check` and :func:`shape_transfer_check`."""
    p, m = pred.table().set_index("concurrency"), meas.table().set_index("concurrency")
    cols = {}
    for name in what:
        col, unit = _CHECKED[name]
        cols[f"predicted {name}{unit}"], cols[f"measured {name}{unit}"] = p[col], m[col]
    out = pd.DataFrame(cols).dropna()
    for name in what:
        unit = _CHECKED[name][1]
        out[f"{name}, measured ÷ predicted"] = out[f"measured {name}{unit}"] / out[f"predicted {name}{unit}"]
    return out


@lru_cache(maxsize=8)
def _request_shape_check(model: str) -> pd.DataFrame:
    """:func:`request_shape_check`, kept: every box curve (each move of the break-even widget) applies it."""
    from .data import DATA_DIR
    meas = load_curve(DATA_DIR / H200_REVIEW_CURVE, model=model, gpu="H200 SXM")
    sweep = load_curve(model=model)
    pred = rescale_curve(sweep, meas.prompt_tokens, meas.output_tokens)
    out = _predicted_beside_measured(pred, meas, ("requests/s", "p95 TTFT", "p95 TPOT"))
    out.attrs.update(model=model, prompt_tokens=meas.prompt_tokens, output_tokens=meas.output_tokens,
                     sweep_prompt_tokens=sweep.prompt_tokens)
    return out


def correct_for_long_prompts(curve: Curve, model: str = "llama-3.1-8b") -> Curve:
    """A curve carried from the short-request sweep, corrected by what the H200 measured at long prompts
    (notebook ``05_tco``).

    At the review's 25,000-token prompts the carried curve promised more than the server gave
    (:func:`request_shape_check`): decode is slower behind a long context, and long prefills stall the other
    slots. Each level's TTFT and TPOT are multiplied by the measured ÷ predicted ratio of their p95 at that level
    (requests/s then follows from Little's law), weighted by how far the request's prompt lies from the sweep's (1,024 tokens: weight 0, unchanged) to the
    measured long shape (25,000 and more: weight 1). The linear weight between the two is an assumption (two
    measured shapes, nothing between). Levels the long-prompt run did not measure (above 4 at once) are dropped
    where the weight is above 0: a capacity is never read off an unchecked level.
    """
    chk = request_shape_check(model)
    lo, hi = chk.attrs["sweep_prompt_tokens"], chk.attrs["prompt_tokens"]
    weight = min(max((curve.prompt_tokens - lo) / (hi - lo), 0.0), 1.0)
    if weight == 0:
        return curve
    lv = curve.levels[curve.levels["concurrency"].isin(chk.index)].copy()
    if lv.empty:
        raise ValueError(f"curve: none of its levels {list(curve.levels['concurrency'])} was measured at long prompts "
                         f"(levels {list(chk.index)})")
    f = chk.loc[lv["concurrency"]].reset_index(drop=True)
    lv = lv.reset_index(drop=True)
    scale = {k: 1 + weight * (f[col] - 1) for k, col in (("ttft", "p95 TTFT, measured ÷ predicted"),
                                                         ("tpot", "p95 TPOT, measured ÷ predicted"))}
    for p in ("p50", "p95"):
        lv[f"ttft_{p}_s"] *= scale["ttft"]
        lv[f"tpot_{p}_ms"] *= scale["tpot"]
    # throughput follows from the times by Little's law in the closed loop, as in rescale_curve
    w_s = lv["ttft_p50_s"] + max(curve.output_tokens - 1, 0) * lv["tpot_p50_ms"] / 1000
    lv["output_tok_s"] = lv["concurrency"] / w_s * curve.output_tokens
    how = (f"{curve.source}; corrected for long prompts by the H200 run at {hi:,} + {chk.attrs['output_tokens']:,} "
           f"tokens ({model}, measured ÷ carried, weight {weight:.2f} by prompt length: an assumption)")
    return Curve(lv, curve.prompt_tokens, curve.output_tokens, how, gpu=curve.gpu, model=curve.model)


def box_curve(box: LocalBox, local_model: str, w: Workload, measured: Curve | None = None,
              quant: str = "Q4_K_M", kv_type: str = "f16") -> Curve:
    """The box's curve for the workload: the measured curve's shape (default: the H200 sweep of Llama 3.1 8B,
    then corrected for long prompts by :func:`correct_for_long_prompts`, as is any copy of that sweep), the box's own speed alone
    (:func:`batch1_speeds`), and no more requests at once than fit in its memory (:func:`max_concurrency`).
    Taught in notebook ``05_tco``."""
    sweep = load_curve()  # the H200 short-request sweep that the long-prompt run checked
    measured = measured or sweep
    checked = (measured.model, measured.gpu, measured.prompt_tokens, measured.output_tokens) == \
        (sweep.model, sweep.gpu, sweep.prompt_tokens, sweep.output_tokens)
    s = batch1_speeds(box, local_model, w, quant)
    n = max_concurrency(box, local_model, w.input_tokens, w.output_tokens, quant, kv_type)
    if n < 1:
        raise ValueError(f"local_model: one request of {w.input_tokens + w.output_tokens:,} tokens of {local_model} "
                         f"does not fit the {box.gpu}")
    curve = rescale_curve(measured, w.input_tokens, w.output_tokens, s["prefill_tok_s"], s["decode_tok_s"],
                          gpu=box.gpu, model=local_model, max_concurrency=n)
    return correct_for_long_prompts(curve, sweep.model) if checked else curve


def capacity_at_slo(curve: Curve, slo_ttft_s: float | None = None, slo_tpot_ms: float | None = None,
                    peak_factor: float | None = None, headroom: float | None = None) -> dict:
    """Capacity at a latency target, from a throughput curve (notebook ``05_tco``).

    The level used is the one with the most requests/s among those whose p95 time to first token is at most
    ``slo_ttft_s`` (and p95 time per output token at most ``slo_tpot_ms``, if given): on a rising curve the busiest
    of them; where a busier level serves fewer requests/s (long prompts on a small box), not that one. Its requests/s, less ``headroom``, is what the box may take
    in the **peak** hour; a day holds ``86,400 ÷ peak_factor`` seconds of that rate (size for the peak, not the
    daily average). Defaults for both from ``data/tco_defaults.csv`` (assumptions). With no level meeting the
    target the capacity is 0 and ``reason`` says why.
    """
    pf = _d("peak_factor") if peak_factor is None else float(peak_factor)
    hr = _d("headroom") if headroom is None else float(headroom)
    if pf < 1:
        raise ValueError(f"peak_factor: the peak hour's rate ÷ the day's average is at least 1, got {pf!r}")
    if not 0 <= hr < 1:
        raise ValueError(f"headroom: expected a fraction from 0 up to (not including) 1, got {hr!r}")
    for name, v in (("slo_ttft_s", slo_ttft_s), ("slo_tpot_ms", slo_tpot_ms)):
        if v is not None and not (np.isfinite(v) and v > 0):
            raise ValueError(f"{name}: expected a positive number, got {v!r}")
    if curve.output_tokens == 0:
        raise ValueError("output_tokens: requests with no output token have no time per output token to meet")
    t = curve.table()
    ok = pd.Series(True, index=t.index)
    if slo_ttft_s is not None:
        ok &= t["ttft_p95_s"] <= slo_ttft_s
    if slo_tpot_ms is not None:
        ok &= t["tpot_p95_ms"] <= slo_tpot_ms
    target = " and ".join(s for s in (f"p95 TTFT ≤ {slo_ttft_s:g} s" if slo_ttft_s is not None else "",
                                       f"p95 TPOT ≤ {slo_tpot_ms:g} ms" if slo_tpot_ms is not None else "") if s) \
        or "no latency target"
    base = {"slo": target, "peak_factor": pf, "headroom": hr, "source": curve.source,
            "batch1_requests_per_s": float(t["requests_per_s"].iloc[0]) if t["concurrency"].iloc[0] == 1 else None}
    if not ok.any():
        best = t.iloc[0]
        return {**base, "meets_slo": False, "concurrency": None, "requests_per_s": 0.0, "capacity_tasks_per_day": 0.0,
                "ttft_p95_s": None, "tpot_p95_ms": None, "time_in_system_s": None, "little_L": None,
                "reason": f"no level meets {target}: at {int(best['concurrency'])} request(s) at once the p95 TTFT is "
                          f"{best['ttft_p95_s']:.2f} s and the p95 TPOT {best['tpot_p95_ms']:.1f} ms"}
    row = t[ok].loc[t[ok]["requests_per_s"].idxmax()]
    rps = float(row["requests_per_s"])
    return {**base, "meets_slo": True, "concurrency": int(row["concurrency"]), "requests_per_s": rps,
            "output_tok_s": float(row["output_tok_s"]),
            "ttft_p95_s": float(row["ttft_p95_s"]), "tpot_p95_ms": float(row["tpot_p95_ms"]),
            "time_in_system_s": float(row["time_in_system_s"]), "little_L": float(row["little_L"]),
            "peak_requests_per_s": rps * (1 - hr),
            "capacity_tasks_per_day": rps * (1 - hr) * 86_400 / pf, "reason": ""}


def utilisation(tasks_per_day: float, cap: dict) -> dict:
    """How busy the box is at a traffic: the peak hour's request rate ÷ the rate the curve measured at the
    target (ρ = λ ÷ μ), and the daily average's. Taught in notebook ``05_tco``."""
    if tasks_per_day < 0:
        raise ValueError(f"tasks_per_day: cannot be negative, got {tasks_per_day!r}")
    mu = cap["requests_per_s"]
    avg = tasks_per_day / 86_400
    peak = avg * cap["peak_factor"]
    return {"average_requests_per_s": avg, "peak_requests_per_s": peak,
            "peak_utilisation": peak / mu if mu else float("inf"), "average_utilisation": avg / mu if mu else float("inf")}


def boxes_needed(tasks_per_day: float, capacity_tasks_per_day: float) -> int | None:
    """Boxes for a traffic at a capacity per box; ``None`` when one box serves nothing at the target (notebook
    ``05_tco``)."""
    if tasks_per_day < 0:
        raise ValueError(f"tasks_per_day: cannot be negative, got {tasks_per_day!r}")
    if tasks_per_day == 0:
        return 0
    if not capacity_tasks_per_day or capacity_tasks_per_day <= 0:
        return None
    return int(np.ceil(tasks_per_day / capacity_tasks_per_day - 1e-9))


def local_cost_per_mtok(box: LocalBox, tasks_per_day: float, w: Workload, capacity_tasks_per_day: float) -> dict:
    """What a million local tokens (input + output) cost at a traffic, with the boxes that traffic needs: the
    boxes' monthly TCO ÷ the tokens served in the month. Falls as the load rises, up to each box's capacity.
    Taught in notebook ``05_tco``."""
    n = boxes_needed(tasks_per_day, capacity_tasks_per_day)
    if n is None:
        raise ValueError("capacity_tasks_per_day: the box serves no task at the target; no local price exists")
    monthly = local_monthly(box)["monthly_cny"] * n
    tokens = tasks_per_day * w.days_per_month * (w.input_tokens + w.output_tokens)
    cny = monthly / tokens * 1e6 if tokens else float("inf")
    return {"boxes": n, "monthly_cny": monthly, "tokens_per_month": tokens, "cny_per_mtok": cny,
            "usd_per_mtok": cny / money.fx_rate(w.as_of).rate}


def verdict_by_traffic(w: Workload, box: LocalBox, capacity_tasks_per_day: float, tasks: list | np.ndarray) -> pd.DataFrame:
    """API against as many boxes as each traffic needs, monthly CNY (notebook ``05_tco``). The local side is a
    staircase: one box's TCO per ``capacity_tasks_per_day``."""
    per_task_cny = money.convert(api_cost_per_task(w), "CNY", w.as_of)
    one = local_monthly(box)["monthly_cny"]
    rows = []
    for x in tasks:
        n = boxes_needed(float(x), capacity_tasks_per_day)
        local = None if n is None else n * one
        api = float(x) * per_task_cny * w.days_per_month
        rows.append({"tasks_per_day": float(x), "boxes": n, "api_cny": api, "local_cny": local,
                     "cheaper": "no capacity" if n is None else ("local" if local < api else "api")})
    return pd.DataFrame(rows)


def local_pays_from(w: Workload, box: LocalBox, capacity_tasks_per_day: float, max_boxes: int = 1_000) -> dict:
    """Where the verdict flips, exactly (notebook ``05_tco``).

    With n boxes the local side costs n × TCO up to n × capacity; the API costs tasks × price. Local is cheaper on
    (n × break-even, n × capacity] for each n where that is not empty, which happens only when one box full to
    capacity costs less per task than the API. Returns the first traffic where local wins (``None`` if never)
    and the intervals.
    """
    be = break_even_tasks_per_day(w, box)
    cap = capacity_tasks_per_day
    if not cap or cap <= 0 or not np.isfinite(be):
        why = "the box serves no task at the target" if not cap or cap <= 0 else "the API costs nothing per task"
        return {"flips_at_tasks_per_day": None, "intervals": [], "break_even_one_box": None if not np.isfinite(be) else be,
                "reason": why}
    if be >= cap:
        return {"flips_at_tasks_per_day": None, "intervals": [], "break_even_one_box": be,
                "reason": f"one box pays only above {be:,.0f} tasks/day but serves at most {cap:,.0f}: adding boxes "
                          "adds the same cost per task, so local never wins"}
    intervals, n = [], 1
    while n <= max_boxes:
        lo, hi = n * be, n * cap
        if intervals and lo <= intervals[-1][1]:
            intervals[-1] = (intervals[-1][0], hi)
        else:
            intervals.append((lo, hi))
        if (n + 1) * be <= n * cap:  # from here on the intervals touch: local wins at every larger traffic
            intervals[-1] = (intervals[-1][0], float("inf"))
            break
        n += 1
    return {"flips_at_tasks_per_day": be, "intervals": intervals, "break_even_one_box": be,
            "reason": f"local is cheaper from {be:,.0f} tasks/day (one box) up to its capacity, and with more boxes "
                      "in the intervals listed"}


def rental_prices() -> pd.DataFrame:
    """Dated public prices for renting a GPU by the hour, each with who transcribed it (notebook ``05_tco``)."""
    return pd.DataFrame(data_rows("gpu_rental_prices.csv"))


def rented_monthly(usd_per_gpu_hour: float, n_gpus: int = 1, hours: float | None = None,
                   ops_hours_month: float | None = None, ops_rate_cny_hour: float | None = None,
                   as_of: str = str(DEFAULT_AS_OF)) -> dict:
    """A rented GPU for a month, CNY: the hourly price × hours (default: all 720 of them; no one rents a serving
    GPU by the task) + the same operations time an owned box needs; no hardware, power or hosting
    (notebook ``05_tco``)."""
    if not (usd_per_gpu_hour > 0 and np.isfinite(usd_per_gpu_hour)):
        raise ValueError(f"usd_per_gpu_hour: expected a positive price, got {usd_per_gpu_hour!r}")
    h = _d("hours_per_month") if hours is None else hours
    ops = (_d("ops_hours_month") if ops_hours_month is None else ops_hours_month) * \
        (_d("ops_rate_cny_hour") if ops_rate_cny_hour is None else ops_rate_cny_hour)
    rent = money.convert(usd_per_gpu_hour * n_gpus * h, "CNY", as_of)
    return {"rent_cny": rent, "ops_cny": ops, "monthly_cny": rent + ops}


def local_price_row(box: LocalBox, w: Workload, curve: Curve, cap: dict, on: str | None = None) -> dict:
    """A dated per-token price for a local model, from its TCO at its measured load (notebook ``05_tco``).

    At the traffic ``w.tasks_per_day`` (with the boxes it needs), the month's TCO is split between input and
    output by the box time each takes (prefill: prompt ÷ prefill speed; decode: output tokens × TPOT, from the
    curve at concurrency 1) and divided by the tokens of each kind. USD per million tokens, in the shape of a
    price-book row, so a bill can price local calls beside API calls: never $0 in silence.
    """
    n = boxes_needed(w.tasks_per_day, cap["capacity_tasks_per_day"])
    if n is None or n == 0 or not (w.input_tokens + w.output_tokens):
        raise ValueError("tasks_per_day: a local price needs some traffic and a box that serves it at the target")
    one = curve.levels.iloc[0]
    prefill_s = float(one["ttft_p50_s"]) * w.input_tokens / max(curve.prompt_tokens, 1)
    decode_s = w.output_tokens * float(one["tpot_p50_ms"]) / 1000
    share_in = prefill_s / (prefill_s + decode_s) if prefill_s + decode_s else 0.5
    usd = local_monthly(box)["monthly_usd"] * n
    month_tasks = w.tasks_per_day * w.days_per_month
    in_price = usd * share_in / (month_tasks * w.input_tokens) * 1e6 if w.input_tokens else 0.0
    out_price = usd * (1 - share_in) / (month_tasks * w.output_tokens) * 1e6 if w.output_tokens else 0.0
    return {"model": f"local:{curve.model or 'model'}@{box.gpu}", "as_of": on or w.as_of,
            "input_usd_per_mtok": in_price, "output_usd_per_mtok": out_price, "boxes": n,
            "tasks_per_day": w.tasks_per_day, "source": f"TCO of {n}× {box.gpu} at {w.tasks_per_day:,.0f} tasks/day; "
            f"input/output split by box time ({share_in:.0%} prefill); curve: {curve.source}"}


def local_price(model: str, gpu: str = "RTX 4090", tasks_per_day: float | None = None,
                name: str | None = None) -> dict:
    """A local model's dated price at its load on one kind of box, for a bill (notebook ``06_your_own_bill``).

    The lesson-05 chain with its defaults: the box (``data/tco_defaults.csv``, ``gpu``), the workload shape
    (:class:`Workload`; ``tasks_per_day`` the traffic), the box curve corrected for long prompts
    (:func:`box_curve`), capacity at the default latency target (:func:`capacity_at_slo`) and the boxes the
    traffic needs; then :func:`local_price_row`, under the name the log writes (``name``, default ``model``).
    """
    w = Workload() if tasks_per_day is None else Workload(tasks_per_day=tasks_per_day)
    box = LocalBox(gpu=gpu)
    curve = box_curve(box, model, w)
    row = local_price_row(box, w, curve, capacity_at_slo(curve, *default_slo()))
    return {**row, "model": name or model}


def shape_transfer_check(source_model: str = "llama-3.1-8b", target_model: str = "qwen2.5-32b") -> pd.DataFrame:
    """How well one measured curve's shape predicts another's (notebook ``05_tco``).

    :func:`rescale_curve` carries the source model's H200 curve to the target model's own speed alone (its level 1)
    and sets the prediction beside the target's measured curve, level by level: requests/s and p95 TTFT, and their
    ratios measured ÷ predicted (the direction :func:`request_shape_check` uses). A check across models on one GPU
    at one request shape; it does not check a change of request shape.
    """
    src, dst = load_curve(model=source_model), load_curve(model=target_model)
    one = dst.levels.iloc[0]
    pred = rescale_curve(src, dst.prompt_tokens, dst.output_tokens, prefill_tok_s=dst.prompt_tokens / float(one["ttft_p50_s"]),
                         decode_tok_s=1000 / float(one["tpot_p50_ms"]))
    out = _predicted_beside_measured(pred, dst, ("requests/s", "p95 TTFT"))
    out.attrs["models"] = (source_model, target_model)
    return out
