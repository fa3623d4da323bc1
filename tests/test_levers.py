"""The five levers on the course's task set: every figure the notebook shows is derived here from the data files and
the prices as printed (tests/lever_hand.py, and the arithmetic written out below), never copied from the module."""
from dataclasses import replace

import pytest

from course_lib import agent, levers
from course_lib.meter import CostMeter, export_opentelemetry
from course_lib.usage import Usage
from tests.lever_hand import day_usd, settings

KINDS = {k.name: k for k in levers.task_set()}


def test_baseline_day_by_hand():
    assert levers.total(levers.BASELINE) == pytest.approx(day_usd(settings()))
    # one kind written out: intent classification on GPT-5.5 ($5/M in, $30/M out): 600 system + 150 task tokens in;
    # a 10-token label written free-form (x1.5 = 15) plus 1,000 thinking tokens out
    cls = levers.task_cost(KINDS["intent classification"], levers.BASELINE)["usd_per_task"]
    assert cls == pytest.approx(((600 + 150) * 5 + (15 + 1_000) * 30) / 1e6)


def test_the_agent_row_says_its_runaway_share():
    """The agent's cost per task is 95% of a normal 15-turn run plus 5% of a 60-turn runaway: the row carries all
    three, so its 15-turn token counts no longer seem to price to less than its cost (issue 21)."""
    r = levers.task_cost(KINDS["code review agent"], levers.BASELINE)
    assert r["runaway_share"] == 0.05 and r["usd_runaway"] > r["usd_typical"]
    assert r["usd_per_task"] == pytest.approx(0.95 * r["usd_typical"] + 0.05 * r["usd_runaway"])
    assert r["usd_typical"] == pytest.approx(r["input_tokens"] * 5 / 1e6 + r["output_tokens"] * 30 / 1e6)


def test_the_task_sets_measured_sizes_are_what_the_tokenizer_counts():
    """data/task_set.csv says its review sizes were measured on lesson 02's sample change: recount them."""
    from course_lib import review
    kinds = {k.name: k for k in levers.task_set()}
    v1 = review.v1("gpt-5.5", change="shop")  # o200k
    assert kinds["code review (single call)"].user_tokens == v1.detail["diff_tokens"]
    assert kinds["code review (single call)"].system_tokens == v1.detail["system_tokens"]
    assert kinds["code review agent"].user_tokens == v1.detail["diff_tokens"] + agent.MESSAGE_OVERHEAD_TOKENS
    assert f"{v1.detail['diff_tokens']:,}" in kinds["code review (single call)"].source


@pytest.mark.parametrize("step, applied", [
    ("1 model routing", ["routing"]), ("2 context control", ["routing", "context"]),
    ("3 output control", ["routing", "context", "output"]),
])
def test_waterfall_in_the_source_order_by_hand(step, applied):
    wf = levers.waterfall()
    assert wf.loc[step, "usd_per_day"] == pytest.approx(day_usd(settings(*applied)))
    assert wf.loc[step, "saving_usd"] > 0  # every lever reduces cost on the same task set


def test_waterfall_caching_and_guard_steps():
    """Steps 4 and 5 are the settings they name, and both save (caching by hand: see the cache tests below)."""
    wf = levers.waterfall()
    s = levers.lever_output(levers.lever_context(levers.lever_routing(levers.BASELINE)))
    assert wf.loc["4 prompt caching", "usd_per_day"] == pytest.approx(levers.total(levers.lever_caching(s)))
    assert wf.loc["5 metering & guard", "usd_per_day"] == pytest.approx(levers.total(levers.fixed_setup()))
    assert (wf["saving_usd"].iloc[1:] > 0).all()


def test_each_lever_alone_saves():
    a = levers.alone()
    assert (a > 0).all()
    base = day_usd(settings())
    assert a.index[0] == "3 output control"
    for name, lever in (("1 model routing", "routing"), ("2 context control", "context"),
                        ("3 output control", "output"), ("5 metering & guard", "guard")):
        assert a[name] == pytest.approx(100 * (base - day_usd(settings(lever))) / base)


def test_measured_order_differs_from_the_source_and_depends_on_thinking():
    assert levers.measured_order()[0] == "3 output control"
    assert levers.measured_order(replace(levers.BASELINE, thinking_tokens=0))[0] == "4 prompt caching"


def test_routing_quality_gate():
    kinds = {k.name: k for k in levers.task_set()}
    s = levers.lever_routing(levers.BASELINE)
    hard = levers.task_cost(kinds["code review (single call)"], s)["usd_per_task"]
    hard_base = levers.task_cost(kinds["code review (single call)"], levers.BASELINE)["usd_per_task"]
    assert hard > hard_base  # hard tasks never get cheaper: misroutes are rejected and retried on the strong model
    easy = levers.task_cost(kinds["intent classification"], s)["usd_per_task"]
    assert easy < levers.task_cost(kinds["intent classification"], levers.BASELINE)["usd_per_task"] / 10


def test_context_control_per_turn():
    kind = {k.name: k for k in levers.task_set()}["code review agent"]
    full = levers.calls(kind, levers.BASELINE)
    summ = levers.calls(kind, levers.lever_context(levers.BASELINE))
    assert (full["dynamic"].diff().dropna() > 0).all()  # full history: input grows every turn
    assert summ["dynamic"].iloc[-1] < full["dynamic"].iloc[-1]
    # once the older history exceeds the summary size, the input stops growing beyond the recent window
    assert summ["dynamic"].iloc[-1] == summ["dynamic"].iloc[-2]
    win = levers.calls(kind, replace(levers.BASELINE, history="window", history_window=2))
    assert win["dynamic"].iloc[-1] == win["dynamic"].iloc[-2]  # a window: input stops growing


def test_output_control_bounds_output():
    kind = KINDS["intent classification"]
    assert levers.calls(kind, levers.BASELINE)["output"].iloc[0] == 10 * 1.5 + 1000  # free-form x1.5, thinking 1,000
    assert levers.calls(kind, levers.lever_output(levers.BASELINE))["output"].iloc[0] == 10


def test_every_factor_of_the_output_model_is_a_labelled_assumption():
    from course_lib.prices import data_rows
    rows = {r["name"]: r for r in data_rows("lever_assumptions.csv")}
    for name in ("free_form_factor", "label_tokens", "truncation_retries", "router_calls", "gate_calls",
                 "summary_calls", "runaway_share", "cache_hit_rate"):
        assert rows[name]["kind"] == "assumption" and len(rows[name]["why"]) > 40, name


def test_cache_economics():
    assert levers.cache_break_even_reads("claude-sonnet-4-6") == pytest.approx(0.75 / 2.7)
    assert levers.cache_break_even_reads("claude-sonnet-4-6", one_hour=True) == pytest.approx(3 / 2.7)
    assert levers.cache_hit_probability(0) == 0 and levers.cache_hit_probability(1, 5) > 0.99
    with pytest.raises(ValueError):
        levers.cache_hit_probability(1, 0)


def test_anti_patterns_all_cost_more_than_their_fix():
    t = levers.anti_patterns()
    assert len(t) == 5 and (t["times"] > 1).all()
    # the whole repository is a stable prefix: priced with the fixed setup's caching it costs a few times its fix;
    # uncached it would be more than ten times
    whole = t.loc["the whole codebase in the prompt (its prefix cached)", "times"]
    assert 2 < whole < levers.whole_codebase_uncached() and levers.whole_codebase_uncached() > 10
    # "usage never read" is credited only with what metering itself saves (the guard), not every lever's saving
    usage = t.loc["usage never read until the month's bill"]
    assert usage["usd_per_day_bad"] == pytest.approx(levers.total(replace(levers.fixed_setup(), guard=False)))
    assert usage["usd_per_day_bad"] < levers.total(levers.BASELINE) / 2
    # the whole repository is measured, not assumed: a real project's source and tests, counted with o200k
    from course_lib import tokens
    from course_lib.agent import REAL_PROJECT
    files = sorted(REAL_PROJECT.rglob("*.py"))
    assert len(files) > 20
    assert levers.whole_repo_tokens() == tokens.count("\n".join(p.read_text() for p in files), "o200k").tokens
    # single-call reviews are priced at their own volume (30% of the day), not the agent's 10%
    review = {k.name: k for k in levers.task_set()}["code review (single call)"]
    fixed = levers.task_cost(review, levers.lever_output(levers.lever_context(levers.lever_caching(
        levers.lever_guard(levers.lever_routing(levers.BASELINE))))))["usd_per_task"]
    assert t.loc["the whole codebase in the prompt (its prefix cached)", "usd_per_day_fixed"] == pytest.approx(fixed * 300)


def test_guard_stops_a_runaway_loop_before_its_budget():
    runaway = agent.ScriptedPolicy([{"tool": "run_tests", "args": {}}])
    free = agent.run_agent(runaway, "gpt-5.5", max_turns=40, token_budget=10**9)
    assert free.stop_reason == "turn limit: 40 turns"
    guarded = agent.run_agent(runaway, "gpt-5.5", max_turns=40, token_budget=10**9, usd_budget=0.10)
    assert guarded.stop_reason.startswith("USD budget") and len(guarded.turns) < len(free.turns)
    from course_lib.billing import cost
    spent = sum(cost(Usage(t.input_tokens, t.output_tokens, t.cache_read_tokens, t.cache_write_tokens), "gpt-5.5").total_usd
                for t in guarded.turns)
    assert spent <= 0.10


def test_opentelemetry_export_in_memory():
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    m = CostMeter()
    m.record(Usage(3200, 500), "claude-sonnet-4-6", feature="review", task="t")
    reader = InMemoryMetricReader()
    export_opentelemetry(m, reader)
    metrics = {met.name: met for rm in reader.get_metrics_data().resource_metrics
               for sm in rm.scope_metrics for met in sm.metrics}
    tokens = {dp.attributes["gen_ai.token.type"]: dp.sum for dp in metrics["gen_ai.client.token.usage"].data.data_points}
    assert tokens == {"input": 3200, "output": 500}
    (cost_point,) = metrics["llm.cost"].data.data_points
    assert cost_point.value == pytest.approx(0.0171) and cost_point.attributes["currency"] == "USD"


def test_benchmark_table_cost_per_solved():
    t = levers.benchmark_table().set_index("model")
    assert t.loc["claude-3-5-sonnet-20241022", "cost_per_solved_usd"] == pytest.approx(67.09 / 500 / 0.38, abs=1e-4)
    assert t["source"].str.startswith("https://").all()
    assert t["read_by"].str.match(r"\d{4}-\d{2}-\d{2}$").all()  # undated pages: the date the course copied them


def test_benchmarks_are_compared_only_within_one_harness():
    w = levers.within_harness()
    t = levers.benchmark_table()
    for harness, row in w.iterrows():
        g = t[t["agent"] == harness]
        assert len(g) >= 2
        assert row["its cost per solved task"] == g.loc[g["resolved_pct"].idxmax(), "cost_per_solved_usd"]
    assert set(w.index) == {a for a, g in t.groupby("agent") if len(g) >= 2}


def test_recorded_timestamp_cache_run():
    import json
    from course_lib.data import DATA_DIR
    rec = json.loads((DATA_DIR / "recorded" / "cache_timestamp_llamacpp.json").read_text())["usage"]
    last = [u["prompt_tokens_details"]["cached_tokens"] for u in rec["timestamp last, swa_full=True"]]
    first = [u["prompt_tokens_details"]["cached_tokens"] for u in rec["timestamp first, swa_full=True"]]
    assert min(last[1:]) > 0.9 * 417 and max(first) < 0.1 * 417


def test_structured_output_never_truncates_a_review():
    """A 64-token cap suits a label, not an 800-token review: a truncated review is not a cheaper review."""
    kinds = {k.name: k for k in levers.task_set()}
    s = levers.lever_output(levers.BASELINE)
    assert levers.calls(kinds["code review (single call)"], s)["output"].iloc[0] == 800
    assert levers.calls(kinds["intent classification"], s)["output"].iloc[0] == 10  # a label: its own size


def test_a_cap_below_the_need_is_a_failure_not_a_saving():
    """max_tokens 64 with thinking off: a review that needs 800 x 1.5 = 1,200 tokens is cut off (finish_reason
    length), billed for its input and 64 output tokens, then retried with a cap that fits: by hand on GPT-5.5,
    input 35 system + 1,744 diff + 12 chunks of 290 = 5,259 tokens."""
    review = KINDS["code review (single call)"]
    capped = replace(levers.BASELINE, max_tokens=64, thinking=False)
    fits = replace(capped, max_tokens=4096)
    assert levers.finish(review, capped) == "length" and levers.finish(review, fits) == "stop"
    n_in = 35 + 1_744 + 12 * 290
    attempt, retry = (n_in * 5 + 64 * 30) / 1e6, (n_in * 5 + 1_200 * 30) / 1e6
    assert levers.task_cost(review, capped)["usd_per_task"] == pytest.approx(attempt + retry)
    assert levers.task_cost(review, capped)["usd_per_task"] > levers.task_cost(review, fits)["usd_per_task"]
    assert list(levers.failures(capped).index) == ["extraction", "code review (single call)"]


def test_thinking_that_fills_the_cap_leaves_no_answer():
    """With thinking on (1,000 tokens) every kind at max_tokens 64 ends without an answer, and costs more than
    with a cap that fits: never the 66% saving the old model showed."""
    s = replace(levers.BASELINE, max_tokens=64, thinking=True)
    assert set(levers.failures(s)["finish_reason"]) == {"length, no answer"}
    assert levers.total(s) > levers.total(levers.BASELINE)
    cls = KINDS["intent classification"]
    assert levers.task_cost(cls, s)["usd_per_task"] == pytest.approx(
        ((750 * 5 + 64 * 30) + (750 * 5 + 1_015 * 30)) / 1e6)


def test_the_cost_explorer_shows_the_failure():
    from course_lib.widgets import AS_MEASURED, cost_explorer_answer
    lines, _, _ = cost_explorer_answer(1000, strong_model="gpt-5.5", max_tokens=64, system_prompt_tokens=AS_MEASURED,
                                       history="full", rag_top_k=12, routing=False, thinking=True, caching=False)
    fails = [l for l in lines if l.startswith("FAILS:")]
    assert len(fails) == 4 and all("finish_reason=length" in l and "no answer" in l for l in fails)


def test_a_prefix_below_the_providers_minimum_is_never_cached():
    """OpenAI and Anthropic cache prompts of at least 1,024 tokens (data/cache_rules.csv): the single-call kinds'
    prefixes (600, 800 and 35 tokens) cost the same with caching on, on GPT-5.5 and on Sonnet 4.6, where the old
    model billed every uncached token as a write and caching raised the bill (issue 21)."""
    for model in ("gpt-5.5", "claude-sonnet-4-6"):
        off = replace(levers.BASELINE, strong_model=model)
        for name in ("intent classification", "extraction", "code review (single call)"):
            on = levers.task_cost(KINDS[name], replace(off, caching=True))["usd_per_task"]
            assert on == pytest.approx(levers.task_cost(KINDS[name], off)["usd_per_task"]), (model, name)
        agent_kind = KINDS["code review agent"]
        assert (levers.task_cost(agent_kind, replace(off, caching=True))["usd_per_task"]
                < levers.task_cost(agent_kind, off)["usd_per_task"])


def test_only_the_stable_prefix_is_written_by_hand():
    """A 3,200-token system prompt on Sonnet 4.6 ($3/M input, $0.30 read, $3.75 write, $15 output): 90% of calls read
    it, the other 10% write it again; the task's own tokens are plain input, never written."""
    cls = KINDS["intent classification"]
    s = replace(levers.BASELINE, strong_model="claude-sonnet-4-6", caching=True, system_prompt_tokens=3_200,
                thinking=False)
    read, write, plain = 0.9 * 3_200, 0.1 * 3_200, 150
    want = (read * 0.30 + write * 3.75 + plain * 3 + 15 * 15) / 1e6
    assert levers.task_cost(cls, s)["usd_per_task"] == pytest.approx(want)


def test_an_agent_writes_each_turn_once_and_reads_it_next_turn():
    """Full history on Sonnet 4.6: turn t reads 90% of turn t-1's request; what turn t adds (and the 10% missed) is
    written once, for turn t+1; a request under 1,024 tokens is neither read nor written."""
    kind = KINDS["code review agent"]
    s = replace(levers.BASELINE, strong_model="claude-sonnet-4-6", caching=True)
    df = levers.calls(kind, s)
    split = levers.cache_split(df, "claude-sonnet-4-6", s, agent=True)
    n = (df["prefix"] + df["dynamic"]).tolist()
    for t in range(len(n)):
        prev = n[t - 1] if t else 0
        cacheable = (df["prefix"].iloc[t] + df["dynamic"].iloc[t - 1]) if t else df["prefix"].iloc[t]
        read = int(0.9 * cacheable) if cacheable >= 1_024 else 0
        assert split["cache_read_tokens"].iloc[t] == read
        assert split["cache_write_tokens"].iloc[t] == (n[t] - read if n[t] >= 1_024 else 0)
        assert prev < n[t]


def test_minimum_prefixes_are_per_model_and_dated():
    from course_lib.prices import data_rows
    assert levers.min_cacheable_prefix("openai") == 1024 and levers.min_cacheable_prefix("deepseek") == 64
    assert levers.min_prefix("anthropic", "claude-haiku-4-5") == 4096
    assert levers.min_prefix("anthropic", "claude-sonnet-4-6") == 1024 == levers.min_cacheable_prefix("anthropic")
    assert levers.min_prefix("google", "gemini-2.5-flash") == 2048
    for r in data_rows("cache_rules.csv"):
        assert r["source"].startswith("https://") and len(r["read_on"]) == 10, r


def test_the_knobs_beyond_the_levers_are_sourced_and_dated():
    k = levers.knobs()
    for knob in ("reasoning_effort", "prompt_cache_key", "prompt_cache_retention 24h", "token counting endpoints",
                 "failed and cancelled calls", "rate limits", "semantic or response caching", "router",
                 "quality gate", "summariser"):
        assert knob in k.index, knob
    assert k["read_on"].str.match(r"\d{4}-\d{2}-\d{2}$").all() and k["priced here"].str.len().gt(1).all()
    assert k["source"].str.contains("https://|data/").all()


def test_the_router_gate_and_summariser_are_billed():
    """Lever 1 adds a router call to every task and a gate call to every small-model answer; lever 2 adds a
    summariser call for every turn beyond the window, all on the small model (Gemini Flash-Lite, $0.10/$0.40)."""
    cls = KINDS["intent classification"]
    routed = levers.task_cost(cls, levers.lever_routing(levers.BASELINE))["usd_per_task"]
    answer = levers.calls(cls, levers.BASELINE)["output"].iloc[0]  # 15 + 1,000 thinking on the small model too
    task = (750 * 0.10 + answer * 0.40) / 1e6
    router = ((600 + 150) * 0.10 + 10 * 0.40) / 1e6
    gate = ((600 + 150 + 15) * 0.10 + 10 * 0.40) / 1e6
    assert routed == pytest.approx(task + router + gate)
    agent_kind = KINDS["code review agent"]
    df = levers.calls(agent_kind, levers.lever_context(levers.BASELINE))
    assert (df["summary_in"] > 0).sum() == agent_kind.turns - 4 - 1  # turns 6..15 fold one turn each
