"""Figures for the lessons. Each function returns a matplotlib Figure; the notebook shows it.

Every number plotted is computed by ``course_lib`` from ``data/``.
"""
from __future__ import annotations

from datetime import date, timedelta

import matplotlib.pyplot as plt
import numpy as np

from .billing import cost_tokens
from .prices import SOURCE_PAGE_MODELS, price_table, quote


def price_bars(as_of=None, models=SOURCE_PAGE_MODELS):
    """Input and output price per model, log scale (notebook ``01_token_billing``)."""
    t = price_table(models, as_of)
    fig, ax = plt.subplots(figsize=(8, 3.6))
    x = np.arange(len(t))
    ax.bar(x - 0.2, t["input"], 0.4, label="input")
    ax.bar(x + 0.2, t["output"], 0.4, label="output")
    ax.set_xticks(x, t.index, rotation=30, ha="right")
    ax.set_yscale("log")
    ax.set_ylabel("USD per 1M tokens (log)")
    ax.set_title(f"Input and output prices on {quote(models[0], as_of).as_of}")
    ax.legend()
    fig.tight_layout()
    return fig


def cache_hit_cost(turns, input_per_turn, output_per_turn, model, hit_rate, as_of=None, period="standard") -> float:
    """USD of an agent task with caching on, priced turn by turn as the agent is billed: the first turn finds nothing
    in the cache; each later turn reads ``hit_rate`` of its input from it; on a provider that bills cache writes
    (Anthropic) every input token not read is written for the next turn. ``hit_rate=None`` prices it with caching
    off. Taught in notebook ``01_token_billing``."""
    p = quote(model, as_of, period=period)
    if hit_rate is None:
        return turns * cost_tokens(p, input_per_turn, output_per_turn).total_usd
    total = 0.0
    for t in range(turns):
        read = int(hit_rate * input_per_turn) if t else 0
        write = input_per_turn - read if p.cache_write is not None else 0
        total += cost_tokens(p, input_per_turn, output_per_turn, cached=read, cache_write=write).total_usd
    return total


def cache_hit_curve(turns, input_per_turn, output_per_turn, models, as_of=None, period="standard"):
    """Cost of an agent task as the cache-hit rate goes from 0 to 100% (:func:`cache_hit_cost`: no hits on the
    first turn), each model beside its cost with caching off, dashed (notebook ``01_token_billing``)."""
    rates = np.linspace(0, 1, 21)
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    for m in models:
        ys = [cache_hit_cost(turns, input_per_turn, output_per_turn, m, r, as_of, period) for r in rates]
        line, = ax.plot(rates * 100, ys, marker=".", label=m)
        off = cache_hit_cost(turns, input_per_turn, output_per_turn, m, None, as_of, period)
        ax.axhline(off, color=line.get_color(), linestyle="--", linewidth=1, label=f"{m}, no caching")
    ax.set_xlabel("cache-hit rate from turn 2 (%)")
    ax.set_ylabel("USD per task")
    ax.set_yscale("log")
    ax.set_title(f"{turns} turns × ({input_per_turn:,} in + {output_per_turn:,} out): the bill against cache hits",
                 fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))  # outside: it covered a line from 85% up
    fig.tight_layout()
    return fig


def long_context_cliff(model="gpt-5.5", as_of=None, output_tokens=2_000, max_input=400_000):
    """Cost against input size, showing a whole-request tier (notebook ``01_token_billing``)."""
    xs = np.linspace(1_000, max_input, 400).astype(int)
    ys = [cost_tokens(model, int(x), output_tokens, as_of=as_of).total_usd for x in xs]
    fig, ax = plt.subplots(figsize=(7, 3.4))
    ax.plot(xs / 1000, ys)
    for start, _ in quote(model, as_of).tiers:
        ax.axvline(start / 1000, color="grey", linestyle="--")
        ax.annotate(f"> {start:,} tokens: whole request at the higher price", (start / 1000, max(ys) * 0.9),
                    xytext=(-250, 0), textcoords="offset points", fontsize=8)
    ax.set_xlabel("input tokens (thousands)")
    ax.set_ylabel("USD per call")
    ax.set_title(f"{model}: a long-context tier is a cliff, not a slope")
    fig.tight_layout()
    return fig


def price_timeline(model, start, end, input_tokens, output_tokens, cached=0, step_days=3):
    """One workload's bill over time, peak and off-peak (notebook ``01_token_billing``)."""
    d0, d1 = date.fromisoformat(str(start)), date.fromisoformat(str(end))
    days = [d0 + timedelta(days=i) for i in range(0, (d1 - d0).days + 1, step_days)]
    fig, ax = plt.subplots(figsize=(7, 3.4))
    for period in ("off-peak", "peak"):
        ys = [cost_tokens(model, input_tokens, output_tokens, cached=cached, as_of=d, period=period).total_usd
              for d in days]
        ax.step(days, ys, where="post", label=period)
    ax.set_ylabel("USD per task")
    ax.set_title(f"{model}: the same task priced on different dates")
    ax.legend()
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def amplification_bars(table):
    """V2/V1 and V3/V1 per model, from :func:`course_lib.review.amplification` (notebook ``02``)."""
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["v2/v1"], 0.4, label="V2 ÷ V1 (RAG)")
    ax.bar(x + 0.2, table["v3/v1"], 0.4, label="V3 ÷ V1 (agent)")
    ax.set_xticks(x, table.index, rotation=25, ha="right")
    ax.axhline(1, color="grey", linewidth=0.8)
    ax.set_ylabel("times the V1 bill")
    ax.set_title("Workflow amplification on the sample change")
    ax.legend()
    fig.tight_layout()
    return fig


def turns_chart(priced: dict, title: str):
    """Input tokens per turn (left) and cumulative cost (right) for priced profiles (notebook ``02``).

    ``priced`` maps a label to a DataFrame from :func:`course_lib.workflows.price_profile`.
    """
    fig, (a, b) = plt.subplots(1, 2, figsize=(9.5, 3.4))
    first = next(iter(priced.values()))
    a.bar(first.index, first["input_tokens"], color="tab:blue")
    a.set_xlabel("turn")
    a.set_ylabel("input tokens")
    a.set_title("input per turn: the history is re-sent")
    for label, df in priced.items():
        b.plot(df.index, df["cumulative_usd"], marker=".", label=label)
    b.set_xlabel("turn")
    b.set_ylabel("cumulative USD")
    b.set_title(title)
    b.legend()
    fig.tight_layout()
    return fig


def _finish(fig, margins: dict | None) -> None:
    """Lay the figure out: ``tight_layout`` (an extra draw) in the lessons, fixed margins in a calculator,
    where every change redraws and the extra draw is a third of the latency (benchmarks/widget_latency.py)."""
    if margins:
        fig.subplots_adjust(**margins)
    else:
        fig.tight_layout()


def memory_stack(estimates, labels=None, gpu_gib=None, title="GPU memory by term", margins=None):
    """Stacked bars of weights / KV / compute / overhead in GiB (notebook ``04_private_deployment``)."""
    GIB = 1024 ** 3
    labels = labels or [f"{e.model}\n{e.ctx // 1024}K" for e in estimates]
    fig, ax = plt.subplots(figsize=(8, 3.8))
    bottom = np.zeros(len(estimates))
    for attr, label in (("weights_bytes", "weights"), ("kv_bytes", "KV cache"), ("compute_bytes", "compute buffer"),
                        ("overhead_bytes", "runtime overhead")):
        vals = np.array([getattr(e, attr) / GIB for e in estimates])
        ax.bar(range(len(estimates)), vals, bottom=bottom, label=label)
        bottom += vals
    if gpu_gib:
        ax.axhline(gpu_gib, color="black", linestyle="--", linewidth=1)
        ax.annotate(f"{gpu_gib:g} GiB GPU", (len(estimates) - 0.5, gpu_gib), xytext=(0, 4),
                    textcoords="offset points", ha="right", fontsize=8)
    ax.set_xticks(range(len(estimates)), labels, fontsize=8)
    ax.set_ylabel("GiB")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    _finish(fig, margins)
    return fig


def kv_growth(models, contexts=(4096, 8192, 16384, 32768, 65536, 131072)):
    """KV cache against context, estimator (solid) and the plain formula (dashed) (notebook ``04``)."""
    from . import vram
    GIB = 1024 ** 3
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    for m in models:
        line, = ax.plot([c / 1024 for c in contexts], [vram.kv_bytes(m, c) / GIB for c in contexts], marker="o", label=m)
        ax.plot([c / 1024 for c in contexts], [vram.kv_bytes_plain_formula(m, c) / GIB for c in contexts],
                linestyle="--", color=line.get_color(), alpha=0.6)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xlabel("context (K tokens)")
    ax.set_ylabel("KV cache, GiB (f16)")
    ax.set_title("KV cache: estimator (solid) vs plain 2·L·H·d·ctx formula (dashed)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def measured_vs_estimate(df, x, measured, estimated, group=None, ylabel="MiB", title=""):
    """Measured points against estimator lines (notebook ``04_private_deployment``)."""
    fig, ax = plt.subplots(figsize=(7, 3.4))
    groups = df.groupby(group) if group else [("", df)]
    for name, g in groups:
        g = g.sort_values(x)
        line, = ax.plot(g[x], g[estimated], label=f"estimate {name}".strip())
        ax.scatter(g[x], g[measured], color=line.get_color(), marker="o", label=f"measured {name}".strip())
    ax.set_xlabel(x)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def break_even_chart(curve, capacity_tasks=None, title="API against local: monthly cost", margins=None):
    """API and local monthly cost against tasks per day, break-even and capacity marked (notebook ``05_tco``)."""
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    ax.plot(curve["tasks_per_day"], curve["api_cny"], label="API")
    ax.plot(curve["tasks_per_day"], curve["local_cny"],
            label="local (boxes the traffic needs)" if "boxes" in curve else "local (fixed per month)")
    cross = curve["api_cny"] >= curve["local_cny"]
    if cross.any():
        x0 = curve.loc[cross.idxmax(), "tasks_per_day"]
        ax.axvline(x0, color="grey", linestyle=":")
        ax.annotate("break-even", (x0, curve["local_cny"].iloc[0]), xytext=(5, 10), textcoords="offset points", fontsize=8)
    if capacity_tasks is not None:
        ax.axvspan(capacity_tasks, curve["tasks_per_day"].max(), color="red", alpha=0.08)
        ax.annotate("beyond the box's capacity", (capacity_tasks, ax.get_ylim()[1] * 0.9), xytext=(5, 0),
                    textcoords="offset points", fontsize=8, color="darkred")
    ax.set_xlabel("tasks per day")
    ax.set_ylabel("CNY per month")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left")
    sec = ax.secondary_xaxis("top", functions=(lambda x: x * curve["tokens_per_month_M"].iloc[-1] / max(curve["tasks_per_day"].iloc[-1], 1),
                                               lambda t: t * max(curve["tasks_per_day"].iloc[-1], 1) / curve["tokens_per_month_M"].iloc[-1]))
    sec.set_xlabel("million tokens per month", fontsize=8)
    _finish(fig, margins)
    return fig


def tornado(sens, title="What moves the break-even"):
    """Sensitivity of the break-even to each input (notebook ``05_tco``)."""
    base = sens.attrs.get("base")
    cols = [c for c in sens.columns if c.startswith("break-even")]
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    y = np.arange(len(sens))[::-1]
    for col, color in zip(cols, ("tab:blue", "tab:orange"), strict=False):
        ax.barh(y, sens[col] - base, left=base, color=color, alpha=0.8, label=col)
    ax.axvline(base, color="black", linewidth=1)
    ax.set_yticks(y, sens.index)
    ax.set_xlabel("break-even, tasks per day")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def real_runs_chart(growth, priced, run_ids, title: str = ""):
    """Real agent runs: median input per call (left) and the cumulative cost of a few runs (right).

    ``growth`` is :func:`course_lib.runs.growth`; ``priced`` is :func:`course_lib.runs.price_calls`.
    Taught in notebook ``02_review_assistant``.
    """
    fig, (a, b) = plt.subplots(1, 2, figsize=(9.5, 3.4))
    a.plot(growth.index, growth["median_input"], color="tab:blue", label="median")
    a.plot(growth.index, growth["p90_input"], color="tab:blue", linestyle="--", label="p90")
    a.set_xlabel("call number in the run")
    a.set_ylabel("input tokens of that call")
    a.set_title("each call re-sends the history")
    a.legend(loc="upper left")
    for rid in run_ids:
        r = priced[priced["run_id"] == rid]
        b.plot(r["call_index"] + 1, r["cum_usd"], marker=".", markersize=3, label=rid.rsplit("/", 1)[-1][:28])
    b.set_xlabel("calls so far")
    b.set_ylabel("cumulative USD")
    b.set_title(title or "cost accumulates faster than linearly")
    b.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def real_cost_histogram(totals, label: str, profile_usd: float | None = None):
    """Cost per real run with p50, p95 and, optionally, a fixed profile's cost for comparison.

    Taught in notebook ``02_review_assistant``."""
    fig, ax = plt.subplots(figsize=(7, 3.2))
    costs = totals["total_usd"]
    ax.hist(costs, bins=40, color="tab:blue", alpha=0.8)
    for q, style in ((0.5, "-"), (0.95, "--")):
        v = float(costs.quantile(q))
        ax.axvline(v, color="black", linestyle=style, label=f"p{round(q * 100)} ${v:.2f}")
    if profile_usd is not None:
        ax.axvline(profile_usd, color="tab:red", linestyle=":", label=f"page's 15×40K ${profile_usd:.2f}")
    ax.set_xlabel("USD per task (one real run)")
    ax.set_ylabel("runs")
    ax.set_title(f"{len(costs):,} real runs {label}".strip())
    ax.legend()
    fig.tight_layout()
    return fig


def _plain(text) -> str:
    """A label drawn as written: a ``$`` in a project or key name would start matplotlib's mathtext."""
    return str(text).replace("$", r"\$")


def bill_breakdown(bill, by: str = "model", title: str = ""):
    """A team's bill by one grouping, each bar split into what it is made of (notebook ``06_your_own_bill``)."""
    from .logs import COST_COLUMNS
    parts = list(COST_COLUMNS[:-1])
    names = {"input_usd": "uncached input", "cache_read_usd": "cache reads", "cache_write_usd": "cache writes",
             "output_usd": "output", "extras_usd": "searches, audio"}
    t = bill.by(by).sort_values("total_usd")
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(t) + 1.6))
    left = np.zeros(len(t))
    for c in parts:
        if t[c].sum() <= 0:
            continue
        ax.barh([_plain(k) for k in t.index], t[c], left=left, label=names[c])
        left += t[c].to_numpy()
    ax.set_xlabel("USD")
    ax.set_title(title or f"The bill by {by}: {len(t)} lines, USD {t['total_usd'].sum():,.2f}", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    _margins_for_labels(fig, ax)
    return fig


def _margins_for_labels(fig, ax, pad_pt: float = 1.08 * 10) -> None:
    """The margins ``tight_layout`` would give a one-axes bar chart, from the sizes of its tick labels, title and
    x label alone: ``tight_layout`` measures every artist and took about half the time of drawing the chart."""
    r = fig.canvas.get_renderer()
    to_in = 1 / fig.dpi
    def size(texts):   # widest and tallest of these texts, inches
        boxes = [t.get_window_extent(r) for t in texts if t.get_text()]
        return (max((b.width for b in boxes), default=0) * to_in, max((b.height for b in boxes), default=0) * to_in)
    pad = pad_pt / 72
    w, h = fig.get_size_inches()
    ytick_w, _ = size(ax.get_yticklabels())
    _, xtick_h = size(ax.get_xticklabels())
    tick = (ax.yaxis.majorTicks[0].get_tick_padding() + ax.yaxis.majorTicks[0].get_pad()) / 72 if ax.yaxis.majorTicks else 0
    title_above = (ax.title.get_window_extent(r).y1 - ax.get_window_extent(r).y1) * to_in if ax.get_title() else 0
    _, xlabel_h = size([ax.xaxis.label])
    edge = ax.get_window_extent(r).x1   # a last x tick label at the right end sticks out by half its width
    lo, hi = sorted(ax.get_xlim())
    shown = [t for t, x in zip(ax.get_xticklabels(), ax.get_xticks(), strict=True) if t.get_text() and lo <= x <= hi]
    overhang = max([0.0, *((t.get_window_extent(r).x1 - edge) * to_in for t in shown)])
    fig.subplots_adjust(left=(pad + ytick_w + tick) / w, right=1 - (pad + overhang) / w,
                        bottom=(pad + xlabel_h + ax.xaxis.labelpad / 72 + xtick_h + tick) / h,
                        top=1 - (pad + title_above) / h)


def lever_savings(table, title: str = "What each lever saves on this traffic"):
    """The what-if table as bars, largest saving on top (notebook ``06_your_own_bill``)."""
    t = table.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(t) + 1.4))
    ax.barh([_plain(k) for k in t["lever"]], t["saving_usd"], color="tab:green")
    for y, (usd, pct) in enumerate(zip(t["saving_usd"], t["saving_pct"], strict=True)):
        ax.text(usd, y, f"  {pct:.0%}" if abs(pct) >= 0.1 else f"  {pct:.1%}", va="center", fontsize=8)
    ax.set_xlabel("USD saved")
    ax.set_title(title, fontsize=10)
    ax.margins(x=0.15)
    fig.tight_layout()
    return fig
