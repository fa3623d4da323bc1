"""The five cost levers, as operations on the review assistant's workload (notebook ``03_five_levers``).

The source page ranks them by impact (按影响力):

1. model routing (模型路由): easy tasks to a small model, behind a quality gate;
2. context control (控制 context): lower RAG top-k, history truncation or summaries, tool-result summaries;
3. output control (约束 output): ``max_tokens`` sized to the task, thinking off, structured output;
4. prompt caching (Prompt Caching): stable prefix first, dynamic content last;
5. metering and alerts (埋点与告警): cost per task recorded, alerts, an agent guard.

Each lever here is a function from a :class:`Workload` to a cheaper one, applied
to the same task set, so the savings can be measured and ranked.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache

import pandas as pd

from .billing import cost_frame
from .data import DATA_DIR, assumption, data_rows, min_cacheable_prefix
from .prices import quote


# --- the task set -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TaskKind:
    """One kind of task in the day's mix, with how the baseline workflow handles it. Taught in notebook ``03_five_levers``."""

    name: str
    share: float                 # of tasks per day
    agent: bool                  # an agent loop (turns) or a single call
    hard: bool                   # the quality gate: must reach the strong model
    system_tokens: int
    user_tokens: int             # the task's own input (diff, ticket, question)
    rag_chunk_tokens: int        # tokens per retrieved chunk
    output_tokens: int           # what the answer needs
    turns: int = 1
    tool_schema_tokens: int = 0
    tool_result_tokens: int = 0  # fed back per turn
    source: str = ""


@lru_cache(maxsize=1)
def _task_set() -> tuple:
    return tuple(_read_task_set())


def task_set() -> list[TaskKind]:
    """The course's day of tasks (``data/task_set.csv``). Taught in notebook ``03_five_levers``."""
    return list(_task_set())


def _read_task_set() -> list[TaskKind]:
    """The course's day of tasks (``data/task_set.csv``): its sizes and what each is based on. Taught in notebook ``03_five_levers``."""
    rows = data_rows("task_set.csv")
    ints = ("system_tokens", "user_tokens", "rag_chunk_tokens", "output_tokens", "turns", "tool_schema_tokens",
            "tool_result_tokens")
    return [TaskKind(name=r["name"], share=float(r["share"]), agent=r["agent"] == "true", hard=r["hard"] == "true",
                     source=r["source"], **{k: int(r[k]) for k in ints}) for r in rows]


@dataclass(frozen=True)
class Settings:
    """How the workflow is configured; the levers change these. Taught in notebook ``03_five_levers``."""

    strong_model: str = "gpt-5.5"
    small_model: str = "gemini-2.5-flash-lite"
    routing: bool = False
    router_error: float = field(default_factory=lambda: assumption("router_error"))  # data/lever_assumptions.csv
    rag_top_k: int = 12
    history: str = "full"              # "full", "window" (last history_window turns) or "summary"
    history_window: int = field(default_factory=lambda: assumption("history_window"))  # data/lever_assumptions.csv
    summary_tokens: int = field(default_factory=lambda: assumption("summary_tokens"))  # data/lever_assumptions.csv
    tool_result_cap: int | None = None  # tool results summarised to at most this many tokens
    max_tokens: int = 4_096
    thinking_tokens: int = field(default_factory=lambda: assumption("thinking_tokens"))  # data/lever_assumptions.csv
    thinking: bool = True
    structured_output: bool = False
    caching: bool = False
    cache_hit_rate: float = field(default_factory=lambda: assumption("cache_hit_rate"))  # data/lever_assumptions.csv
    guard: bool = False
    max_turns: int = field(default_factory=lambda: assumption("max_turns"))  # data/lever_assumptions.csv
    runaway_share: float = field(default_factory=lambda: assumption("runaway_share"))  # data/lever_assumptions.csv
    runaway_turns: int = field(default_factory=lambda: assumption("runaway_turns"))  # data/lever_assumptions.csv
    system_prompt_tokens: int | None = None  # override every kind's system prompt (the cost explorer's knob)
    as_of: str = "2026-06-15"


#: The anti-pattern baseline: everything on the flagship, max_tokens 4096, thinking on, full history,
#: RAG top-k 12, no caching, no guard (所有请求打旗舰模型, 默认 max_tokens=4096, Agent 无轮次上限).
BASELINE = Settings()


# --- per-call token accounting ----------------------------------------------------------------------
def _labels(kind: TaskKind) -> bool:
    """A task whose answer is a label or a small JSON object (classification, extraction), not prose or code."""
    return not kind.agent and not kind.hard


def need(kind: TaskKind, s: Settings) -> tuple[int, int]:
    """(answer, thinking): the output tokens one call of this kind needs to finish. Structured output shortens only
    the answers that are labels or small JSON objects (``label_tokens``); a free-form answer runs
    ``free_form_factor`` times longer (both assumptions, ``data/lever_assumptions.csv``). Taught in notebook
    ``03_five_levers``."""
    structured = s.structured_output and _labels(kind)
    answer = min(kind.output_tokens, assumption("label_tokens")) if structured else kind.output_tokens
    if not s.structured_output:
        answer = int(answer * assumption("free_form_factor"))
    thinking = s.thinking_tokens if s.thinking and not structured else 0
    return answer, thinking


def finish(kind: TaskKind, s: Settings) -> str:
    """How a call of this kind ends under ``max_tokens``, which bounds the whole output, thinking included, as the
    APIs do (OpenAI's max_output_tokens counts reasoning; Anthropic's thinking budget must stay below max_tokens):
    ``"stop"``; ``"length"`` (the answer is cut off: a truncated review is not a cheaper review); or ``"length, no
    answer"`` (the thinking alone fills the cap). Taught in notebook ``03_five_levers``."""
    answer, thinking = need(kind, s)
    if answer + thinking <= s.max_tokens:
        return "stop"
    return "length, no answer" if thinking >= s.max_tokens else "length"


def _output(kind: TaskKind, s: Settings) -> int:
    """Output tokens of the call that finishes, thinking included."""
    return sum(need(kind, s))


def calls(kind: TaskKind, s: Settings) -> pd.DataFrame:
    """The calls one task makes, with input split into stable prefix and dynamic part, the output of the call that
    finishes, how a first attempt ends under ``max_tokens`` (``finish``) and what it bills when it is cut off
    (``truncated_output``: the cap, retried ``truncation_retries`` times). In an agent, ``summary_in`` and
    ``summary_out`` are the rolling summariser's call that turn. Taught in notebook ``03_five_levers``."""
    if s.history not in ("full", "window", "summary"):
        raise ValueError(f"history must be full, window or summary, got {s.history!r}")
    rag = kind.rag_chunk_tokens * s.rag_top_k
    system = kind.system_tokens if s.system_prompt_tokens is None else s.system_prompt_tokens
    prefix = system + kind.tool_schema_tokens
    out, end = _output(kind, s), finish(kind, s)
    cut = s.max_tokens if end != "stop" else 0
    base = {"prefix": prefix, "output": out, "finish": end, "truncated_output": cut, "summary_in": 0, "summary_out": 0}
    if not kind.agent:
        return pd.DataFrame([{"turn": 1, **base, "dynamic": kind.user_tokens + rag}])
    rows, history, summary = [], [], 0
    visible = need(kind, s)[0]  # thinking is not re-sent
    result = kind.tool_result_tokens if s.tool_result_cap is None else min(kind.tool_result_tokens, s.tool_result_cap)
    for t in range(1, kind.turns + 1):
        row = {"turn": t, **base}
        if s.history == "full":
            hist = sum(history)
        elif s.history == "window":
            hist = sum(history[-s.history_window:])
        else:
            older = history[:-s.history_window]
            if older:  # the turn that just left the window is folded into the summary by one small-model call
                row["summary_in"] = summary + older[-1]
                summary = min(s.summary_tokens, sum(older))
                row["summary_out"] = summary
            hist = sum(history[-s.history_window:]) + summary
        row["dynamic"] = kind.user_tokens + rag + hist
        rows.append(row)
        history.append(visible + result)
    return pd.DataFrame(rows)


def min_prefix(provider: str, model: str | None = None) -> int:
    """The shortest prefix a provider caches for a model (``data/cache_rules.csv``: the model's own row where the
    provider's page lists models apart, else the provider's row; 1,024 tokens where the provider is not listed).
    Taught in notebook ``03_five_levers``."""
    for r in data_rows("cache_rules.csv"):
        if model and r["provider"] == provider and r["model"] == model:
            return int(r["min_prefix_tokens"])
    return min_cacheable_prefix(provider)  # the provider's row comes first in the file: its rule for other models


def cache_split(df: pd.DataFrame, model: str, s: Settings, agent: bool) -> pd.DataFrame:
    """Per call: input tokens, cache reads and cache writes under the settings (notebook ``03_five_levers``).

    Only a cacheable prefix is read or written, and only where it reaches the provider's minimum
    (``data/cache_rules.csv``). A single call caches its stable prefix (system prompt and tool schemas): a share
    ``cache_hit_rate`` of calls find it warm and read it; the others write it again (once per cache lifetime);
    the changing suffix is plain input, never written. An agent with full history also reads the previous request,
    and puts a breakpoint at the end of each request, so what a turn adds is written once for the next turn to read
    (a window or a summary changes the history every turn: only the prefix and the task's opening stay cacheable).
    Providers without a write price (OpenAI, Google, DeepSeek) bill writes as plain input."""
    n_in = (df["prefix"] + df["dynamic"]).astype("int64")
    out = pd.DataFrame({"input_tokens": n_in, "cache_read_tokens": 0, "cache_write_tokens": 0}, index=df.index)
    if not s.caching:
        return out
    p = quote(model, s.as_of)
    minimum = min_prefix(p.provider, p.model)
    h = s.cache_hit_rate
    if agent and s.history == "full":
        cacheable = df["prefix"] + df["dynamic"].shift(1, fill_value=0) * (df["turn"] > 1)
    elif agent:
        cacheable = df["prefix"] + df["dynamic"].iloc[0] * (df["turn"] > 1)  # the opening message, not the history
    else:
        cacheable = df["prefix"]
    cacheable = cacheable.where(cacheable >= minimum, 0).clip(upper=n_in)
    read = (cacheable * h).astype("int64")
    if agent:
        write = (n_in - read).where(n_in >= minimum, 0)  # a breakpoint at the end of every request
    else:
        write = cacheable - read  # the misses write the prefix again; the suffix is never written
    out["cache_read_tokens"] = read
    out["cache_write_tokens"] = write.astype("int64") if p.cache_write is not None else 0
    return out


def _bill(df: pd.DataFrame, model: str, s: Settings, agent: bool = False) -> float:
    """USD of the calls in ``df`` on ``model``: each call that finishes, and each attempt cut off by max_tokens
    (billed for its input and the capped output, ``truncation_retries`` times)."""
    split = cache_split(df, model, s, agent)
    done = split.assign(output_tokens=df["output"].astype("int64"))
    retries = int(assumption("truncation_retries"))
    cut = split.assign(output_tokens=df["truncated_output"].astype("int64"))[df["truncated_output"] > 0]
    frame = pd.concat([done] + [cut] * retries, ignore_index=True)
    return float(cost_frame(frame, model, s.as_of)["total_usd"].sum())


def _small_calls(kind: TaskKind, s: Settings, df: pd.DataFrame, routed: bool, attempts: float) -> float:
    """USD of the calls the levers add on the small model: the router (once per task), the quality gate (once per
    small-model answer, ``attempts`` of them) and the rolling summariser (per turn beyond the window). Their sizes
    are the task set's intent classification (a labelling call) plus what each reads; their counts are labelled
    assumptions (``data/lever_assumptions.csv``)."""
    label = {k.name: k for k in task_set()}["intent classification"]
    plain = replace(s, caching=False)
    rows = []
    if s.routing:
        rows += [(label.system_tokens + kind.user_tokens, label.output_tokens)] * int(assumption("router_calls"))
    usd = 0.0
    if routed and attempts:
        gate_in = label.system_tokens + kind.user_tokens + need(kind, s)[0]
        usd += attempts * assumption("gate_calls") * _bill_rows([(gate_in, label.output_tokens)], s.small_model, plain)
    summaries = df[df["summary_in"] > 0]
    rows += [(int(i), int(o)) for i, o in zip(summaries["summary_in"], summaries["summary_out"], strict=True)
             for _ in range(int(assumption("summary_calls")))]
    return usd + (_bill_rows(rows, s.small_model, plain) if rows else 0.0)


def _bill_rows(rows: list[tuple[int, int]], model: str, s: Settings) -> float:
    frame = pd.DataFrame(rows, columns=["input_tokens", "output_tokens"])
    return float(cost_frame(frame, model, s.as_of)["total_usd"].sum())


def _one_run(kind: TaskKind, s: Settings) -> float:
    """USD of one run of a task, routing and the calls the levers add included."""
    df = calls(kind, s)
    if s.routing and not kind.hard:
        return _bill(df, s.small_model, s, kind.agent) + _small_calls(kind, s, df, True, 1)
    if s.routing and kind.hard:
        # misrouted hard tasks: a small-model attempt the gate rejects, then the strong model (a retry)
        return (_bill(df, s.strong_model, s, kind.agent) + s.router_error * _bill(df, s.small_model, s, kind.agent)
                + _small_calls(kind, s, df, True, s.router_error))
    return _bill(df, s.strong_model, s, kind.agent) + _small_calls(kind, s, df, False, 0)


def task_cost(kind: TaskKind, s: Settings) -> dict:
    """Expected USD per task of one kind under the settings: routing errors, the router, gate and summariser calls,
    retries after truncation and, for an agent, runaway loops included (``usd_typical`` is one normal run,
    ``usd_runaway`` one run that loops until its limit, ``runaway_share`` how often that happens). The token
    columns are one normal run's. Taught in notebook ``03_five_levers``."""
    df = calls(kind, s)
    usd = typical = _one_run(kind, s)
    runaway, share = float("nan"), 0.0
    if kind.agent:
        loop_turns = s.max_turns if s.guard else s.runaway_turns
        runaway = _one_run(replace(kind, turns=max(loop_turns, kind.turns)), s)
        share = s.runaway_share
        usd = (1 - share) * typical + share * runaway
    return {"kind": kind.name, "usd_per_task": usd, "usd_typical": typical, "usd_runaway": runaway,
            "runaway_share": share, "calls": len(df), "finish": finish(kind, s),
            "input_tokens": int((df["prefix"] + df["dynamic"]).sum()), "output_tokens": int(df["output"].sum())}


def daily_cost(s: Settings, tasks_per_day: int = 1_000) -> pd.DataFrame:
    """Cost of the day's task mix, by kind (notebook ``03_five_levers``)."""
    rows = []
    for k in task_set():
        r = task_cost(k, s)
        r["tasks"] = k.share * tasks_per_day
        r["usd_per_day"] = r["usd_per_task"] * r["tasks"]
        rows.append(r)
    return pd.DataFrame(rows).set_index("kind")


def total(s: Settings, tasks_per_day: int = 1_000) -> float:
    """USD per day of the task mix under the settings. Taught in notebook ``03_five_levers``."""
    return float(daily_cost(s, tasks_per_day)["usd_per_day"].sum())


# --- the levers ---------------------------------------------------------------------------------------
def lever_routing(s: Settings) -> Settings:
    """1. Easy tasks to the small model; hard ones (the quality gate) to the strong model. Taught in notebook ``03_five_levers``."""
    return replace(s, routing=True)


def lever_context(s: Settings) -> Settings:
    """2. RAG top-k 12 → 4, history summarised beyond the last 4 turns, tool results capped at 800 tokens. Taught in notebook ``03_five_levers``."""
    return replace(s, rag_top_k=4, history="summary", tool_result_cap=800)


def lever_output(s: Settings) -> Settings:
    """3. max_tokens sized to the task, thinking off, structured output. Taught in notebook ``03_five_levers``."""
    return replace(s, max_tokens=1_024, thinking=False, structured_output=True)


def lever_caching(s: Settings) -> Settings:
    """4. Stable prefix first, dynamic content last: the prefix and the re-sent history hit the cache. Taught in notebook ``03_five_levers``."""
    return replace(s, caching=True)


def lever_guard(s: Settings) -> Settings:
    """5. Metering, alerts and an agent guard: a turn limit stops runaway loops. Taught in notebook ``03_five_levers``."""
    return replace(s, guard=True)


LEVERS = {"1 model routing": lever_routing, "2 context control": lever_context, "3 output control": lever_output,
          "4 prompt caching": lever_caching, "5 metering & guard": lever_guard}


def waterfall(order=None, base: Settings = BASELINE, tasks_per_day: int = 1_000) -> pd.DataFrame:
    """Apply the levers one after another; the saving of each step (notebook ``03_five_levers``)."""
    order = list(order or LEVERS)
    s, before = base, total(base, tasks_per_day)
    rows = [{"step": "baseline", "usd_per_day": before, "saving_usd": 0.0, "saving_pct_of_baseline": 0.0}]
    first = before
    for name in order:
        s = LEVERS[name](s)
        now = total(s, tasks_per_day)
        rows.append({"step": name, "usd_per_day": now, "saving_usd": before - now,
                     "saving_pct_of_baseline": 100 * (before - now) / first})
        before = now
    return pd.DataFrame(rows).set_index("step")


def measured_order(base: Settings = BASELINE, tasks_per_day: int = 1_000) -> list[str]:
    """The levers ranked greedily by the saving each gives next, on this task set. Taught in notebook ``03_five_levers``."""
    remaining, s, order = list(LEVERS), base, []
    while remaining:
        best = max(remaining, key=lambda n: total(s, tasks_per_day) - total(LEVERS[n](s), tasks_per_day))
        order.append(best)
        s = LEVERS[best](s)
        remaining.remove(best)
    return order


def alone(base: Settings = BASELINE, tasks_per_day: int = 1_000) -> pd.Series:
    """Each lever applied alone to the baseline: its saving in per cent. Taught in notebook ``03_five_levers``."""
    b = total(base, tasks_per_day)
    return pd.Series({n: 100 * (b - total(f(base), tasks_per_day)) / b for n, f in LEVERS.items()},
                     name="saving alone, %").sort_values(ascending=False)


# --- caching economics ---------------------------------------------------------------------------------
def cache_break_even_reads(model: str = "claude-sonnet-4-6", as_of=None, one_hour: bool = False) -> float:
    """Reads after which writing a prefix to the cache has paid for its write premium. Taught in notebook ``03_five_levers``."""
    p = quote(model, as_of)
    write = (p.cache_write_1h if one_hour else p.cache_write) or p.input
    read = p.cache_read if p.cache_read is not None else p.input
    premium = write - p.input
    saving_per_read = p.input - read
    return premium / saving_per_read if saving_per_read > 0 else math.inf


def cache_hit_probability(requests_per_minute: float, ttl_minutes: float = 5.0) -> float:
    """Chance the next request with the same prefix arrives before the cache entry expires (Poisson arrivals). Taught in notebook ``03_five_levers``."""
    if requests_per_minute < 0 or ttl_minutes <= 0:
        raise ValueError("requests_per_minute must be >= 0 and ttl_minutes > 0")
    return 1 - math.exp(-requests_per_minute * ttl_minutes)


# --- anti-patterns -------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def whole_repo_tokens() -> int:
    """o200k tokens of a real repository's Python source and tests (marshmallow 3.21.0, lesson 02's real-size
    project): what "the whole codebase in the prompt" sends, measured. Taught in notebook ``03_five_levers``."""
    from . import tokens
    from .agent import REAL_PROJECT
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(REAL_PROJECT.rglob("*.py")))
    return tokens.count(text, "o200k").tokens


def fixed_setup(base: Settings = BASELINE) -> Settings:
    """All five levers applied: the setup each anti-pattern is priced against. Taught in notebook ``03_five_levers``."""
    return lever_output(lever_context(lever_caching(lever_guard(lever_routing(base)))))


def anti_patterns(tasks_per_day: int = 1_000) -> pd.DataFrame:
    """Each anti-pattern (反模式) with its measured cost and its fix, on the course's task set, everything else set as
    in the fixed setup (caching included). Taught in notebook ``03_five_levers``.

    "The whole codebase in the prompt" puts the measured repository into the stable prefix, where the fixed setup's
    cache reads most of it (the uncached figure is in ``whole_codebase_uncached``). "Usage never read" is credited
    only with what metering itself saves, the guard and its alerts; the other levers need usage to be read to be
    found, but their savings are theirs, not metering's."""
    kinds = {k.name: k for k in task_set()}
    cls = kinds["intent classification"]
    agent = kinds["code review agent"]
    good = fixed_setup()

    def per_day(kind, s, n):
        return task_cost(kind, s)["usd_per_task"] * n

    review = kinds["code review (single call)"]
    n_cls, n_agent, n_review = cls.share * tasks_per_day, agent.share * tasks_per_day, review.share * tasks_per_day
    rows = [
        ("max_tokens=4096 and thinking for intent classification", per_day(cls, replace(good, max_tokens=4096, thinking=True,
         structured_output=False), n_cls), per_day(cls, good, n_cls), "max_tokens 64–256, thinking off, a JSON label"),
        ("the whole codebase in the prompt (its prefix cached)", per_day(whole_codebase(review), good, n_review),
         per_day(review, good, n_review), "retrieve the relevant chunks (RAG top-k)"),
        ("an agent with no turn limit or token budget", per_day(agent, replace(good, guard=False), n_agent),
         per_day(agent, good, n_agent), "a turn limit and a token budget (the guard)"),
        ("every request to the flagship", total(replace(good, routing=False), tasks_per_day),
         total(good, tasks_per_day), "route easy tasks to a small model behind a quality gate"),
        ("usage never read until the month's bill", total(replace(good, guard=False), tasks_per_day),
         total(good, tasks_per_day), "record cost per task and alert on thresholds; only the guard's saving is "
         "credited here"),
    ]
    df = pd.DataFrame(rows, columns=["anti-pattern", "usd_per_day_bad", "usd_per_day_fixed", "fix"]).set_index("anti-pattern")
    df["times"] = df["usd_per_day_bad"] / df["usd_per_day_fixed"]
    return df


def whole_codebase(review: TaskKind) -> TaskKind:
    """A single-call review that sends the whole repository (measured, :func:`whole_repo_tokens`) as part of its
    stable prefix instead of retrieved chunks. Taught in notebook ``03_five_levers``."""
    return replace(review, rag_chunk_tokens=0, system_tokens=review.system_tokens + whole_repo_tokens())


def whole_codebase_uncached(tasks_per_day: int = 1_000) -> float:
    """How many times its fix the whole-codebase anti-pattern costs with caching off on both sides. Taught in notebook
    ``03_five_levers``."""
    review = {k.name: k for k in task_set()}["code review (single call)"]
    off = replace(fixed_setup(), caching=False)
    return task_cost(whole_codebase(review), off)["usd_per_task"] / task_cost(review, off)["usd_per_task"]


def benchmark_table() -> pd.DataFrame:
    """Published coding-agent results read by cost per *solved* task, not only by score (notebook ``03``). Each row
    keeps its page's date (or says the page is undated) and its harness: compare rows only within one harness."""
    df = pd.read_csv(DATA_DIR / "coding_agent_benchmarks.csv", comment="#")
    per_task = df["cost_per_task_usd"].fillna(df["total_cost_usd"] / df["tasks"])
    df["cost_per_task_usd"] = per_task.round(4)
    df["cost_per_solved_usd"] = (per_task / (df["resolved_pct"] / 100)).round(4)
    return df[["agent", "model", "resolved_pct", "cost_per_task_usd", "cost_per_solved_usd", "as_of", "read_by",
               "source"]]


def within_harness(table: pd.DataFrame | None = None) -> pd.DataFrame:
    """For each harness with two or more models in :func:`benchmark_table`: its highest score against its cheapest
    cost per solved task (the only comparison the table supports). Taught in notebook ``03_five_levers``."""
    t = benchmark_table() if table is None else table
    rows = []
    for agent, g in t.groupby("agent", sort=False):
        if len(g) < 2:
            continue
        best, cheap = g.loc[g["resolved_pct"].idxmax()], g.loc[g["cost_per_solved_usd"].idxmin()]
        rows.append({"harness": agent, "as_of": best["as_of"], "highest score": f"{best['model']} {best['resolved_pct']}%",
                     "its cost per solved task": best["cost_per_solved_usd"],
                     "cheapest per solved task": f"{cheap['model']} {cheap['resolved_pct']}%",
                     "cheapest cost per solved task": cheap["cost_per_solved_usd"],
                     "ratio": best["cost_per_solved_usd"] / cheap["cost_per_solved_usd"]})
    return pd.DataFrame(rows).set_index("harness")


# --- the knobs beyond the five levers ------------------------------------------------------------------------
def knobs() -> pd.DataFrame:
    """The cost knobs beyond the five levers (``data/cost_knobs.csv``): what each does to the bill, whether the course
    prices it, and its dated source. Taught in notebook ``03_five_levers``."""
    return pd.DataFrame(data_rows("cost_knobs.csv")).set_index("knob")  # its URLs hold "#": no comment= here


def failures(s: Settings) -> pd.DataFrame:
    """The task kinds whose calls ``max_tokens`` cuts off under the settings: what each needs (answer and thinking),
    the cap, and how the call ends. Empty when every call finishes. Taught in notebook ``03_five_levers``."""
    rows = []
    for k in task_set():
        end = finish(k, s)
        if end != "stop":
            answer, thinking = need(k, s)
            rows.append({"kind": k.name, "answer": answer, "thinking": thinking, "max_tokens": s.max_tokens,
                         "finish_reason": end})
    return pd.DataFrame(rows, columns=["kind", "answer", "thinking", "max_tokens", "finish_reason"]).set_index("kind")
