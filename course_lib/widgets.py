"""Interactive calculators for the classroom (ipywidgets). Each returns a widget to display.

The numbers come from ``course_lib``; the widgets only move the inputs.

Every calculator draws into two persistent widgets, an ``Image`` for its chart and an ``HTML`` for
its answer, and updates both synchronously from the controls' change events. It never re-creates
inline output: with ``interactive_output`` the first change of a control could arrive while the
output widget was still capturing the previous figure, and the learner saw a blank or half-drawn
chart (13 of 115 changes in the recorded session, issue 12). A PNG rendered off-screen and assigned
to ``Image.value`` is complete by construction. The answer repeats the inputs it was computed for
(``inputs: ...``), so the browser test can check it against ``course_lib`` for those very values.
"""
from __future__ import annotations

import html
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import ipywidgets as W

_STYLE = {"description_width": "initial"}  # labels whole, never "system pr…"
CHART_DPI = 80
AS_MEASURED = "as measured"  # the cost explorer's system prompt: each task kind's own


def _png(fig) -> bytes:
    """The figure as PNG bytes, rendered off-screen; the figure is closed (never shown inline)."""
    import matplotlib.pyplot as plt
    buf = BytesIO()
    fig.savefig(buf, format="png", dpi=CHART_DPI)
    plt.close(fig)
    return buf.getvalue()


def _answer_html(lines: list[str], inputs: dict, table_html: str = "") -> str:
    # <pre> keeps MathJax away from "$" amounts and keeps the columns aligned
    text = "\n".join(lines) + "\ninputs: " + ", ".join(f"{k}={v}" for k, v in inputs.items())
    return f'<pre class="course-answer">{html.escape(text)}</pre>{table_html}'


class Calculator(W.VBox):
    """A box of controls, an answer (HTML) and a chart (Image), recomputed on every change.

    ``compute(**values) -> (lines, figure or None, table_html)``. Taught in notebooks ``03``–``05``.
    """

    def __init__(self, controls: dict, rows: list[list[str]], compute, css_class: str, hidden: tuple = ()):
        self.controls = controls
        self.hidden = hidden  # inputs not repeated in the answer (an uploaded file's bytes)
        self.compute = compute
        self.answer = W.HTML()
        self.chart = W.Image(format="png", layout=W.Layout(max_width="100%", height="auto"))
        self.updates = 0
        for c in controls.values():
            c.style = _STYLE
            c.observe(self._on_change, names="value")
        children = [W.HBox([controls[name] for name in row], layout=W.Layout(flex_flow="row wrap"))
                    for row in rows]
        super().__init__(children + [self.answer, self.chart])
        self.add_class(css_class)
        self.refresh()

    def __repr__(self) -> str:  # short and stable: the notebook's committed text/plain output
        return f"Calculator({', '.join(self.controls)})"

    def _repr_mimebundle_(self, **kwargs):
        """The live widget for JupyterLab, plus a static snapshot (``text/html``) for every reader that
        cannot run it: the course website, GitHub's preview, a notebook opened before it is run."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/html"] = self.snapshot_html()
        return bundle

    def snapshot_html(self) -> str:
        """This calculator as static HTML: its settings, its answer and its chart, with how to run it live.

        Taught in notebooks ``03``–``06`` (what the course website shows for each calculator).
        """
        import base64
        settings = ", ".join(f"{html.escape(str(c.description or name))} = {html.escape(_setting(c.value))}"
                             for name, c in self.controls.items() if name not in self.hidden)
        chart = ""
        if self.chart.value and self.chart.layout.display != "none":
            data = base64.b64encode(self.chart.value).decode("ascii")
            chart = f'<img class="course-snapshot-chart" alt="chart at these settings" src="data:image/png;base64,{data}">'
        return ('<div class="course-snapshot">'
                '<p class="course-snapshot-note"><strong>Static snapshot</strong> of this calculator at its '
                'default settings; the controls move only in a running notebook (<code>make lab</code> on your '
                'machine, or the Binder link on the course website).</p>'
                f'<p class="course-snapshot-settings">settings: {settings}</p>'
                f'{self.answer.value}{chart}</div>')

    def values(self) -> dict:
        return {name: c.value for name, c in self.controls.items()}

    def refresh(self) -> None:
        """Recompute and redraw from the controls' current values."""
        values = self.values()
        try:
            lines, fig, table = self.compute(**values)
        except ValueError as e:  # an impossible combination: say why, and hide the chart, which belongs to
            # the previous inputs (keeping it under the new inputs would show numbers nobody asked for)
            self.chart.layout.display = "none"
            self.answer.value = _answer_html([f"cannot compute: {e}", "(no chart for these inputs)"],
                                             self._shown(values))
            return
        # the chart first, then the answer: messages reach the browser in order, so a new answer means the
        # chart it belongs to has arrived (an unchanged chart is not re-sent)
        if fig is not None:
            self.chart.value = _png(fig)
            self.chart.layout.display = None  # shown again after a "cannot compute"
        else:
            self.chart.layout.display = "none"  # a calculator without a chart shows no empty image
        self.answer.value = _answer_html(lines, self._shown(values), table)
        self.updates += 1

    def _shown(self, values: dict) -> dict:
        return {k: v for k, v in values.items() if k not in self.hidden}

    def _on_change(self, change) -> None:
        self.refresh()


def vram_answer(model, ctx, quant, kv_type, flash_attention, parallel, gpu):
    """The memory calculator's answer and chart for one set of inputs (notebook ``04_private_deployment``)."""
    from . import plots, vram
    est = vram.estimate(model, ctx, quant, kv_type, parallel, flash_attention)
    g = vram.gpu(gpu)
    fits = vram.fits(est, gpu)
    line = vram.verdict(est, gpu)["text"]
    if not fits:
        o = vram.offload(est, gpu)
        line += f"; Ollama would keep {o['layers_on_gpu']}/{o['layers']} layers on the GPU (~{o['slowdown']}x slower decode)"
    fig = plots.memory_stack([est], [f"{model} {ctx // 1024}K"], gpu_gib=g["memory_gib"],
                             margins=dict(left=0.09, right=0.76, bottom=0.12, top=0.9))
    return [str(est), line], fig, ""


def vram_calculator(model: str = "qwen2.5-7b", ctx: int = 8192, gpu_name: str = "RTX 4090"):
    """Model, context, quantisation, KV type, flash attention and GPU in; memory by term out (notebook ``04``)."""
    from . import vram
    controls = {
        "model": W.Dropdown(options=list(vram.catalog().index), value=model, description="model"),
        "quant": W.Dropdown(options=list(vram.quant_bits()), value="Q4_K_M", description="weights"),
        "gpu": W.Dropdown(options=list(vram.gpus().index), value=gpu_name, description="GPU"),
        "ctx": W.SelectionSlider(options=[2 ** k for k in range(10, 18)], value=ctx, description="context"),
        "kv_type": W.Dropdown(options=["f16", "q8_0", "q4_0"], value="f16", description="KV type"),
        "parallel": W.IntSlider(value=1, min=1, max=8, description="sequences"),
        "flash_attention": W.Checkbox(value=True, description="flash attention", indent=False),
    }
    return Calculator(controls, [["model", "quant", "gpu"], ["ctx", "kv_type", "parallel"], ["flash_attention"]],
                      vram_answer, "course-vram-calculator")


def break_even_answer(tasks_per_day, input_tokens, output_tokens, model, cache_hit_rate, gpu, ops_hours_month):
    """The break-even calculator's answer and chart for one set of inputs (notebook ``05_tco``).

    The local side is as many boxes as the traffic needs at lesson 05's latency target (capacity from the
    measured curve, :func:`course_lib.tco.capacity_at_slo`): a local cost is never shown beyond one box's capacity
    without the number of boxes."""
    from . import plots, tco
    w = tco.Workload(tasks_per_day=tasks_per_day, input_tokens=input_tokens, output_tokens=output_tokens,
                     model=model, cache_hit_rate=cache_hit_rate)
    box = tco.LocalBox(gpu=gpu, ops_hours_month=ops_hours_month)
    api, local = tco.api_monthly(w), tco.local_monthly(box)
    be = tco.break_even_tasks_per_day(w, box)
    lines = [f"API {model}: ¥{api['monthly_cny']:,.0f}/month   one {gpu} box: ¥{local['monthly_cny']:,.0f}/month   "
             f"break-even at {be:,.0f} tasks/day (one box)"]
    cap, local_model = None, None
    ttft, tpot = tco.default_slo()
    for m in ("qwen2.5-14b", "qwen2.5-7b"):
        try:
            c = tco.capacity_at_slo(tco.box_curve(box, m, w), ttft, tpot)
        except ValueError:
            continue
        cap, local_model = c, m
        break
    if cap is None or not cap["meets_slo"]:
        lines.append(f"no local capacity: one request of {input_tokens + output_tokens:,} tokens of a 7-14B model "
                     f"{'does not fit the ' + gpu if cap is None else 'misses the latency target (' + cap['reason'] + ')'}")
        cap_tasks = None
    else:
        cap_tasks = cap["capacity_tasks_per_day"]
        n = tco.boxes_needed(tasks_per_day, cap_tasks)
        lines.append(f"capacity with {local_model} at p95 TTFT ≤ {ttft:g} s: {cap_tasks:,.0f} tasks/day per box "
                     f"({cap['concurrency']} at once, sized for the peak); {tasks_per_day:,} tasks/day need {n} "
                     f"box{'es' if n != 1 else ''}: ¥{n * local['monthly_cny']:,.0f}/month")
    lines.append(f"Check capability before capacity: can {local_model or 'a model that fits'} do the work of {model}?")
    fig = plots.break_even_chart(tco.break_even_curve(w, box, max_tasks_per_day=max(2 * be if be != float("inf") else 0,
                                                                                      tasks_per_day * 1.5, 100),
                                                      points=241, capacity_tasks_per_day=cap_tasks),
                                 margins=dict(left=0.12, right=0.97, bottom=0.14, top=0.8))
    return lines, fig, ""


def break_even_widget():
    """Workload, API model and local box in; monthly bills and the break-even out (notebook ``05_tco``)."""
    from . import vram
    controls = {
        "tasks_per_day": W.IntSlider(value=1000, min=0, max=20000, step=250, description="tasks/day"),
        "input_tokens": W.IntSlider(value=25000, min=1000, max=200000, step=1000, description="input/task"),
        "output_tokens": W.IntSlider(value=800, min=100, max=10000, step=100, description="output/task"),
        "model": W.Dropdown(options=["deepseek-v4-flash", "deepseek-v4-pro", "qwen3.5-plus", "glm-5",
                                     "claude-sonnet-4-6", "gpt-5.5"], value="deepseek-v4-pro", description="API model"),
        "cache_hit_rate": W.FloatSlider(value=0.0, min=0, max=0.95, step=0.05, description="cache hits"),
        "gpu": W.Dropdown(options=[g for g in vram.gpus().index if g.startswith("RTX")], value="RTX 4090",
                          description="GPU"),
        "ops_hours_month": W.FloatSlider(value=4, min=0, max=40, step=1, description="ops h/month"),
    }
    return Calculator(controls, [["tasks_per_day", "input_tokens", "output_tokens"], ["model", "cache_hit_rate"],
                                 ["gpu", "ops_hours_month"]], break_even_answer, "course-break-even")


def cost_explorer_answer(tasks_per_day, **knobs):
    """The cost explorer's answer for one set of knobs (notebook ``03_five_levers``)."""
    from dataclasses import replace

    from . import levers, money
    if knobs.get("system_prompt_tokens") == AS_MEASURED:
        knobs["system_prompt_tokens"] = None  # each task kind's own prompt, as in the baseline
    s = replace(levers.BASELINE, **knobs)
    day = levers.daily_cost(s, tasks_per_day)
    usd_day = day["usd_per_day"].sum()
    base = levers.total(levers.BASELINE, tasks_per_day) * 30
    lines = [f"cost per task (mix): {money.both(usd_day / tasks_per_day)}",
             f"monthly bill: {money.both(usd_day * 30)}   (baseline: {money.both(base)})"]
    for kind, f in levers.failures(s).iterrows():  # a cap below the task's need is a failure, never a saving
        what = ("no answer: the thinking alone fills the cap" if f["finish_reason"] == "length, no answer"
                else "the answer is cut off")
        lines.append(f"FAILS: {kind} needs {f['answer']:,} answer + {f['thinking']:,} thinking tokens > max_tokens "
                     f"{s.max_tokens:,}: finish_reason=length, {what}; the cut-off call is billed, then retried with a cap that fits")
    return lines, None, day[["usd_per_task", "finish", "tasks", "usd_per_day"]].round(4).to_html()


def cost_explorer():
    """The source's five cost knobs as controls: cost per task and the monthly bill move (notebook ``03``).

    Every control starts at the baseline it is compared with: the system prompt starts at "as measured"
    (each task kind's own prompt), so the explorer opens on the baseline's own bill."""
    controls = {
        "strong_model": W.Dropdown(options=["gpt-5.5", "claude-sonnet-4-6", "deepseek-v4-pro", "glm-5", "kimi-k2.7"],
                                   value="gpt-5.5", description="model"),
        "max_tokens": W.SelectionSlider(options=[64, 128, 256, 512, 1024, 2048, 4096], value=4096,
                                        description="max_tokens"),
        "tasks_per_day": W.IntSlider(value=1000, min=100, max=20000, step=100, description="tasks/day"),
        "system_prompt_tokens": W.Dropdown(options=[AS_MEASURED, 200, 400, 800, 1600, 3200, 8000],
                                           value=AS_MEASURED, description="system prompt tokens"),
        "history": W.Dropdown(options=["full", "window", "summary"], value="full", description="history"),
        "rag_top_k": W.IntSlider(value=12, min=0, max=20, description="RAG top-k"),
        "routing": W.Checkbox(value=False, description="route easy tasks to a small model", indent=False),
        "thinking": W.Checkbox(value=True, description="thinking on", indent=False),
        "caching": W.Checkbox(value=False, description="prompt caching", indent=False),
    }
    return Calculator(controls, [["strong_model", "max_tokens", "tasks_per_day"],
                                 ["system_prompt_tokens", "history", "rag_top_k"],
                                 ["routing", "thinking", "caching"]], cost_explorer_answer, "course-cost-explorer")


# --- lesson 06: your own bill -------------------------------------------------------------------------------------
#: The sample exports a learner can pick, and the files each means (data/own_logs/).
OWN_SAMPLES = {
    "team_calls.csv": ["team_calls.csv"],
    "provider exports": ["openai_usage.json", "openai_costs.json", "anthropic_usage.json", "anthropic_cost.json",
                         "openrouter_activity.json"],
    "litellm_spend_logs.json": ["litellm_spend_logs.json"],
    "langfuse_observations.json": ["langfuse_observations.json"],
    "otel_spans.jsonl": ["otel_spans.jsonl"],
    "responses_recorded.jsonl": ["responses_recorded.jsonl"],
}
EACH_ROW = "each row's date"
AS_LOGGED = "(as logged)"


def _sample_or_path_bill(kind: str, what: str, as_of):
    """A sample's or a path's bill, kept while the panel moves the what-if controls; a path's bill is read again
    when the file at that path changes (its modification time or size)."""
    stamp = None
    if kind == "path" and Path(what).is_file():
        st = Path(what).stat()
        stamp = (st.st_mtime_ns, st.st_size)
    return _kept_bill(kind, what, as_of, stamp)


@lru_cache(maxsize=16)
def _kept_bill(kind: str, what: str, as_of, stamp):
    from . import logs
    if kind == "sample":
        from .data import DATA_DIR
        return logs.bill([DATA_DIR / "own_logs" / f for f in OWN_SAMPLES[what]], as_of=as_of)
    return logs.bill(what, as_of=as_of)


def own_bill_answer(sample, by, as_of, model, cache, batch, cap, path="", upload=()):
    """The own-bill panel's answer for one set of inputs: the bill, what it is made of, how it reconciles and
    what each lever saves (notebook ``06_your_own_bill``). An upload wins over a path, a path over a sample."""
    from . import exports, logs, money, plots
    day = None if as_of == EACH_ROW else as_of
    if upload:
        f = upload[0]
        b = logs.bill([exports.read_bytes(bytes(f["content"]), f["name"])], as_of=day)
        source = f"your upload {f['name']}"
    elif str(path).strip():
        b = _sample_or_path_bill("path", str(path).strip(), day)
        source = f"your file {str(path).strip()}"
    else:
        b = _sample_or_path_bill("sample", sample, day)
        source = f"sample: {sample}"
    levers = [f"cache={cache}", f"batch={batch}", f"cap={cap}"] + ([] if model == AS_LOGGED else [f"model={model}"])
    w = b.what_if(levers)
    s = b.summary()
    recon = b.reconcile()
    lines = [f"{source}: {s['rows']:,} rows, {s['errors']} row error(s), {s['days']}",
             f"total: {money.md(s['total_usd'], 2)} = "
             + (f"CNY {s['total_cny']:,.2f} (each day at its dated rate), " if s["total_cny"] == s["total_cny"]
                else "CNY unknown (no exchange rate for some days: see the notes), ") +
             f"at the prices of {as_of}",
             "made of: " + ", ".join(f"{k} {money.md(v, 2)}" for k, v in s["components_usd"].items() if v)]
    lines += [f"{n} row(s): {k}" for k, n in s["not_reported"].items()]
    if len(recon):
        agree = int((recon["explained_by"] == "agrees").sum())
        lines.append(f"reconciliation: {agree} of {len(recon)} reported amounts agree within "
                     f"{logs.RECONCILE_TOLERANCE:.1%}"
                     + (f"; reconcile() says why the other {len(recon) - agree} differ" if agree < len(recon) else ""))
    best = w.iloc[0]
    if best["kind"] == "saving":
        lines.append(f"largest saving: {best['lever']} saves {money.md(best['saving_usd'], 2)} "
                     f"({best['saving_pct']:.1%})")
    table = w.assign(total=w["total_usd"].map(lambda v: money.md(v, 2)),
                     saving=w["saving_usd"].map(lambda v: money.md(v, 2) if v == v else "risk, not a saving"),
                     share=w["saving_pct"].map(lambda v: f"{v:.1%}" if v == v else ""))[["lever", "total", "saving", "share", "assumes"]]
    return lines, plots.bill_breakdown(b, by), table.to_html(index=False)


def own_bill():
    """Your own bill: a sample or your own export (a path, or an upload that never leaves this machine),
    grouped as you choose, with what-if levers (notebook ``06_your_own_bill``)."""
    from .data import assumption
    from .logs import GROUPS
    controls = {
        "sample": W.Dropdown(options=list(OWN_SAMPLES), value="team_calls.csv", description="sample"),
        "by": W.Dropdown(options=list(GROUPS), value="model", description="group by"),
        "as_of": W.Dropdown(options=[EACH_ROW, "2026-06-15", "2026-11-01"], value=EACH_ROW, description="prices of"),
        "model": W.Dropdown(options=[AS_LOGGED, "deepseek-v4-flash", "gpt-5-mini", "claude-sonnet-4-6", "gpt-5.5"],
                            value=AS_LOGGED, description="what if every call ran on"),
        "cache": W.FloatSlider(value=assumption("logs_cache_hit_rate"), min=0, max=1, step=0.1,
                               description="cache hit rate"),
        "batch": W.FloatSlider(value=assumption("logs_batch_share"), min=0, max=1, step=0.05,
                               description="batch share"),
        "cap": W.IntSlider(value=int(assumption("logs_output_cap")), min=100, max=4000, step=100,
                           description="max_tokens"),
        "path": W.Text(value="", placeholder="or a path on this machine", description="your file"),
        "upload": W.FileUpload(accept=".csv,.json,.jsonl,.ndjson,.parquet,.gz", multiple=False,
                               description="upload"),
    }
    return Calculator(controls, [["sample", "by", "as_of"], ["model", "cache"], ["batch", "cap"],
                                 ["path", "upload"]], own_bill_answer, "course-own-bill", hidden=("upload",))


def _setting(value) -> str:
    """A control's value as the snapshot lists it (an upload's bytes are never shown)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"{len(value)} bytes"
    if isinstance(value, (tuple, list)) and value and isinstance(value[0], dict):
        return f"{len(value)} file(s)"
    return str(value) if value not in ("", None) else "(empty)"
