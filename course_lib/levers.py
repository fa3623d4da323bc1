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


def _output(kind: TaskKind, s: Settings) -> int:
    """Output tokens of one call, thinking included. Structured output shortens only the answers that are labels
    or small JSON objects (a truncated review is not a cheaper review); ``max_tokens`` bounds the whole output,
    thinking included, as the APIs do (OpenAI's max_output_tokens counts reasoning; Anthropic's thinking
    budget must stay below max_tokens)."""
    structured = s.structured_output and _labels(kind)
    need = min(kind.output_tokens, 64) if structured else kind.output_tokens  # a label or a small JSON object
    verbose = need if s.structured_output else int(need * 1.5)  # free-form answers run 50% longer (assumption)
    thinking = s.thinking_tokens if s.thinking and not structured else 0
    return min(verbose + thinking, s.max_tokens)


def calls(kind: TaskKind, s: Settings) -> pd.DataFrame:
    """The calls one task makes, with input split into stable prefix and dynamic part, and output. Taught in notebook ``03_five_levers``."""
    rag = kind.rag_chunk_tokens * s.rag_top_k
    system = kind.system_tokens if s.system_prompt_tokens is None else s.system_prompt_tokens
    prefix = system + kind.tool_schema_tokens
    if not kind.agent:
        rows = [{"turn": 1, "prefix": prefix, "dynamic": kind.user_tokens + rag, "output": _output(kind, s)}]
        return pd.DataFrame(rows)
    turns = kind.turns
    rows, history = [], []
    out = _output(kind, s)
    result = kind.tool_result_tokens if s.tool_result_cap is None else min(kind.tool_result_tokens, s.tool_result_cap)
    for t in range(1, turns + 1):
        if s.history == "full":
            hist = sum(history)
        elif s.history == "window":
            hist = sum(history[-s.history_window:])
        elif s.history == "summary":
            older = history[:-s.history_window]
            hist = sum(history[-s.history_window:]) + (min(s.summary_tokens, sum(older)) if older else 0)
        else:
            raise ValueError(f"history must be full, window or summary, got {s.history!r}")
        rows.append({"turn": t, "prefix": prefix, "dynamic": kind.user_tokens + rag + hist, "output": out})
        history.append(max(0, out - (s.thinking_tokens if s.thinking else 0)) + result)  # thinking is not re-sent
    return pd.DataFrame(rows)


def _bill(df: pd.DataFrame, model: str, s: Settings) -> float:
    n_in = (df["prefix"] + df["dynamic"]).astype("int64")
    frame = pd.DataFrame({"input_tokens": n_in, "output_tokens": df["output"].astype("int64")})
    if s.caching:
        p = quote(model, s.as_of)
        # the stable prefix and, in an agent, the previous request are cache reads; a prefix shorter than the
        # provider's minimum (data/cache_rules.csv: 1,024 tokens at OpenAI and Anthropic) is never cached
        stable = df["prefix"] + df["dynamic"].shift(1, fill_value=0).clip(upper=df["dynamic"]) * (df["turn"] > 1)
        stable = stable.where(stable >= min_cacheable_prefix(p.provider), 0)
        read = (stable * s.cache_hit_rate).astype("int64").clip(upper=n_in)
        frame["cache_read_tokens"] = read
        frame["cache_write_tokens"] = (n_in - read) if p.cache_write is not None else 0
    return float(cost_frame(frame, model, s.as_of)["total_usd"].sum())


def task_cost(kind: TaskKind, s: Settings) -> dict:
    """Expected USD per task of one kind under the settings, routing errors and runaway loops included. Taught in notebook ``03_five_levers``."""
    df = calls(kind, s)
    if s.routing and not kind.hard:
        usd = _bill(df, s.small_model, s)
    elif s.routing and kind.hard:
        # misrouted hard tasks: a small-model attempt the gate rejects, then the strong model (a retry)
        usd = _bill(df, s.strong_model, s) + s.router_error * _bill(df, s.small_model, s)
    else:
        usd = _bill(df, s.strong_model, s)
    if kind.agent:
        loop_turns = s.max_turns if s.guard else s.runaway_turns
        long = replace(kind, turns=max(loop_turns, kind.turns))
        model = s.small_model if (s.routing and not kind.hard) else s.strong_model
        runaway = _bill(calls(long, s), model, s)
        usd = (1 - s.runaway_share) * usd + s.runaway_share * runaway
    return {"kind": kind.name, "usd_per_task": usd, "calls": len(df),
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


def anti_patterns(tasks_per_day: int = 1_000) -> pd.DataFrame:
    """Each anti-pattern (反模式) with its measured cost and its fix, on the course's task set. Taught in notebook ``03_five_levers``."""
    kinds = {k.name: k for k in task_set()}
    cls = kinds["intent classification"]
    agent = kinds["code review agent"]
    good = lever_output(lever_context(lever_caching(lever_guard(lever_routing(BASELINE)))))

    def per_day(kind, s, n):
        return task_cost(kind, s)["usd_per_task"] * n

    review = kinds["code review (single call)"]
    n_cls, n_agent, n_review = cls.share * tasks_per_day, agent.share * tasks_per_day, review.share * tasks_per_day
    whole_repo = replace(review, rag_chunk_tokens=0, user_tokens=review.user_tokens + whole_repo_tokens())
    rows = [
        ("max_tokens=4096 and thinking for intent classification", per_day(cls, replace(good, max_tokens=4096, thinking=True,
         structured_output=False), n_cls), per_day(cls, good, n_cls), "max_tokens 64–256, thinking off, a JSON label"),
        ("the whole codebase in the prompt", per_day(whole_repo, good, n_review),
         per_day(review, good, n_review), "retrieve the relevant chunks (RAG top-k)"),
        ("an agent with no turn limit or token budget", per_day(agent, replace(good, guard=False), n_agent),
         per_day(agent, good, n_agent), "a turn limit and a token budget (the guard)"),
        ("every request to the flagship", total(replace(good, routing=False), tasks_per_day),
         total(good, tasks_per_day), "route easy tasks to a small model behind a quality gate"),
        ("usage never read until the month's bill", total(BASELINE, tasks_per_day), total(good, tasks_per_day),
         "record cost per task and alert on thresholds: every lever above starts from reading usage"),
    ]
    df = pd.DataFrame(rows, columns=["anti-pattern", "usd_per_day_bad", "usd_per_day_fixed", "fix"]).set_index("anti-pattern")
    df["times"] = df["usd_per_day_bad"] / df["usd_per_day_fixed"]
    return df


def benchmark_table() -> pd.DataFrame:
    """Published coding-agent results read by cost per *solved* task, not only by score (notebook ``03``)."""
    df = pd.read_csv(DATA_DIR / "coding_agent_benchmarks.csv")
    per_task = df["cost_per_task_usd"].fillna(df["total_cost_usd"] / df["tasks"])
    df["cost_per_task_usd"] = per_task.round(4)
    df["cost_per_solved_usd"] = (per_task / (df["resolved_pct"] / 100)).round(4)
    return df[["agent", "model", "resolved_pct", "cost_per_task_usd", "cost_per_solved_usd", "as_of", "source"]]
