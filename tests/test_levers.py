"""The five levers on the course's task set: each saves what the notebook states; the guard stops runaways."""
from dataclasses import replace

import pytest

from course_lib import agent, levers
from course_lib.meter import CostMeter, export_opentelemetry
from course_lib.usage import Usage


def test_baseline_day_pinned():
    assert levers.total(levers.BASELINE) == pytest.approx(144.0575, abs=1e-4)


def test_the_task_sets_measured_sizes_are_what_the_tokenizer_counts():
    """data/task_set.csv says its review sizes were measured on lesson 02's sample change: recount them."""
    from course_lib import review, tokens
    kinds = {k.name: k for k in levers.task_set()}
    v1 = review.v1("gpt-5.5", change="shop")  # o200k
    assert kinds["code review (single call)"].user_tokens == v1.detail["diff_tokens"]
    assert kinds["code review (single call)"].system_tokens == v1.detail["system_tokens"]
    assert kinds["code review agent"].user_tokens == v1.detail["diff_tokens"] + agent.MESSAGE_OVERHEAD_TOKENS
    assert f"{v1.detail['diff_tokens']:,}" in kinds["code review (single call)"].source


@pytest.mark.parametrize("step, usd_per_day", [
    ("1 model routing", 121.0676), ("2 context control", 110.8858), ("3 output control", 44.2947),
    ("4 prompt caching", 21.3524), ("5 metering & guard", 20.2804),
])
def test_waterfall_in_the_source_order(step, usd_per_day):
    wf = levers.waterfall()
    assert wf.loc[step, "usd_per_day"] == pytest.approx(usd_per_day, abs=1e-3)
    assert wf.loc[step, "saving_usd"] > 0  # every lever reduces cost on the same task set


def test_each_lever_alone_saves():
    a = levers.alone()
    assert (a > 0).all()
    assert a.index[0] == "3 output control" and a["3 output control"] == pytest.approx(60.2, abs=0.1)


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
    kind = {k.name: k for k in levers.task_set()}["intent classification"]
    assert levers.calls(kind, levers.BASELINE)["output"].iloc[0] == 15 + 1000
    assert levers.calls(kind, levers.lever_output(levers.BASELINE))["output"].iloc[0] == 10


def test_cache_economics():
    assert levers.cache_break_even_reads("claude-sonnet-4-6") == pytest.approx(0.75 / 2.7)
    assert levers.cache_break_even_reads("claude-sonnet-4-6", one_hour=True) == pytest.approx(3 / 2.7)
    assert levers.cache_hit_probability(0) == 0 and levers.cache_hit_probability(1, 5) > 0.99
    with pytest.raises(ValueError):
        levers.cache_hit_probability(1, 0)


def test_anti_patterns_all_cost_more_than_their_fix():
    t = levers.anti_patterns()
    assert len(t) == 5 and (t["times"] > 1).all()
    assert t.loc["the whole codebase in the prompt", "times"] > 10
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
    assert t.loc["the whole codebase in the prompt", "usd_per_day_fixed"] == pytest.approx(fixed * 300)


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


def test_recorded_timestamp_cache_run():
    import json
    from course_lib.prices import DATA_DIR
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


def test_max_tokens_bounds_thinking_as_the_apis_do():
    kinds = {k.name: k for k in levers.task_set()}
    s = replace(levers.BASELINE, max_tokens=64, thinking=True)
    assert levers.calls(kinds["code review (single call)"], s)["output"].iloc[0] == 64  # not 64 + 1,000


def test_a_prefix_below_the_providers_minimum_is_never_cached():
    """OpenAI and Anthropic cache prompts of at least 1,024 tokens (data/cache_rules.csv): a 600-token
    classification prompt costs the same with caching on."""
    kinds = {k.name: k for k in levers.task_set()}
    cls = kinds["intent classification"]
    on = levers.task_cost(cls, replace(levers.BASELINE, caching=True))["usd_per_task"]
    off = levers.task_cost(cls, levers.BASELINE)["usd_per_task"]
    assert on == pytest.approx(off)
    assert levers.min_cacheable_prefix("openai") == 1024 and levers.min_cacheable_prefix("deepseek") == 64
