# %% [markdown]
# # 03 · The five cost levers, metering and alerts, and the anti-patterns
#
# **After this lesson you will be able to**
#
# - apply the five levers of the source page (五杠杆优化) to one workload and measure each saving;
# - tell whether the page's ranking holds for a given workload, and why it may not;
# - see an agent's hidden costs per turn (Agent 隐性成本): tool schemas, tool results, retries, thinking;
# - price each anti-pattern (反模式) and its fix;
# - meter cost per task, raise alerts, stop a runaway agent, and export the metrics with OpenTelemetry;
# - read a coding-agent benchmark by cost per solved task, not only by its score.

# %%
from dataclasses import replace

import matplotlib.pyplot as plt
import pandas as pd

from course_lib import agent, levers, money

pd.set_option("display.width", 120)
pd.set_option("display.max_colwidth", None)  # never cut a source or a reason short

# %% [markdown]
# ## 1. One day of tasks
#
# A web team's day: 1,000 LLM tasks of four kinds. Sizes come from lesson 02's measurements where we have
# them and are labelled assumptions where we do not (`data/task_set.csv`):

# %%
tasks = pd.DataFrame([k.__dict__ for k in levers.task_set()]).set_index("name")
tasks.drop(columns="source").rename(columns=lambda c: c.replace("_tokens", "").replace("_", " "))

# %% [markdown]
# Where each row's sizes come from (measured, or an assumption, in the data file's own words):

# %%
tasks[["source"]]

# %%
from IPython.display import Markdown, display

B = levers.BASELINE
display(Markdown(
    f"The **baseline** is the anti-pattern configuration: every request to the flagship ({B.strong_model}), "
    f"`max_tokens` {B.max_tokens} with thinking on ({B.thinking_tokens:,} thinking tokens a call, an assumption), "
    f"free-form answers ({levers.assumption('free_form_factor'):g} times the length of a structured one, an "
    f"assumption), {B.history} history, RAG top-k {B.rag_top_k}, no caching, no guard. Its day, per kind. The token "
    f"columns are one normal run; the agent's cost per task also carries its runaway loops: {B.runaway_share:.0%} of "
    f"agent tasks (an assumption) loop for {B.runaway_turns} turns, so its expected cost is {1 - B.runaway_share:.0%} "
    f"of `usd_typical` plus {B.runaway_share:.0%} of `usd_runaway`:"))

# %%
base = levers.daily_cost(levers.BASELINE)
print(f"baseline: {money.both(base['usd_per_day'].sum())} per day")
base[["calls", "input_tokens", "output_tokens", "finish", "usd_typical", "runaway_share", "usd_runaway",
      "usd_per_task", "tasks", "usd_per_day"]].round(4).T  # one column per task kind: fits the page

# %% [markdown]
# ## 2. The levers, one by one

# %%
ctx = levers.lever_context(B)
display(Markdown(f"""
| lever | what it changes here |
|---|---|
| 1 model routing (模型路由) | classification and extraction go to {B.small_model}; reviews stay on the strong model (the quality gate); {B.router_error:.0%} of hard tasks are misrouted, rejected by the gate and retried on the strong model. The router (a classification call per task) and the gate (a check of every small-model answer) are calls too, billed on the small model |
| 2 context control (控制 context) | RAG top-k {B.rag_top_k} → {ctx.rag_top_k}; history beyond the last {ctx.history_window} turns summarised to {ctx.summary_tokens:,} tokens, by a small-model call for each turn that leaves the window; tool results capped at {ctx.tool_result_cap:,} tokens |
| 3 output control (约束 output) | `max_tokens` sized to what each task needs (it bounds thinking too, as the APIs do), thinking off, structured output for the answers that are a label or small JSON (classification, extraction); reviews keep their length |
| 4 prompt caching (Prompt Caching) | stable prefix first, dynamic last: the prefix (and, in an agent, the previous request) is read from the cache on {B.cache_hit_rate:.0%} of calls and written again on the rest, once per cache lifetime; the changing suffix is never written; nothing below the provider's minimum is cached (`data/cache_rules.csv`, §5) |
| 5 metering & guard (埋点与告警) | cost per task recorded, alerts, a turn limit of {B.max_turns} that stops runaway loops |
"""))

# %% [markdown]
# A `max_tokens` below what a task needs is not a lever: the call ends with `finish_reason` = `length` (with
# thinking on it may end before any answer), is billed, and has to be retried. The model bills it that way (the
# cost explorer in §8 shows it).
#
# The rates and sizes behind the model (the router's error rate, the cache hit rate, how much longer free-form
# answers run, the share of agent tasks that loop, a retry after truncation, the router, gate and summariser
# calls, ...) are assumptions, each labelled as one with its reason in `data/lever_assumptions.csv`:

# %%
a = pd.DataFrame(levers.data_rows("lever_assumptions.csv")).set_index("name")[["value", "unit", "kind", "why"]]
a[~a.index.str.startswith("logs_")]  # the logs_* rows are lesson 06's

# %% [markdown]
# In the source's order, cumulatively:

# %%
wf = levers.waterfall()
wf.round(2)

# %%
def waterfall_chart(wf, title):
    fig, ax = plt.subplots(figsize=(8, 3.6))
    steps = list(wf.index)
    prev = wf["usd_per_day"].iloc[0]
    ax.bar(0, prev, color="grey")
    for i, step in enumerate(steps[1:], 1):
        now = wf.loc[step, "usd_per_day"]
        ax.bar(i, now - prev, bottom=prev, color="tab:green")
        prev = now
    ax.bar(len(steps), prev, color="tab:blue")
    ax.set_xticks(range(len(steps) + 1), steps + ["after all five"], rotation=25, ha="right", fontsize=8)
    ax.set_ylabel("USD per day")
    ax.set_title(title)
    fig.tight_layout()
    return fig

waterfall_chart(wf, "Savings waterfall, in the source's order")
plt.show()

# %% [markdown]
# ## 3. Does the ranking hold?
#
# Each lever alone, and the order a greedy measurement gives (at each step, the lever that saves most next):

# %%
print("saving of each lever alone, % of the baseline's daily bill:")
print(levers.alone().round(1).to_string())
order = levers.measured_order()
print("\nmeasured order:", " → ".join(order))

# %%
waterfall_chart(levers.waterfall(order), "Savings waterfall, in the measured order")
plt.show()

# %%
display(Markdown(f"On this workload the page's ranking does **not** hold: output control saves most, because "
                 f"{levers.assumption('thinking_tokens'):,} thinking tokens a call are billed as output on every call "
                 f"of every task at GPT-5.5's output price ({money.md(levers.quote('gpt-5.5').output, 0)} per million, "
                 "§1 of lesson 01). The ranking depends on the workload. For a model without thinking (set its "
                 "thinking tokens to 0), the order changes again:"))

# %%
no_thinking = replace(levers.BASELINE, thinking_tokens=0)
print("without thinking, measured order:", " → ".join(levers.measured_order(no_thinking)))
print("saving of each lever alone, % of that baseline's daily bill:")
print(levers.alone(no_thinking).round(1).to_string())

# %% [markdown]
# Take the page's ranking as a list of places to look, then measure on your own traffic.

# %% [markdown]
# ## 4. An agent's hidden costs, per turn
#
# From lesson 02's V3 run: every turn carries the system prompt and the tool schemas again, the history
# grows with every tool result fed back (tool results 回灌), and a failed call is a retry billed in full.

# %%
run = agent.run_agent(model="gpt-5.5", thinking_tokens=500)
f = run.frame()
hidden = pd.DataFrame({
    "tool schemas": f["schema_tokens"], "system prompt": f["system_tokens"],
    "history + tool results": f["history_tokens"], "output (with 500 thinking)": f["output_tokens"],
    "thinking": f["thinking_tokens"], "retry": f["retry"], "tool": f["tool"]})
hidden

# %%
print(f"over {len(f)} turns: schemas re-sent {f['schema_tokens'].sum():,} tokens, thinking {f['thinking_tokens'].sum():,} "
      f"output tokens, {run.retries} retry")

# %% [markdown]
# ## 5. Prompt caching: order, lifetime, break-even
#
# A cache hit needs the *same prefix*. Put a timestamp first and every request starts differently. Measured
# on the real llama.cpp server (recorded: `data/recorded/cache_timestamp_llamacpp.json`):

# %%
import json
from pathlib import Path

rec = json.loads(Path("../data/recorded/cache_timestamp_llamacpp.json").read_text())
print(rec["how"])
prompt = {u["prompt_tokens"] for v in rec["usage"].values() for u in v}
assert len(prompt) == 1, prompt  # every request of the recording is the same size
prompt = prompt.pop()
cached = pd.DataFrame({k: [u["prompt_tokens_details"]["cached_tokens"] for u in v] for k, v in rec["usage"].items()})
cached.index = pd.RangeIndex(1, len(cached) + 1, name="request")
cached.rename_axis(f"cached tokens of {prompt}", axis=1)

# %%
later = cached.iloc[1:]  # after the first request
first, last = later["timestamp first, swa_full=True"], later["timestamp last, swa_full=True"]
reused = int(later.filter(like="swa_full=False").max().max())
display(Markdown(
    f"With the full-size window cache (the last two columns): timestamp last, {last.min()}–{last.max()} of {prompt} "
    f"prompt tokens come from the cache after the first request; timestamp first, {first.min()}–{first.max()}. "
    "The first two columns hold a second lesson: without that cache (`--swa-full`), a sliding-window model in "
    f"llama.cpp reuses {reused or 'nothing'} of a prefix whose ending changed, wherever the timestamp is."))

# %% [markdown]
# Whether a prefix is cached at all depends on its length: each provider has a minimum, per model where its page
# lists models apart, and the pages change (Google's row: its page of 2025-05-07 said 1,024 tokens for Gemini 2.5
# Flash, its page updated 2026-10-13 says 2,048). Each rule with the date the course read it:

# %%
pd.DataFrame(levers.data_rows("cache_rules.csv")).set_index(["provider", "model"])

# %%
q = levers.quote("claude-sonnet-4-6")
display(Markdown(f"A cache write costs a premium (Anthropic, Claude Sonnet 4.6: {q.cache_write / q.input:.0%} of the "
                 f"input price for 5 minutes, {q.cache_write_1h / q.input:.0%} for an hour; a read "
                 f"{q.cache_read / q.input:.0%}). It pays off after:"))

# %%
for model in ("claude-sonnet-4-6",):
    print(f"{model}: 5-minute write pays off after {levers.cache_break_even_reads(model):.2f} reads, "
          f"one-hour write after {levers.cache_break_even_reads(model, one_hour=True):.2f} reads")
pd.DataFrame({"requests per minute with this prefix": rpm,
              "P(next hit), 5-minute cache": round(levers.cache_hit_probability(rpm, 5), 3),
              "P(next hit), 1-hour cache": round(levers.cache_hit_probability(rpm, 60), 3),
              "P(next hit), OpenAI 24-hour retention": round(levers.cache_hit_probability(rpm, 24 * 60), 3)}
             for rpm in (0.01, 0.05, 0.2, 1, 5)).set_index("requests per minute with this prefix")

# %% [markdown]
# The last column is OpenAI's extended retention (`prompt_cache_retention="24h"`), which keeps a prefix up to a
# day at the same cache price: for sparse traffic it turns most misses into hits. The 90% hit rate of the levers
# above is an assumption for steady traffic; this table is how to check it against yours.

# %% [markdown]
# ## 6. Metering, alerts and the agent guard
#
# The meter of lesson 01 with thresholds: an alert fires once per task, feature or day that passes its limit.

# %%
from course_lib.meter import CostMeter
from course_lib.usage import Usage

alerts = []
meter = CostMeter(thresholds={"task": 0.25, "day": 20.0}, on_alert=alerts.append)
for t in f.itertuples():
    meter.record(Usage(t.input_tokens, t.output_tokens), "gpt-5.5", feature="code-review", task="PR-7", day="2026-06-15")
for a in alerts:
    print(a)
# the OpenTelemetry attribute names (gen_ai.usage.*) are long; the table shows short names
short = {"input_tokens": "input", "output_tokens": "output", "cache_read.input_tokens": "cache read",
         "cache_creation.input_tokens": "cache write", "reasoning.output_tokens": "reasoning"}
per_task = meter.per_task().rename(columns=lambda c: short.get(c.removeprefix("gen_ai.usage."), c))
per_task

# %%
print(f"{len(alerts)} alert: it fires on the call that takes the task past its threshold ({money.fmt(alerts[0].spent_usd)} "
      f"so far); the task goes on to {money.fmt(per_task.loc['PR-7', 'cost_usd'])}. An alert reports; the guard below stops.")

# %% [markdown]
# A runaway agent (here: a policy that runs the tests forever) against a guard with a USD budget. Without
# the guard it would run until its turn limit; with it, it stops before the budget is spent:

# %%
runaway = agent.ScriptedPolicy([{"tool": "run_tests", "args": {}}])
unguarded = agent.run_agent(runaway, "gpt-5.5", max_turns=40, token_budget=10**9)
guarded = agent.run_agent(runaway, "gpt-5.5", max_turns=40, token_budget=10**9, usd_budget=0.10)
from course_lib.billing import cost  # noqa: E402

def run_usd(r):
    return sum(cost(Usage(t.input_tokens, t.output_tokens, t.cache_read_tokens, t.cache_write_tokens), "gpt-5.5").total_usd
               for t in r.turns)

print(f"unguarded: {len(unguarded.turns)} turns, {money.fmt(run_usd(unguarded))} ({unguarded.stop_reason})")
print(f"guarded:   {len(guarded.turns)} turns, {money.fmt(run_usd(guarded))} ({guarded.stop_reason})")

# %% [markdown]
# The meter exports through the OpenTelemetry SDK: token counts under the GenAI semantic convention
# `gen_ai.client.token.usage` (with `gen_ai.token.type`), cost as `llm.cost` with its currency. Here into an
# in-memory reader; in production, an OTLP exporter.

# %%
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from course_lib.meter import export_opentelemetry

reader = InMemoryMetricReader()
export_opentelemetry(meter, reader)
for rm in reader.get_metrics_data().resource_metrics:
    for sm in rm.scope_metrics:
        for metric in sm.metrics:
            for dp in metric.data.data_points:
                value = getattr(dp, "sum", None)
                value = dp.value if value is None else value
                print(f"{metric.name:28} {metric.unit:8} {dict(dp.attributes).get('gen_ai.token.type', ''):7} {value:,.4f}")

# %% [markdown]
# ## 7. The anti-patterns, priced
#
# Each against its fix, on the same day of tasks (everything else set as in the fixed setup, caching included).
# "The whole codebase" is measured, not assumed: lesson 02's real project (marshmallow, source and tests), sent
# with every single-call review of the day as part of its stable prefix, so the fixed setup's cache reads most of
# it. "Usage never read" is credited only with what metering itself saves (the guard and its alerts): reading
# usage is how the other levers are found, but their savings are theirs.

# %%
print(f"the whole repository: {levers.whole_repo_tokens():,} o200k tokens; with caching off on both sides it "
      f"costs {levers.whole_codebase_uncached():.1f}x its fix")
levers.anti_patterns().round(4)

# %% [markdown]
# One more, not in the table because it is a belief rather than a setting: **a Cursor or Copilot
# subscription does not make API use free** (以为 Cursor/Copilot 订阅 = API 免费). The subscription pays for
# the vendor's product; every call your own application makes is billed per token on your API account, at
# the prices of lesson 01.
#
# ## 8. The cost explorer
#
# The source's five cost knobs (五个成本旋钮) as controls: `max_tokens`; system prompt length, billed on
# every turn; history strategy; RAG top-k; model routing. Change them and watch the cost per task and the
# monthly bill.

# %% tags=["nbval-ignore-output"]
from course_lib.widgets import cost_explorer

cost_explorer()

# %% [markdown]
# Set `max_tokens` below what a task needs and the explorer says which task kinds fail and how: their cost goes
# up (the cut-off call is billed, then retried), never down. For instance 64 tokens with thinking on:

# %%
capped = replace(levers.BASELINE, max_tokens=64)
levers.failures(capped)

# %%
print(f"baseline {money.fmt(levers.total(levers.BASELINE))} per day; with max_tokens 64: "
      f"{money.fmt(levers.total(capped))} per day, and no answer from any call's first attempt")

# %% [markdown]
# ## 8b. The knobs beyond the five levers
#
# What a senior engineer also reaches for: reasoning effort and thinking budgets, cache breakpoints and cache keys,
# longer cache retention, the free token-counting endpoints, what failed or cancelled calls cost, rate limits,
# your own response cache, and the calls the levers themselves add. Each with what it does to the bill, whether
# the course prices it and where, and its source with the date the course read it (`data/cost_knobs.csv`):

# %%
knobs = levers.knobs()
for k, r in knobs.iterrows():  # the sources, read on the date in the table
    print(f"{k}: {r['source']}")
knobs.drop(columns="source")

# %% [markdown]
# ## 9. Coding agents: read a benchmark by cost per solved task
#
# Every loop turn is a billed unit (每轮 Loop = 计费单元); context management is cost management
# (Harness / Context 管理即成本管理); every tool result fed back is input. A benchmark score alone hides
# that. Published SWE-bench Verified figures, each with its source, read by cost per *solved* task:

# %%
bench = levers.benchmark_table()
for r in bench.drop_duplicates("source").itertuples():
    print(f"{r.agent}: {r.source}")
bench.drop(columns="source")

# %%
undated = bench["as_of"].str.startswith("undated")
dated = bench[~undated].drop_duplicates("agent")
display(Markdown(
    f"Only {' and '.join(f'the {r.agent} page dates its run ({r.as_of})' for r in dated.itertuples())}; the other "
    "pages print no date, so for their rows `read_by`, the day the course copied the row, says only "
    "\"this was on the page by then\", for models of 2024 and 2025. Each row is one harness (the agent: its prompts, tools and turn limits) "
    "with one model, and a harness changes the bill as much as a model does, so rows of different harnesses do not "
    "compare. Within one harness, which is all the table supports:"))

# %%
levers.within_harness().round(4)

# %%
hal = bench[bench["agent"] == "HAL generalist agent"].sort_values("resolved_pct", ascending=False)
top, rest = hal.iloc[0], hal.iloc[1:]
display(Markdown(
    f"In HAL's harness the highest score ({top['model']}, {top['resolved_pct']}%) was also the cheapest per solved "
    f"task: the other models spent more per task ({', '.join(money.md(v, 4) for v in rest['cost_per_task_usd'])} "
    f"against {money.md(top['cost_per_task_usd'], 4)}) and solved fewer "
    f"({', '.join(f'{v}%' for v in rest['resolved_pct'])}). The other rows are one model each under different "
    "harnesses; they show how wide cost per solved task ranges, not which model is cheaper. Compute tokens and cost "
    "per solved task on your own tasks, under your own harness."))

# %% [markdown]
# ## Recap
#
# - Each lever is a change to the workflow: route, trim context, bound output, cache the stable prefix, meter and guard;
#   the router, gate and summariser they add are calls too, and a cap below a task's need is a failure, not a saving.
# - Their ranking depends on the workload: here thinking output made output control the biggest lever.
# - An agent's hidden costs are per turn: schemas, tool results, retries, thinking.
# - Put dynamic content (timestamps!) last; a cache write pays off after a fraction of a read (5 minutes) or about one (1 hour).
# - Meter cost per task, alert on thresholds, and give every agent a turn limit and a budget.
#
# ## Exercises

# %%
from course_lib.exercises import check, hint, question, solution

print(question("03.1"))
check("03.1", ...)

# %%
print(question("03.2"))
check("03.2", ...)

# %% [markdown]
# Using the five-minute write price in 03.1 gets this feedback:

# %%
check("03.1", levers.cache_break_even_reads("claude-sonnet-4-6"))
