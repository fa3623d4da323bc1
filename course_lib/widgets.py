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
import threading
import time
from concurrent.futures import Future
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

    ``compute(**values) -> (lines, figure or PNG bytes or None, table_html)``. Taught in notebooks ``03``–``06``.
    """

    def __init__(self, controls: dict, rows: list[list[str]], compute, css_class: str, hidden: tuple = ()):
        self.controls = controls
        self.hidden = hidden  # inputs not repeated in the answer (an uploaded file's bytes)
        self.compute = compute
        self.answer = W.HTML()
        self.chart = W.Image(format="png", layout=W.Layout(max_width="100%", height="auto"))
        self.updates = 0
        for c in controls.values():
            if c.style.has_trait("description_width"):   # a button's style has none (a FileUpload is a button)
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
                '<p class="course-snapshot-note"><strong>Static snapshot</strong> of this calculator at the '
                'settings listed here, the ones it had when it was displayed; the controls move only in a running '
                'notebook (<code>make lab</code> on your machine, or the Binder link on the course website).</p>'
                f'<p class="course-snapshot-settings">settings: {settings}</p>'
                f'{self.answer.value}{chart}</div>')

    def values(self) -> dict:
        return {name: c.value for name, c in self.controls.items()}

    def refresh(self) -> None:
        """Recompute and redraw from the controls' current values (marked busy: background work waits)."""
        _Idle.start()
        try:
            with _MPL_LOCK:
                self._refresh()
        finally:
            _Idle.stop()

    def _refresh(self) -> None:
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
            self.chart.value = fig if isinstance(fig, bytes) else _png(fig)   # bytes: a PNG already drawn
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


class _Kept:
    """One bill and what the panel shows of it that no lever moves, each worked out once: the head of the answer
    (summary and reconciliation) and the chart by each grouping (PNG). What the levers change, the what-if table,
    is kept per set of levers."""

    def __init__(self, bill):
        self.bill = bill
        self.head = _bill_head(bill)
        self._charts: dict[str, bytes] = {}
        self._what_ifs: dict[tuple, object] = {}
        self._lock = threading.Lock()

    def has(self, by: str | None = None, levers: list[str] | None = None) -> bool:
        return (by is None or by in self._charts) and (levers is None or tuple(levers) in self._what_ifs)

    def chart(self, by: str) -> bytes:
        with _MPL_LOCK:   # matplotlib is not thread-safe: one figure at a time in this process
            if by not in self._charts:
                import matplotlib

                from . import plots
                # made at the PNG's resolution: the labels measured for the margins are not laid out again to save
                with matplotlib.rc_context({"figure.dpi": CHART_DPI}):
                    self._charts[by] = _png(plots.bill_breakdown(self.bill, by))
            return self._charts[by]

    def what_if(self, levers: list[str]):
        key = tuple(levers)
        with self._lock:
            if key not in self._what_ifs:
                if len(self._what_ifs) >= 64:   # a learner sliding back and forth: keep the latest settings
                    self._what_ifs.pop(next(iter(self._what_ifs)))
                self._what_ifs[key] = self.bill.what_if(levers)
            return self._what_ifs[key]


def _bill_head(b) -> dict:
    """What the answer says of a bill whatever the levers: its summary and how it reconciles."""
    from . import logs
    recon = b.reconcile()
    agree = int((recon["explained_by"] == "agrees").sum()) if len(recon) else 0
    return {"summary": b.summary(), "recon": len(recon), "agree": agree, "tolerance": logs.RECONCILE_TOLERANCE}


#: Bills the panel has worked out, by (kind, what, prices date, the file's stamp), oldest first; each a Future, so a
#: bill being worked out in the background is waited for, never worked out twice.
_KEPT: dict = {}
_KEPT_MAX = 32
_KEPT_LOCK = threading.Lock()


def _kept(key: tuple, make):
    """The kept bill for ``key``, worked out by ``make()`` the first time it is asked for."""
    with _KEPT_LOCK:
        fut = _KEPT.pop(key, None)
        mine = fut is None
        if mine:
            fut = Future()
        _KEPT[key] = fut   # (re)inserted last: the most recently used
        while len(_KEPT) > _KEPT_MAX:
            _KEPT.pop(next(iter(_KEPT)))
    if mine:
        try:
            fut.set_result(_Kept(make()))
        except Exception as e:   # a refused file is said again on the next ask (it may be fixed by then)
            with _KEPT_LOCK:
                if _KEPT.get(key) is fut:
                    del _KEPT[key]
            fut.set_exception(e)
    return fut.result()


def _stamp(path: Path) -> tuple:
    """What says a file at a path is still the same file: its modification time, size and first MiB."""
    import hashlib
    st = path.stat()
    with open(path, "rb") as f:
        head = hashlib.sha256(f.read(1 << 20)).hexdigest()
    return st.st_mtime_ns, st.st_size, head


def _sample_bill(sample: str, as_of):
    from . import logs
    from .data import DATA_DIR
    return _kept(("sample", sample, as_of),
                 lambda: logs.bill([DATA_DIR / "own_logs" / f for f in OWN_SAMPLES[sample]], as_of=as_of))


def _path_bill(path: str, as_of):
    """A path's bill, kept while the panel moves the other controls; read again when the file at that path changes
    (its modification time, size or first MiB)."""
    from . import logs
    p = Path(path)
    if not p.is_file():
        return _Kept(logs.bill(path, as_of=as_of))   # says what is wrong with the path
    return _kept(("path", str(p.resolve()), as_of, _stamp(p)), lambda: logs.bill(path, as_of=as_of))


def _upload_bill(f: dict, as_of):
    import hashlib

    from . import exports, logs
    data = bytes(f["content"])
    return _kept(("upload", f["name"], as_of, hashlib.sha256(data).hexdigest()),
                 lambda: logs.bill([exports.read_bytes(data, f["name"])], as_of=as_of))


#: Held while a figure is drawn: by a calculator's answer, by the panel's background drawing, and (briefly) by a cell
#: as it starts, so a cell never draws while the background does.
_MPL_LOCK = threading.RLock()


class _Idle:
    """When the kernel last did anything for the learner (ran a cell, answered a calculator): the background work
    waits for a pause, so it seldom competes with a cell or a change for the processor, and never draws at the
    same time as either."""

    PAUSE_S = 1.0   # a learner reading an answer; a robot changing controls back to back never leaves one
    busy = 0
    last = 0.0
    hooked = False

    @classmethod
    def start(cls, *_) -> None:
        cls.busy += 1

    @classmethod
    def stop(cls, *_) -> None:
        cls.busy = max(0, cls.busy - 1)
        cls.last = time.monotonic()

    @classmethod
    def idle(cls) -> bool:
        return not cls.busy and time.monotonic() - cls.last >= cls.PAUSE_S

    @classmethod
    def wait(cls) -> None:
        while not cls.idle():
            time.sleep(0.05)

    @classmethod
    def _cell_starts(cls, *_) -> None:
        cls.start()
        with _MPL_LOCK:   # a figure being drawn in the background is finished before the cell runs
            pass

    @classmethod
    def hook(cls, shell) -> None:
        """Count the cells ``shell`` runs as busy time; the cell running now (the one that made the panel) too."""
        if not cls.hooked:
            shell.events.register("pre_run_cell", cls._cell_starts)
            shell.events.register("post_run_cell", cls.stop)
            cls.hooked = True
            cls.start()


#: How many of the nearest other bills get their chart and what-if worked out ahead as well (the others only their
#: bill): a lever's move makes every kept what-if stale, and working out many again would keep the processor busy.
NEAR = 3


def _ahead(values: dict, samples: list[str], dates: list[str], groups: list[str]) -> list[tuple]:
    """What the panel may be asked next, nearest first: the next grouping of this bill; this sample at the other
    prices dates and the next sample at this date, each bill with its chart and what-if at the current settings;
    then the other bills, and this bill's other groupings. Only the bundled samples: a learner's own file is read
    when asked for, never speculatively."""
    if values["upload"] or str(values["path"]).strip():
        return []
    sample, day, by = values["sample"], values["as_of"], values["by"]
    levers = _levers(values["model"], values["cache"], values["batch"], values["cap"])
    i, j = samples.index(sample), groups.index(by)
    later = [(s, d) for s in samples[i:] + samples[:i] for d in [day] + [d for d in dates if d != day]][1:]
    near = sorted(later, key=lambda sd: (sd[0] != sample and sd[1] != day, 0 if sd[0] == sample else 1))
    tasks = [("chart", sample, day, groups[(j + 1) % len(groups)])]
    for n, (s, d) in enumerate(near):
        tasks += [("bill", s, d, None)] + ([("chart", s, d, by), ("what_if", s, d, levers)] if n < NEAR else [])
    return tasks + [("chart", sample, day, g) for g in groups[j + 1:] + groups[:j]]


def _warm(panel_ref, samples: list[str], dates: list[str], groups: list[str]) -> None:
    """Work out in the kernel's pauses what the panel may be asked next (:func:`_ahead`), so that picking another
    sample, date or grouping is answered from memory; it follows the panel's settings as they move, and ends when
    the panel is closed."""
    failed = set()   # a bill refused once is not worked out again in the background
    while (panel := panel_ref()) is not None and panel.comm is not None:
        values = panel.values()
        del panel
        todo = []
        for kind, s, d, extra in _ahead(values, samples, dates, groups):
            if (s, d) in failed:
                continue
            try:
                kept = _KEPT.get(("sample", s, _prices_day(d)))
                if kind == "bill" and (kept is None or not kept.done()):
                    todo = [(kind, s, d, extra)]
                elif kept is not None and kept.done() and kept.exception() is None:
                    k = kept.result()
                    if not k.has(extra if kind == "chart" else None, extra if kind == "what_if" else None):
                        todo = [(kind, s, d, extra)]
            except Exception:   # noqa: BLE001 - evicted meanwhile: looked at again next time
                continue
            if todo:
                break
        if not todo:
            time.sleep(0.2)
            continue
        _Idle.wait()
        kind, s, d, extra = todo[0]
        try:
            kept = _sample_bill(s, _prices_day(d))
            if kind == "what_if":
                kept.what_if(extra)
            elif kind == "chart":
                with _MPL_LOCK:
                    if _Idle.idle():   # a change or a cell came in meanwhile: it goes first
                        kept.chart(extra)
        except Exception:   # noqa: BLE001 - said when the learner picks it
            failed.add((s, d))


def _prices_day(label: str):
    """The ``as_of`` of the panel's "prices of" choice (None: each row at its own date's prices)."""
    return None if label == EACH_ROW else label


def _levers(model, cache, batch, cap) -> list[str]:
    """The panel's lever settings as what-if levers."""
    return [f"cache={cache}", f"batch={batch}", f"cap={cap}"] + ([] if model == AS_LOGGED else [f"model={model}"])


def _own_bill_text(sample, by, as_of, model, cache, batch, cap, path="", upload=()):
    """(the kept bill, the answer's lines, the what-if table as HTML) for one set of the panel's inputs."""
    from . import money
    day = _prices_day(as_of)
    if upload:
        kept = _upload_bill(upload[0], day)
        source = f"your upload {upload[0]['name']}"
    elif str(path).strip():
        kept = _path_bill(str(path).strip(), day)
        source = f"your file {str(path).strip()}"
    else:
        kept = _sample_bill(sample, day)
        source = f"sample: {sample}"
    w = kept.what_if(_levers(model, cache, batch, cap))
    h = kept.head
    s = h["summary"]
    lines = [f"{source}: {s['rows']:,} rows, {s['errors']} row error(s), {s['days']}",
             f"total: {money.md(s['total_usd'], 2)} = "
             + (f"CNY {s['total_cny']:,.2f} (each day at its dated rate), " if s["total_cny"] == s["total_cny"]
                else "CNY unknown (no exchange rate for some days: see the notes), ") +
             f"at the prices of {as_of}",
             "made of: " + ", ".join(f"{k} {money.md(v, 2)}" for k, v in s["components_usd"].items() if v)]
    lines += [f"{n} row(s): {k}" for k, n in s["not_reported"].items()]
    if h["recon"]:
        agree, n = h["agree"], h["recon"]
        lines.append(f"reconciliation: {agree} of {n} reported amounts agree within {h['tolerance']:.1%}"
                     + (f"; reconcile() says why the other {n - agree} differ" if agree < n else ""))
    best = w.iloc[0]
    if best["kind"] == "saving":
        lines.append(f"largest saving: {best['lever']} saves {money.md(best['saving_usd'], 2)} "
                     f"({best['saving_pct']:.1%})")
    def cell(v):   # a no-break space: "USD 121.77" never wraps between currency and figure in a narrow column
        return money.md(v, 2).replace(" ", "\u00a0")
    table = w.assign(total=w["total_usd"].map(cell),
                     saving=w["saving_usd"].map(lambda v: cell(v) if v == v else "risk, not a saving"),
                     share=w["saving_pct"].map(lambda v: f"{v:.1%}" if v == v else ""))[["lever", "total", "saving", "share", "assumes"]]
    return kept, lines, table.to_html(index=False)


def own_bill_answer(sample, by, as_of, model, cache, batch, cap, path="", upload=()):
    """The own-bill panel's answer for one set of inputs: the bill, what it is made of, how it reconciles and
    what each lever saves, and the bill by ``by`` as a figure (notebook ``06_your_own_bill``). An upload wins over
    a path, a path over a sample."""
    from . import plots
    kept, lines, table = _own_bill_text(sample, by, as_of, model, cache, batch, cap, path, upload)
    return lines, plots.bill_breakdown(kept.bill, by), table


def _own_bill_shown(sample, by, as_of, model, cache, batch, cap, path="", upload=()):
    """What the panel shows: :func:`own_bill_answer` with its chart as a PNG drawn once per bill and grouping (a
    lever's move leaves the chart as it is: it shows the bill, not the what-if)."""
    kept, lines, table = _own_bill_text(sample, by, as_of, model, cache, batch, cap, path, upload)
    return lines, kept.chart(by), table


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
    panel = Calculator(controls, [["sample", "by", "as_of"], ["model", "cache"], ["batch", "cap"],
                                  ["path", "upload"]], _own_bill_shown, "course-own-bill", hidden=("upload",))
    from IPython import get_ipython
    shell = get_ipython()
    if shell is not None and getattr(shell, "kernel", None) is not None:   # in a running notebook only
        _Idle.hook(shell)
        import weakref
        threading.Thread(target=_warm, args=(weakref.ref(panel), list(OWN_SAMPLES), list(controls["as_of"].options),
                                             list(GROUPS)), daemon=True, name="own-bill-ahead").start()
    return panel


def _setting(value) -> str:
    """A control's value as the snapshot lists it (an upload's bytes are never shown)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"{len(value)} bytes"
    if isinstance(value, (tuple, list)) and value and isinstance(value[0], dict):
        return f"{len(value)} file(s)"
    return str(value) if value not in ("", None) else "(empty)"
