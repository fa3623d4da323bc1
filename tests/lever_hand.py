"""Lesson 03's day of tasks priced by hand, for the tests: the workflow as the notebook and data/lever_assumptions.csv
describe it in words, written out from the data files with the prices as printed on the providers' pages, without
course_lib. Caching is left out here (tests/test_levers.py derives it turn by turn); every other lever is in.

Prices, USD per million tokens, 2026-06-15: GPT-5.5 5 input / 30 output (openai.com/api/pricing); Gemini 2.5
Flash-Lite 0.10 / 0.40 (ai.google.dev/gemini-api/docs/pricing). No request here reaches GPT-5.5's 272K tier.
"""
import csv

from course_lib.data import DATA_DIR

PRICE = {"gpt-5.5": (5.0, 30.0), "gemini-2.5-flash-lite": (0.10, 0.40)}


def _csv(name):
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


A = {r["name"]: float(r["value"]) for r in _csv("lever_assumptions.csv")}
KINDS = _csv("task_set.csv")


def usd(model, n_in, n_out):
    i, o = PRICE[model]
    return (n_in * i + n_out * o) / 1e6


def settings(*levers):
    """The baseline with the named levers applied, as a plain dict (the notebook's table of levers, in words)."""
    s = {"routing": False, "top_k": 12, "history": "full", "result_cap": None, "max_tokens": 4096, "thinking": True,
         "structured": False, "guard": False}
    for lever in levers:
        if lever == "routing":
            s["routing"] = True
        elif lever == "context":
            s.update(top_k=4, history="summary", result_cap=800)
        elif lever == "output":
            s.update(max_tokens=1024, thinking=False, structured=True)
        elif lever == "guard":
            s["guard"] = True
        else:
            raise ValueError(lever)
    return s


def settings_alone(lever):
    """The baseline with at most one lever."""
    return settings(*([lever] if lever else []))


def _need(k, s):
    label = s["structured"] and k["agent"] == "false" and k["hard"] == "false"
    answer = min(int(k["output_tokens"]), int(A["label_tokens"])) if label else int(k["output_tokens"])
    if not s["structured"]:
        answer = int(answer * A["free_form_factor"])
    thinking = int(A["thinking_tokens"]) if s["thinking"] and not label else 0
    return answer, thinking


def _run(k, s, turns):
    """(calls on the task's model as (input, output) pairs, calls on the small model for the summariser)."""
    answer, thinking = _need(k, s)
    assert answer + thinking <= s["max_tokens"]  # no truncation in these settings
    opening = int(k["system_tokens"]) + int(k["tool_schema_tokens"]) + int(k["user_tokens"]) \
        + int(k["rag_chunk_tokens"]) * s["top_k"]
    if k["agent"] == "false":
        return [(opening, answer + thinking)], []
    result = int(k["tool_result_tokens"]) if s["result_cap"] is None else min(int(k["tool_result_tokens"]), s["result_cap"])
    window, cap = int(A["history_window"]), int(A["summary_tokens"])
    calls, small, history, summary = [], [], [], 0
    for _ in range(turns):
        if s["history"] == "full":
            hist = sum(history)
        else:  # summary: the last `window` turns verbatim, older ones folded into a rolling summary
            older = history[:-window]
            if older:
                small.append((summary + older[-1], min(cap, sum(older))))
                summary = min(cap, sum(older))
            hist = sum(history[-window:]) + summary
        calls.append((opening + hist, answer + thinking))
        history.append(answer + result)
    return calls, small


def task_usd(k, s, turns):
    calls, small = _run(k, s, turns)
    strong, cheap = "gpt-5.5", "gemini-2.5-flash-lite"
    label = next(r for r in KINDS if r["name"] == "intent classification")
    router = usd(cheap, int(label["system_tokens"]) + int(k["user_tokens"]), int(label["output_tokens"]))
    gate = usd(cheap, int(label["system_tokens"]) + int(k["user_tokens"]) + _need(k, s)[0], int(label["output_tokens"]))
    extra = sum(usd(cheap, i, o) for i, o in small)
    if not s["routing"]:
        return sum(usd(strong, i, o) for i, o in calls) + extra
    if k["hard"] == "false":
        return sum(usd(cheap, i, o) for i, o in calls) + router + gate + extra
    err = A["router_error"]  # misrouted: a small-model attempt, rejected by the gate, then the strong model
    return (sum(usd(strong, i, o) for i, o in calls) + err * sum(usd(cheap, i, o) for i, o in calls)
            + router + err * gate + extra)


def day_usd(s, tasks=1_000):
    total = 0.0
    for k in KINDS:
        if k["agent"] == "true":
            loop = int(A["max_turns"] if s["guard"] else A["runaway_turns"])
            normal, runaway = task_usd(k, s, int(k["turns"])), task_usd(k, s, max(loop, int(k["turns"])))
            per = (1 - A["runaway_share"]) * normal + A["runaway_share"] * runaway
        else:
            per = task_usd(k, s, 1)
        total += per * float(k["share"]) * tasks
    return total
