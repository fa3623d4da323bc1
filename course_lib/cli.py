"""``python -m course_lib``: the course's calculators on the command line.

    python -m course_lib price --model claude-sonnet-4-6 --input 3200 --output 500 --json
"""
from __future__ import annotations

import argparse
import importlib
import json
import math
import sys

from . import money
from .prices import DEFAULT_AS_OF, PERIODS


def _nonneg(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of tokens, got {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"token counts cannot be negative, got {n}")
    return n


def _finite_nonneg(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if x != x or x in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    if x < 0:
        raise argparse.ArgumentTypeError(f"cannot be negative, got {text!r}")
    return x


def _fraction(text: str) -> float:
    x = _finite_nonneg(text)
    if x > 1:
        raise argparse.ArgumentTypeError(f"expected a fraction between 0 and 1, got {text!r}")
    return x


def _round(x: float) -> float | None:
    """A float for JSON; an unknown amount (NaN: say a CNY figure with no exchange rate) is null, never 0."""
    x = float(x)
    return None if x != x else round(x, 10)


def cmd_price(a: argparse.Namespace) -> dict:
    from .billing import cost_tokens
    bill = cost_tokens(a.model, a.input, a.output, cached=a.cached, cache_write=a.cache_write,
                       as_of=a.as_of, batch=a.batch, period=a.period, tier=a.tier)
    from .prices import quote, service_tier
    note = quote(a.model, a.as_of, batch=a.batch, period=a.period, tier=a.tier).note
    try:
        fx = money.fx_rate(bill.as_of)
    except ValueError:
        if a.currency != "USD":
            raise
        fx = None  # no dated USD/CNY rate for that day: not needed for a USD answer
    out = {
        "model": a.model, "as_of": str(bill.as_of), "batch": a.batch, "period": a.period,
        "service_tier": service_tier(a.tier), "note": note,
        "input_tokens": a.input, "cached_tokens": a.cached, "cache_write_tokens": a.cache_write,
        "output_tokens": a.output,
        "uncached_input_usd": _round(bill.uncached_input_usd), "cache_read_usd": _round(bill.cache_read_usd),
        "cache_write_usd": _round(bill.cache_write_usd), "output_usd": _round(bill.output_usd),
        "total_usd": _round(bill.total_usd), "currency": a.currency,
        "total": _round(bill.total(a.currency)),
        "fx": None if fx is None else {"usd_cny": fx.rate, "date": str(fx.day), "source": fx.source},
    }
    if not a.json:
        cur = a.currency
        tier = service_tier(a.tier)
        print(f"{a.model} on {bill.as_of}{' (batch)' if a.batch else ''}{'' if a.period == 'standard' else f' ({a.period})'}"
              f"{'' if tier == 'standard' else f' ({tier} tier)'}")
        for label, key in (("uncached input", "uncached_input_usd"), ("cache read", "cache_read_usd"),
                           ("cache write", "cache_write_usd"), ("output", "output_usd")):
            print(f"  {label:<15}{money.fmt(out[key], cur, bill.as_of, digits=6)}")
        print(f"  {'total':<15}{money.fmt(bill.total_usd, cur, bill.as_of, digits=6)}")
        if cur == "CNY":
            print(f"  at {fx}")
        if note:
            print(f"  note: {note}")
    return out


def _read_body(path: str):
    """A response body (JSON), a stream (a JSON list, JSON Lines, or SSE ``data:`` lines) from a file or ``-``."""
    from pathlib import Path
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise ValueError(f"body: cannot read {path!r}: {e.strerror or e}") from None
    from .usage import loads_json
    try:
        return loads_json(text, f"body: {path!r}")
    except json.JSONDecodeError:
        lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith(("event:", ":"))]
        if not lines:
            raise ValueError(f"body: {path!r} is empty") from None
        try:
            return [loads_json(ln[5:] if ln.startswith("data:") else ln, f"body: {path!r}") for ln in lines
                    if ln.strip() not in ("data: [DONE]", "data:[DONE]")]
        except json.JSONDecodeError as e:
            raise ValueError(f"body: {path!r} is neither JSON, JSON Lines nor SSE data lines ({e.msg}, "
                             f"line {e.lineno})") from None


def cmd_usage(a: argparse.Namespace) -> dict:
    from .billing import cost
    from .usage import batch_or_tier, normalize, service_tier_of
    body = _read_body(a.body)
    u = normalize(body, provider=a.provider)
    model = a.model or u.model
    tier = service_tier_of(body)   # the tier that served the call: priced at its own rate, or refused by name
    out = {"shape": u.shape, "model": model, "service_tier": tier, **{k: getattr(u, k) for k in (
        "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cache_write_1h_tokens",
        "reasoning_tokens", "web_searches", "reported_cost_usd")}, "modalities": dict(u.modalities),
        "not_reported": list(u.unreported)}
    if model:
        priced_tier, batch = batch_or_tier(tier)
        bill = cost(u, model, a.as_of, tier=priced_tier, batch=batch)
        out.update(as_of=str(bill.as_of), total_usd=_round(bill.total_usd),
                   total_cny=_round(bill.total("CNY")), unpriced=list(bill.unpriced))
    if not a.json:
        nr = lambda v: "not reported" if v is None else f"{v:,}"  # noqa: E731
        print(f"{u.shape} body, model {model or 'not given (use --model to price it)'}")
        print(f"  input {u.input_tokens:,} (cache read {nr(u.cache_read_tokens)}, write {nr(u.cache_write_tokens)}),"
              f" output {u.output_tokens:,} (reasoning {nr(u.reasoning_tokens)})")
        if model:
            print(f"  {bill}")
    return out


# --- loadtest (course_lib.loadtest): kept in one block so other subcommands merge beside it -------
def _levels(text: str) -> list[int]:
    try:
        levels = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        levels = []
    if not levels or any(c < 1 for c in levels):
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers >= 1 such as 1,2,4,8, got {text!r}")
    return levels


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return n


def _positive(text: str) -> float:
    x = _finite_nonneg(text)
    if x <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return x


def _checked_by(module: str, check: str, field: str):
    """An argparse type whose value course_lib's own check accepts (``module.check``, imported when first used, so
    the command starts fast); its message, less the field's prefix, is argparse's error."""
    def parse(text: str) -> str:
        try:
            getattr(importlib.import_module(f".{module}", __package__), check)(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e).removeprefix(f"{field}: ")) from None
        return text
    parse.__name__ = field
    return parse


_url = _checked_by("loadtest", "resolve", "url")
_lever = _checked_by("logs", "parse_lever", "what-if")


def cmd_loadtest(a: argparse.Namespace) -> dict:
    from . import loadtest
    try:
        out = loadtest.run(a.url, a.concurrency, a.prompt_tokens, a.output_tokens, duration_s=a.duration,
                           requests=a.requests, rate=a.rate, slo_ttft_s=a.slo_ttft, slo_tpot_ms=a.slo_tpot,
                           model=a.model, endpoint=a.endpoint, timeout_s=a.timeout, deadline_s=a.deadline,
                           seed=a.seed, progress=not a.quiet)
    except ConnectionError as e:  # the server is not there or failed everything: one line, exit 1
        print(f"error: {e}", file=sys.stderr)
        raise SystemExit(1) from None
    if not a.json:
        s = out["server"]
        print(f"{s['runtime']} {s['version'] or ''} at {s['url']}, model {s['model']}, slots {s['slots']}")
        print(f"{'c':>3} {'req':>4} {'err':>4} {'TTFT p50/p95 s':>15} {'TPOT p50/p95 ms':>16} "
              f"{'out tok/s':>9} {'in tok/s':>9} {'req/s':>6} {'goodput':>7}")
        f = lambda x, d: "-" if x is None else f"{x:.{d}f}"  # noqa: E731
        for r in out["levels"]:
            print(f"{r['concurrency']:>3} {r['requests']:>4} {r['errors']:>4} "
                  f"{f(r['ttft_p50_s'], 2) + '/' + f(r['ttft_p95_s'], 2):>15} "
                  f"{f(r['tpot_p50_ms'], 1) + '/' + f(r['tpot_p95_ms'], 1):>16} {f(r['output_tok_s'], 1):>9} "
                  f"{f(r['input_tok_s'], 1):>9} {f(r['requests_per_s'], 3):>6} {f(r['goodput_rps'], 3):>7}")
        for note in out["run"]["notes"]:
            print(f"note: {note}")
    return out


def _add_loadtest(sub) -> None:
    from .loadtest import DEFAULT_DEADLINE_S, DEFAULT_TIMEOUT_S, ENDPOINTS
    lt = sub.add_parser("loadtest", help="load-test an OpenAI-compatible or llama.cpp server: TTFT, TPOT, "
                        "tokens/s and goodput by concurrency")
    lt.add_argument("--url", type=_url, required=True,
                    help="the server: http://host:port, .../v1, or the full .../v1/(chat/)completions URL")
    lt.add_argument("--concurrency", type=_levels, default=[1, 2, 4, 8], help="levels, e.g. 1,2,4,8 (default)")
    lt.add_argument("--prompt-tokens", type=_positive_int, default=256, help="prompt tokens per request")
    lt.add_argument("--output-tokens", type=_positive_int, default=64, help="output tokens per request")
    n = lt.add_mutually_exclusive_group()
    n.add_argument("--requests", type=_positive_int, default=None, help="requests per level (default 4 x c)")
    n.add_argument("--duration", type=_positive, default=None, help="seconds per level instead of --requests")
    lt.add_argument("--rate", type=_positive, default=None, help="Poisson arrivals per second (default: back to back)")
    lt.add_argument("--slo-ttft", type=_positive, default=None, help="time-to-first-token target, seconds")
    lt.add_argument("--slo-tpot", type=_positive, default=None, help="time-per-output-token target, ms")
    lt.add_argument("--model", default=None, help="model name to send (default: the server's first)")
    lt.add_argument("--endpoint", choices=ENDPOINTS, default="completions",
                    help="for a base URL: /v1/completions (default) or /v1/chat/completions")
    lt.add_argument("--timeout", type=_positive, default=DEFAULT_TIMEOUT_S, help="seconds per request")
    lt.add_argument("--deadline", type=_positive, default=DEFAULT_DEADLINE_S,
                    help="seconds after which no request starts")
    lt.add_argument("--seed", type=int, default=None, help="seed for prompts and arrivals (default: random)")
    lt.add_argument("--quiet", action="store_true", help="no progress bar")
    lt.add_argument("--json", action="store_true", help="print one JSON object")
    lt.set_defaults(func=cmd_loadtest)


def cmd_runs(a: argparse.Namespace) -> dict:
    from . import runs
    calls = runs.load_calls(a.calls)
    priced = runs.price_calls(calls, a.model, a.as_of, caching=a.caching)
    totals = runs.run_totals(priced)
    summ = {k: (_round(v) if isinstance(v, float) else v) for k, v in runs.summary(totals).items()}
    out = {"model": a.model or "as recorded", "as_of": a.as_of, "caching": a.caching,
           "runs": [{"run_id": str(r.run_id), "n_calls": int(r.n_calls), "input_tokens": int(r.input_tokens),
                     "output_tokens": int(r.output_tokens), "total_usd": _round(r.total_usd)}
                    for r in totals.itertuples()],
           "summary": summ}
    if not a.json:
        print(f"{len(totals)} runs, {len(calls):,} calls priced on {out['model']} at {a.as_of} "
              f"(caching: {a.caching})")
        print(f"  per run: p50 {money.fmt(summ['p50'])}, p95 {money.fmt(summ['p95'])}, "
              f"p99 {money.fmt(summ['p99'])}, mean {money.fmt(summ['mean'])}")
        print(f"  all runs: {money.both(float(totals['total_usd'].sum()), a.as_of)}")
    return out


def _frame_records(df, key: str) -> list[dict]:
    out = []
    for k, r in df.iterrows():
        row = {key: str(k)}
        for c, v in r.items():
            row[c] = _round(float(v)) if isinstance(v, float) else (int(v) if hasattr(v, "__int__") and
                                                                   not isinstance(v, str) else v)
        out.append(row)
    return out


def _local_spec(text: str) -> tuple[str, str, str]:
    """``[NAME=]MODEL@GPU``: the log's model name, a data/models.csv model and a data/gpus.csv GPU."""
    name, _, rest = text.rpartition("=") if "=" in text else ("", "", text)
    model, at, gpu = rest.partition("@")
    if not (model.strip() and at and gpu.strip()):
        raise argparse.ArgumentTypeError(f"expected [NAME=]MODEL@GPU (e.g. qwen2.5-14b@'RTX 4090'), got {text!r}")
    return (name.strip() or model.strip(), model.strip(), gpu.strip())


def cmd_bill(a: argparse.Namespace) -> dict:
    from . import logs, prices, tco
    local_notes = []
    for name, model, gpu in a.local or ():
        row = tco.local_price(model, gpu, a.local_tasks_per_day, name=name)
        prices.set_local_price(row)
        local_notes.append(f"{name}: a local model, priced from its TCO at USD {row['input_usd_per_mtok']:.3f}/M input "
                           f"and {row['output_usd_per_mtok']:.3f}/M output from {row['as_of']} ({row['source']})")
    if a.out and not a.export:
        raise ValueError("--out: give --export focus too (--out is where the FOCUS rows go)")
    if a.export and not a.out and a.json:
        raise ValueError("--export focus without --out writes the CSV to standard output; give --out PATH to "
                         "print --json as well")
    b = logs.bill(a.paths, a.format, a.as_of, engine=a.engine)
    b.notes[:0] = local_notes
    if a.export:
        exported = _export_focus(b, a)
        if exported is None:   # the CSV went to standard output: nothing else is printed
            return {}
    summ = b.summary()
    by = b.by(a.by)[["rows", "requests", "input_tokens", "cache_read_tokens", "output_tokens", "total_usd",
                     "total_cny"]]
    recon = b.reconcile()
    levers = b.what_if(a.what_if or None)
    out = {"sources": b.sources, "as_of": a.as_of or "each row's date", "rows": summ["rows"],
           "errors": summ["errors"], "days": summ["days"], "total_usd": _round(summ["total_usd"]),
           "total_cny": _round(summ["total_cny"]),
           "components_usd": {k: _round(v) for k, v in summ["components_usd"].items()},
           "not_reported": summ["not_reported"], "notes": b.notes, "by": a.by,
           "lines": _frame_records(by, a.by),
           "row_errors": b.errors.head(50).to_dict("records"),
           "reconciliation": [{k: (_round(v) if isinstance(v, float) else v) for k, v in r.items()}
                              for r in recon.to_dict("records")],
           "what_if": [{k: (_round(v) if isinstance(v, float) else v) for k, v in r.items()}
                       for r in levers.to_dict("records")]}
    if a.export:
        out["focus"] = exported
    if not a.json:
        print(f"{summ['rows']:,} rows priced from {', '.join(b.sources)}; {summ['errors']} row error(s); "
              f"{summ['days']}; prices of {out['as_of']}")
        cny = (f"¥{summ['total_cny']:,.2f} (each day at its dated rate)" if summ["total_cny"] == summ["total_cny"]
               else "CNY unknown (see the note on exchange rates)")
        print(f"  total {money.fmt(summ['total_usd'])} = {cny}")
        print("  made of: " + ", ".join(f"{k} {money.fmt(v)}" for k, v in summ["components_usd"].items()))
        for k, v in summ["not_reported"].items():
            print(f"  {v} row(s): {k}")
        for n in b.notes:
            print(f"  note: {n}")
        print(f"  by {a.by}:")
        for k, r in by.iterrows():
            cny = f"¥{r['total_cny']:,.2f}" if r["total_cny"] == r["total_cny"] else "CNY unknown"
            print(f"    {str(k):<28} {money.fmt(r['total_usd']):>12}  {cny}")
        for e in out["row_errors"][:10]:
            print(f"  row error: {e['source']} row {e['source_row']}: {e['field']}: {e['message']}")
        if len(recon):
            agree = int((recon["explained_by"] == "agrees").sum())
            print(f"  reconciliation: {agree} of {len(recon)} reported amounts agree within "
                  f"{logs.RECONCILE_TOLERANCE:.1%}")
            for r in recon[recon["explained_by"] != "agrees"].head(10).itertuples():
                print(f"    {r.day} {r.model}{'' if r.line == 'all' else f' ({r.line})'}: re-priced {money.fmt(r.repriced_usd)}, reported "
                      f"{money.fmt(r.reported_usd)}: {r.explained_by}")
        print("  levers on this traffic, ranked:")
        for r in levers.itertuples():
            if r.kind == "risk":
                print(f"    {r.lever:<26} not a saving: {r.assumes}")
            else:
                print(f"    {r.lever:<26} saves {money.fmt(r.saving_usd):>10} ({r.saving_pct:.1%}): {r.assumes}")
    return out


def _export_focus(b, a: argparse.Namespace) -> dict | None:
    """Write the bill as FOCUS 1.3 rows (course_lib.focus) to --out, or as CSV to standard output without it."""
    from . import focus
    rows, notes = focus.focus_rows(b, billing_account=a.billing_account)
    if not a.out:
        focus.as_text(rows).to_csv(sys.stdout, index=False, lineterminator="\n")
        for n in notes:
            print(f"note: {n}", file=sys.stderr)
        return None
    try:
        path = focus.write_focus(rows, a.out)
    except OSError as e:
        raise ValueError(f"--out: cannot write {a.out}: {e.strerror or e}") from None
    total = sum(rows["BilledCost"])
    out = {"format": f"FOCUS {focus.FOCUS_VERSION}", "path": str(path), "rows": len(rows),
           "billed_cost_usd": _round(float(total)), "notes": notes}
    if not a.json:
        print(f"FOCUS {focus.FOCUS_VERSION}: {len(rows):,} charge rows written to {path} "
              f"(BilledCost total {money.fmt(float(total))}, the bill's total)")
        for n in notes:
            print(f"  FOCUS note: {n}")
    return out


def _caching(text: str):
    from .runs import check_caching
    try:
        return check_caching(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e).removeprefix("caching: ")) from None


def cmd_review(a: argparse.Namespace) -> dict:
    from .review import review
    r = review(a.version, a.model, a.as_of, change=a.change)
    out = r.as_dict()
    run = out.pop("run", None)
    out["as_of"] = str(r.bill.as_of)
    if run is not None:
        out["turns"] = [{k: v for k, v in t.__dict__.items()} for t in run.turns]
    if not a.json:
        print(f"{a.version} on {a.model} at {r.bill.as_of}, change {a.change}: {r.calls} call(s), {r.input_tokens:,} input + "
              f"{r.output_tokens:,} output tokens ({'exact' if r.exact else 'estimated'} counts)")
        print(f"  total {money.both(r.total_usd, r.bill.as_of)}")
        for key in ("retrieved", "stop_reason", "retries", "tests_pass", "policy"):
            if key in out:
                print(f"  {key}: {out[key]}")
    return out


def cmd_vram(a: argparse.Namespace) -> dict:
    from . import vram
    if sum(x is not None for x in (a.model, a.gguf, a.hf_config)) != 1:
        raise ValueError("model: give exactly one of --model, --gguf, --hf-config")
    backend = "llama.cpp-cuda"
    if a.model:
        arch = vram.resolve(a.model)
        quant = a.quant or (vram.from_ollama_tag(a.model)[1] if ":" in a.model else None)
    elif a.gguf:
        arch, quant = vram.from_gguf(a.gguf), a.quant
    else:
        arch, quant = vram.from_hf_config(a.hf_config, name=str(a.hf_config)), a.quant
        if a.runtime != "vllm" and quant in (None, "BF16"):
            backend = "pytorch"  # bf16 weights and KV as a PyTorch runtime holds them
    if a.runtime != "llama.cpp" or a.parallel > 1:
        served = vram.serve(arch, a.ctx, a.parallel, a.runtime, quant, a.kv_type, a.flash_attention == "on",
                            a.gpu, a.gpu_memory_utilization)
    else:
        served = None
    if a.runtime == "vllm":
        out = {"runtime": "vllm", "backend": "vllm", "model": arch.name, "ctx": a.ctx, "parallel": a.parallel,
               "total_bytes": served["total_bytes"], "kv_tokens": served["kv_tokens"],
               "concurrent_sequences": served["concurrent_sequences"], "starts": served["starts"],
               "runtime_note": served["note"], "notes": []}
        out["total_gib"] = round(served["total_bytes"] / vram.GIB, 3)
        if not a.json:
            print(served["note"])
        return out
    est = served["estimate"] if served else vram.estimate(arch, a.ctx, quant or "Q4_K_M", a.kv_type, a.parallel,
                                                          a.flash_attention == "on", backend)
    note = served["note"] if served else f"{a.runtime}: -c {a.ctx:,}, one sequence"
    out = {**est.as_dict(), "runtime": a.runtime, "backend": backend, "runtime_note": note, "notes": est.notes}
    out["total_gib"] = round(est.total_bytes / vram.GIB, 3)
    if a.gpu:
        g = vram.gpu(a.gpu)
        out["gpu"] = {"name": g.name, "memory_gib": float(g["memory_gib"]), "fits": vram.fits(est, a.gpu)}
        if not out["gpu"]["fits"]:
            out["gpu"]["offload"] = vram.offload(est, a.gpu, arch)
    if not a.json:
        print(est)
        print(f"  runtime: {note}")
        if a.gpu:
            print(f"  on {out['gpu']['name']} ({out['gpu']['memory_gib']:g} GiB): "
                  f"{'fits' if out['gpu']['fits'] else 'does not fit'}")
            if "offload" in out["gpu"]:
                o = out["gpu"]["offload"]
                print(f"  Ollama would keep {o['layers_on_gpu']}/{o['layers']} layers on the GPU; decode about "
                      f"{o['slowdown']}x slower ({o['assumption']})")
        for n in est.notes:
            print(f"  note: {n}")
    return out


def _positive(text: str) -> float:
    x = _finite_nonneg(text)
    if x == 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return x


def _load_capacity(a: argparse.Namespace, tco, w, box) -> dict:
    """The box's capacity at the latency target, from a throughput curve (``tco --slo-ttft``)."""
    measured = tco.load_curve(a.curve, model=a.curve_model, gpu=a.curve_gpu)
    ttft, tpot = (a.slo_ttft, a.slo_tpot) if (a.slo_ttft, a.slo_tpot) != (None, None) else tco.default_slo()
    if a.local_model:
        try:
            curve = tco.box_curve(box, a.local_model, w, measured, kv_type=a.kv_type)
        except ValueError as e:  # the model does not fit, or a request of this size does not: no capacity, said why
            empty = not (w.input_tokens or w.output_tokens)  # tasks of 0 tokens: no capacity to state, not 0
            return {"capacity_tasks_per_day": None if empty else 0.0, "concurrency": None, "boxes_needed": None,
                    "meets_slo": None if empty else False, "reason": str(e)}
    else:
        if measured.gpu and measured.gpu.lower() != box.gpu.lower():
            raise ValueError(f"curve: measured on the {measured.gpu}, the box has the {box.gpu}; pass --local-model to "
                             f"carry the curve over to the box, or --gpu '{measured.gpu}'")
        curve = measured if (measured.prompt_tokens, measured.output_tokens) == (w.input_tokens, w.output_tokens) \
            else tco.rescale_curve(measured, w.input_tokens, w.output_tokens)
    cap = tco.capacity_at_slo(curve, ttft, tpot, a.peak_factor, a.headroom)
    n = tco.boxes_needed(w.tasks_per_day, cap["capacity_tasks_per_day"])
    out = {k: (_round(v) if isinstance(v, float) else v) for k, v in cap.items()}
    out["boxes_needed"] = n
    out["curve"] = curve.table().round(6).to_dict(orient="records")
    if cap["meets_slo"]:
        u = tco.utilisation(w.tasks_per_day, cap)
        out["peak_utilisation_one_box"] = _round(u["peak_utilisation"])
    return out


def cmd_tco(a: argparse.Namespace) -> dict:
    from . import tco
    w = tco.Workload(tasks_per_day=a.tasks_per_day, input_tokens=a.input_tokens, output_tokens=a.output_tokens,
                     model=a.api_model, as_of=a.as_of, cache_hit_rate=a.cache_hit_rate, batch_share=a.batch_share,
                     peak_share=a.peak_share)
    box = tco.LocalBox(gpu=a.gpu, n_gpus=a.n_gpus, **({"gpu_price_cny": a.gpu_price_cny} if a.gpu_price_cny is not None else {}),
                       **({"ops_hours_month": a.ops_hours} if a.ops_hours is not None else {}))
    api, local = tco.api_monthly(w), tco.local_monthly(box)
    cap = tco.capacity(box, a.local_model, w) if a.local_model else None
    fx = money.fx_rate(w.as_of)
    cur = a.currency
    conv = (lambda cny: cny) if cur == "CNY" else (lambda cny: cny / fx.rate)
    be = tco.break_even_tasks_per_day(w, box)
    out = {"currency": cur, "api_model": a.api_model, "as_of": a.as_of, "gpu": a.gpu, "n_gpus": a.n_gpus,
           "tasks_per_day": a.tasks_per_day,
           "api_per_task_usd": _round(api["per_task_usd"]), "api_monthly": _round(conv(api["monthly_cny"])),
           "local_monthly": _round(conv(local["monthly_cny"])),
           "local_breakdown": {k[:-4]: _round(conv(v)) for k, v in local.items() if k.endswith("_cny")},
           "break_even_tasks_per_day": _round(be) if be != float("inf") else None,
           "cheaper": "local" if local["monthly_cny"] < api["monthly_cny"] else "api",
           "fx": {"usd_cny": fx.rate, "date": str(fx.day)}}
    if be == float("inf"):
        out["break_even_note"] = ("no break-even: a task costs nothing on the API (0 tokens per task, or a free "
                                  "price), so any box costs more; the break-even is infinite")
    if cap is not None:
        out["capacity"] = {"local_model": a.local_model, "basis": "one request at a time (batch 1)",
                           **{k: ((_round(v) if math.isfinite(v) else None) if isinstance(v, float) else v)
                              for k, v in cap.items()}}
        if out["capacity"]["tasks_per_day"] is None:
            out["capacity"]["note"] = "a task of 0 tokens takes no time: no capacity to state"
        if not cap["fits"] or (out["capacity"]["tasks_per_day"] is not None and cap["tasks_per_day"] < a.tasks_per_day):
            out["cheaper"] += " (but the box cannot serve this workload at batch 1)"
    if a.slo_ttft is not None or a.slo_tpot is not None or a.curve is not None or a.local_model:
        try:
            load = _load_capacity(a, tco, w, box)
        except ValueError as e:
            if a.output_tokens or a.input_tokens:
                raise
            load = {"capacity_tasks_per_day": None, "concurrency": None, "boxes_needed": None, "meets_slo": None,
                    "reason": f"no capacity for tasks of 0 tokens: {e}"}
        out["load"] = load
        out["capacity_tasks_per_day"] = load["capacity_tasks_per_day"]
        out["concurrency"] = load["concurrency"]
        out["ttft_p95_s"], out["tpot_p95_ms"] = load.get("ttft_p95_s"), load.get("tpot_p95_ms")
        n = load["boxes_needed"]
        out["boxes_needed"] = n
        if n is None:
            out["local_monthly_for_traffic"] = None
            out["cheaper"] = "api (no box meets the latency target)" if load.get("meets_slo") is False else out["cheaper"]
        else:
            need = local["monthly_cny"] * n
            out["local_monthly_for_traffic"] = _round(conv(need))
            out["cheaper"] = f"{'local' if need < api['monthly_cny'] else 'api'} ({n} box{'es' if n != 1 else ''} at " \
                             f"{load['slo']})"
    elif out["cheaper"] == "local":
        out["cheaper"] = "local (one box, if it can serve the traffic: pass --local-model or --curve to check its capacity)"
    if not a.json:
        sym = "¥" if cur == "CNY" else "$"
        print(f"API {a.api_model} ({a.as_of}): {sym}{out['api_monthly']:,.2f}/month ({a.tasks_per_day:g} tasks/day)")
        print(f"local {a.n_gpus}x {a.gpu}: {sym}{out['local_monthly']:,.2f}/month per box: "
              + ", ".join(f"{k} {sym}{v:,.0f}" for k, v in out["local_breakdown"].items() if k != "monthly"))
        print(f"break-even (one box): {out['break_even_tasks_per_day']:,.0f} tasks/day" if be != float("inf")
              else f"break-even: none ({out['break_even_note']})")
        if cap is not None and out["capacity"]["tasks_per_day"] is not None:
            print(f"capacity with {a.local_model} at batch 1: {cap['tasks_per_day']:,.0f} tasks/day ({cap['note']})")
        if "load" in out:
            ld = out["load"]
            if ld.get("meets_slo"):
                print(f"capacity at {ld['slo']}: {ld['capacity_tasks_per_day']:,.0f} tasks/day per box at "
                      f"{ld['concurrency']} requests at once (p95 TTFT {ld['ttft_p95_s']:.2f} s, p95 TPOT "
                      f"{ld['tpot_p95_ms']:.1f} ms; peak factor {ld['peak_factor']:g}, headroom {ld['headroom']:.0%})")
                print(f"  boxes for {a.tasks_per_day:g} tasks/day: {ld['boxes_needed']}: {sym}"
                      f"{out['local_monthly_for_traffic']:,.2f}/month")
            else:
                print(f"capacity at the target: none ({ld['reason']})")
        print(f"cheaper now: {out['cheaper']}")
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m course_lib", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    pr = sub.add_parser("price", help="price one call from its token counts")
    pr.add_argument("--model", required=True)
    pr.add_argument("--input", type=_nonneg, required=True, help="input tokens, cached included")
    pr.add_argument("--output", type=_nonneg, required=True, help="output tokens, reasoning included")
    pr.add_argument("--cached", type=_nonneg, default=0, help="input tokens read from the prompt cache")
    pr.add_argument("--cache-write", type=_nonneg, default=0, help="input tokens written to the prompt cache")
    pr.add_argument("--as-of", default=str(DEFAULT_AS_OF), help="price date, YYYY-MM-DD (default %(default)s)")
    pr.add_argument("--batch", action="store_true", help="batch API price")
    pr.add_argument("--period", choices=PERIODS, default="standard", help="peak / off-peak (DeepSeek)")
    pr.add_argument("--tier", default=None, help="service tier: flex, priority, ... (default: standard)")
    pr.add_argument("--currency", type=str.upper, choices=money.CURRENCIES, default="USD")
    pr.add_argument("--json", action="store_true", help="print one JSON object")
    pr.set_defaults(func=cmd_price)
    us = sub.add_parser("usage", help="read the usage of a response body or stream and price it")
    us.add_argument("body", help="a JSON response body, a JSON list or JSON Lines of stream events, SSE lines, or -")
    us.add_argument("--provider", default=None, help="settle an ambiguous body: openai, anthropic, bedrock, ...")
    us.add_argument("--model", default=None, help="price on this model (default: the body's own)")
    us.add_argument("--as-of", default=str(DEFAULT_AS_OF), help="price date, YYYY-MM-DD (default %(default)s)")
    us.add_argument("--json", action="store_true", help="print one JSON object")
    us.set_defaults(func=cmd_usage)
    _add_loadtest(sub)
    rn = sub.add_parser("runs", help="price recorded agent runs call by call (data/agent_runs/ or your own file)")
    rn.add_argument("calls", nargs="?", default=None,
                    help="a calls CSV (.gz ok) with the columns of data/agent_runs/calls.csv.gz (default: that file)")
    rn.add_argument("--model", default=None, help="re-price every call on this model (default: each call's own)")
    rn.add_argument("--as-of", default=str(DEFAULT_AS_OF), help="price date, YYYY-MM-DD (default %(default)s)")
    rn.add_argument("--caching", type=_caching, default="as-recorded", help="as-recorded (default), off, or a hit rate")
    rn.add_argument("--json", action="store_true", help="print one JSON object: runs and summary")
    rn.set_defaults(func=cmd_runs)
    rv = sub.add_parser("review", help="tokens and bill of one version of the review assistant")
    rv.add_argument("--version", choices=("v1", "v2", "v3"), required=True)
    rv.add_argument("--model", required=True)
    rv.add_argument("--as-of", default=str(DEFAULT_AS_OF), help="price date, YYYY-MM-DD (default %(default)s)")
    rv.add_argument("--change", default="marshmallow-3.21.1", choices=("marshmallow-3.21.1", "shop"),
                    help="the real-size change (default: marshmallow 3.21.0 -> 3.21.1) or the course's small sample")
    rv.add_argument("--json", action="store_true", help="print one JSON object")
    rv.set_defaults(func=cmd_review)
    vr = sub.add_parser("vram", help="GPU memory: weights + KV cache + compute buffer + overhead")
    vr.add_argument("--model", help="a model of data/models.csv")
    vr.add_argument("--gguf", help="a GGUF file (exact weight sizes)")
    vr.add_argument("--hf-config", help="a Hugging Face config.json (bf16 PyTorch unless --quant)")
    vr.add_argument("--ctx", type=_nonneg, required=True, help="context length in tokens")
    vr.add_argument("--quant", default=None, help="Q4_0, Q4_K_M (default; BF16 for vllm), Q5_K_M, Q6_K, Q8_0, F16, "
                    "BF16, MXFP4; any case")
    vr.add_argument("--kv-type", choices=("f16", "q8_0", "q4_0"), default="f16")
    vr.add_argument("--parallel", type=_nonneg, default=1, help="sequences served at once (-np, OLLAMA_NUM_PARALLEL, "
                    "max_num_seqs)")
    vr.add_argument("--runtime", choices=("llama.cpp", "ollama", "vllm"), default="llama.cpp",
                    help="whose meaning of --ctx and --parallel: llama.cpp (-c is the total), ollama (num_ctx per "
                         "slot), vllm (max_model_len; reserves --gpu-memory-utilization of --gpu)")
    vr.add_argument("--gpu-memory-utilization", type=_fraction, default=0.9, help="vLLM only (default %(default)s)")
    vr.add_argument("--flash-attention", choices=("on", "off"), default="on")
    vr.add_argument("--gpu", help="a GPU of data/gpus.csv, for example 'RTX 4090'")
    vr.add_argument("--json", action="store_true", help="print one JSON object")
    vr.set_defaults(func=cmd_vram)
    from . import exports, logs   # the formats, groupings and engines the bill command accepts are theirs
    bl = sub.add_parser("bill", help="price your own usage exports: the bill, the reconciliation, ranked levers")
    bl.add_argument("paths", nargs="+", help="export files (usage and cost exports; see course_lib.exports)")
    bl.add_argument("--format", default="auto", choices=("auto", *exports.FORMATS))
    bl.add_argument("--as-of", default=None, help="price every row on this date's prices (default: each row's date)")
    bl.add_argument("--what-if", action="append", type=_lever, metavar="LEVER=VALUE",
                    help="model=NAME, date=YYYY-MM-DD, cache=HIT_RATE, batch=SHARE, cap=MAX_TOKENS; repeatable "
                         "(default: the logs_* assumptions of data/lever_assumptions.csv)")
    bl.add_argument("--by", default="model", choices=logs.GROUPS)
    bl.add_argument("--engine", default="auto", choices=("auto", *logs.ENGINES))
    bl.add_argument("--local", action="append", type=_local_spec, metavar="[NAME=]MODEL@GPU",
                    help="price the log's NAME (default MODEL) as a local model: its TCO on that GPU at its load "
                         "(lesson 05), never USD 0; repeatable")
    bl.add_argument("--local-tasks-per-day", type=_positive, default=None,
                    help="the local traffic the TCO is spread over (default: lesson 05's workload)")
    bl.add_argument("--export", choices=("focus",), default=None,
                    help="also write the bill as FinOps FOCUS 1.3 cost-and-usage rows (to --out, else CSV to "
                         "standard output)")
    bl.add_argument("--out", default=None, metavar="PATH",
                    help="where --export writes: PATH.csv or PATH.parquet")
    bl.add_argument("--billing-account", default=None, metavar="ID",
                    help="FOCUS BillingAccountId of the rows (a usage export does not name it; default: "
                         "course_lib.focus.UNKNOWN_ACCOUNT, a label that says so)")
    bl.add_argument("--json", action="store_true", help="print one JSON object")
    bl.set_defaults(func=cmd_bill)
    tc = sub.add_parser("tco", help="API bill against local TCO, and the break-even")
    tc.add_argument("--tasks-per-day", type=_finite_nonneg, default=1000)
    tc.add_argument("--input-tokens", type=_nonneg, default=25_000, help="input tokens per task")
    tc.add_argument("--output-tokens", type=_nonneg, default=800, help="output tokens per task")
    tc.add_argument("--api-model", default="deepseek-v4-pro")
    tc.add_argument("--as-of", default=str(DEFAULT_AS_OF))
    tc.add_argument("--cache-hit-rate", type=_fraction, default=0.0)
    tc.add_argument("--batch-share", type=_fraction, default=0.0)
    tc.add_argument("--peak-share", type=_fraction, default=0.0)
    tc.add_argument("--gpu", default="RTX 4090")
    tc.add_argument("--n-gpus", type=_nonneg, default=1)
    tc.add_argument("--gpu-price-cny", type=_finite_nonneg, default=None)
    tc.add_argument("--ops-hours", type=_finite_nonneg, default=None, help="operations hours per month")
    tc.add_argument("--local-model", default=None, help="a data/models.csv model, for the capacity check")
    tc.add_argument("--slo-ttft", type=_positive, default=None, help="latency target: p95 time to first token, s")
    tc.add_argument("--slo-tpot", type=_positive, default=None, help="latency target: p95 time per output token, ms")
    tc.add_argument("--curve", default=None, help="a load curve: loadtest --json output, a CSV of its levels, or "
                    "JSON Lines like data/measured/h200_llamacpp/conc.jsonl (default: that H200 sweep)")
    tc.add_argument("--curve-model", default=None, help="the model of the curve file to use (default llama-3.1-8b "
                    "for the H200 sweep)")
    tc.add_argument("--curve-gpu", default=None, help="the GPU the curve was measured on (default: H200 SXM for the "
                    "H200 sweep, else the box's own)")
    tc.add_argument("--kv-type", choices=("f16", "q8_0", "q4_0"), default="f16",
                    help="KV cache type, for how many requests fit at once")
    tc.add_argument("--peak-factor", type=_positive, default=None, help="peak-hour rate ÷ daily average "
                    "(default: data/tco_defaults.csv)")
    tc.add_argument("--headroom", type=_fraction, default=None, help="share of capacity kept free at peak "
                    "(default: data/tco_defaults.csv)")
    tc.add_argument("--currency", type=str.upper, choices=money.CURRENCIES, default="CNY")
    tc.add_argument("--json", action="store_true")
    tc.set_defaults(func=cmd_tco)
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `... | head`: the reader left; say nothing more
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        out = args.func(args)
    except ValueError as e:  # bad input: one clear line, no traceback
        print(f"error: {e}", file=sys.stderr)
        return 2
    except RecursionError:  # a reader that parses input nested thousands deep (a hostile JSON file)
        print("error: the input is nested too deeply to read (more levels than Python's parser allows); "
              "no usage export or response body is nested like this", file=sys.stderr)
        return 2
    if getattr(args, "json", False):
        try:  # strict JSON: never NaN or Infinity
            print(json.dumps(out, ensure_ascii=False, allow_nan=False))
        except ValueError:
            print("error: the result holds a value that is not a finite number; no JSON was written", file=sys.stderr)
            return 2
    return 0
