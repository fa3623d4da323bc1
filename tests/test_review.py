"""The review assistant: retrieval, V1/V2/V3 accounting, the agent loop's bill and its guards."""
import json
import subprocess
import sys

import pytest

from course_lib import agent, review, workflows
from course_lib.billing import cost
from course_lib.retrieval import Index, chunk_files, words
from course_lib.usage import Usage


def test_retrieval_finds_the_changed_code():
    idx = Index(chunk_files(agent.SAMPLE_PROJECT, 30))
    top = [c.path for c, _ in idx.search("tax_rate percent_of taxable totals", 2)]
    assert top[0] == "shop/pricing.py"
    assert idx.search("anything", 0) == []
    assert "rate" in words("tax_rate")
    with pytest.raises(ValueError, match="top_k"):
        idx.search("x", -1)
    with pytest.raises(ValueError, match="chunk_lines"):
        chunk_files(agent.SAMPLE_PROJECT, 0)


def test_v1_counts_the_diff_with_the_models_tokenizer():
    r = review.v1("gpt-5.5")
    from course_lib.tokens import count
    review_out = count(review.review_text(), "o200k").tokens
    assert r.exact and r.detail["diff_tokens"] > 1000 and r.output_tokens == review_out
    assert r.total_usd == pytest.approx((r.input_tokens * 5 + review_out * 30) / 1e6)
    assert review.v1("gpt-5.5", output_budget=500).output_tokens == 500  # the page's way, on request
    assert not review.v1("claude-sonnet-4-6").exact  # an estimate, labelled


def test_one_accounting_for_all_three_versions():
    """Each version is billed for the text it returns, so the agent never looks cheaper than RAG (issue 13)."""
    for model in ("gpt-5.5", "claude-sonnet-4-6", "deepseek-v4-pro"):
        v1, v2, v3 = (review.review(v, model) for v in ("v1", "v2", "v3"))
        assert v1.output_tokens == v2.output_tokens < v3.output_tokens
        assert v1.total_usd < v2.total_usd < v3.total_usd


def test_v2_input_grows_with_top_k_and_counts_the_index():
    small, big = review.v2("gpt-5.5", top_k=1), review.v2("gpt-5.5", top_k=8)
    assert big.input_tokens > small.input_tokens > review.v1("gpt-5.5").input_tokens
    assert small.extra_usd > 0 and "text-embedding-3-small" in small.detail["embedding"]


@pytest.fixture(scope="module")
def run():
    return agent.run_agent(model="gpt-5.5")


def test_agent_tools_ran_for_real_and_fixed_the_bug(run):
    assert run.stop_reason == "finished" and run.tests_pass
    assert [t.tool for t in run.turns].count("run_tests") == 2
    assert run.retries == 1 and not run.turns[1].ok  # a wrong path, then the retry


def test_history_is_re_sent_every_turn(run):
    t = run.turns
    for a, b in zip(t, t[1:], strict=False):
        assert b.input_tokens > a.input_tokens + a.output_tokens  # previous request + reply + tool result
        assert b.system_tokens == a.system_tokens and b.schema_tokens > 200


def test_cached_tokens_billed_once_at_the_read_price(run):
    t = run.turns[3]
    assert t.cache_read_tokens + t.cache_write_tokens == t.input_tokens
    b = cost(Usage(t.input_tokens, t.output_tokens, t.cache_read_tokens, t.cache_write_tokens), "gpt-5.5")
    assert b.input_usd == pytest.approx((t.cache_read_tokens * 0.5 + t.cache_write_tokens * 5) / 1e6)


def test_caching_lowers_v3_and_v3_sums_its_turns():
    on, off = review.v3("claude-sonnet-4-6", caching=True), review.v3("claude-sonnet-4-6", caching=False)
    assert on.total_usd < off.total_usd
    turns = off.detail["run"].turns
    assert off.total_usd == pytest.approx(sum((t.input_tokens * 3 + t.output_tokens * 15) / 1e6 for t in turns))


def test_token_budget_stops_the_loop():
    r = agent.run_agent(model="gpt-5.5", token_budget=8_000)
    assert r.stop_reason.startswith("token budget") and len(r.turns) <= 3
    assert r.input_tokens + r.output_tokens <= 8_000 and not r.tests_pass


def test_turn_limit_stops_the_loop():
    r = agent.run_agent(model="gpt-5.5", max_turns=4)
    assert r.stop_reason == "turn limit: 4 turns" and len(r.turns) == 4


def test_thinking_tokens_are_output():
    a, b = agent.run_agent(model="gpt-5.5", max_turns=2), agent.run_agent(model="gpt-5.5", max_turns=2, thinking_tokens=500)
    assert b.output_tokens == a.output_tokens + 2 * 500


def test_bad_agent_arguments():
    with pytest.raises(ValueError, match="max_turns"):
        agent.run_agent(max_turns=-1)
    with pytest.raises(ValueError, match="version"):
        review.review("v9")


def test_workspace_refuses_paths_outside():
    with agent.Workspace() as ws:
        out, ok = ws.call("read_file", {"path": "../../etc/passwd"})
        assert not ok and "outside the project" in out


def test_parse_action():
    assert agent.parse_action('I will call {"tool": "run_tests", "args": {}} now') == {"tool": "run_tests", "args": {}}
    assert agent.parse_action("no json here") is None
    assert agent.parse_action('{"tool": "rm_rf"}') is None


# --- the workflow model ----------------------------------------------------------
def test_source_profile_reproduced():
    t = workflows.source_profile_table().set_index(["model", "as of", "period"])["total_usd"]
    assert t[("claude-sonnet-4-6", "2026-06-15", "standard")] == pytest.approx(2.475)
    assert t[("deepseek-v4-pro", "2026-06-15", "standard")] == pytest.approx(0.09309)
    assert t[("deepseek-v4-pro", "2026-08-20", "off-peak")] == pytest.approx(0.17886)
    assert t[("deepseek-v4-pro", "2026-08-20", "peak")] == pytest.approx(0.35772)


def test_growing_profile_is_quadratic():
    c = [workflows.total(workflows.growing_profile(n, 10_000, 1_000, 2_000), "gpt-5.5") for n in (10, 20, 40)]
    assert c[2] / c[1] > c[1] / c[0] * 0.9 and c[2] / c[0] > 8  # doubling turns more than doubles cost


def test_profile_errors():
    with pytest.raises(ValueError, match="hit_rate"):
        workflows.price_profile(workflows.uniform_profile(), "gpt-5.5", hit_rate=0.5)
    with pytest.raises(ValueError, match="hit_rate"):
        workflows.price_profile(workflows.uniform_profile(), "gpt-5.5", caching=True, hit_rate=1.5)
    with pytest.raises(ValueError, match="turns"):
        workflows.uniform_profile(turns=-1)


def test_recorded_live_run_prices(responses):
    import json
    from course_lib.data import DATA_DIR
    rec = json.loads((DATA_DIR / "recorded" / "live_review_llamacpp.json").read_text())
    t = review.price_live(rec["bodies"], ["claude-sonnet-4-6"])
    assert t.loc["claude-sonnet-4-6", "v3_cached"] > 0 and t.loc["claude-sonnet-4-6", "v3_turns"] == 3


def test_agent_run_is_deterministic():
    # the test runner's temporary path and elapsed time are normalised out of tool results
    assert len({agent.run_agent(model="gpt-5.5").input_tokens for _ in range(2)}) == 1


# --- the real-size change: marshmallow 3.21.0 and its bug-fix release 3.21.1 -------------------------

REAL = "marshmallow-3.21.1"


def test_the_real_project_is_real_size_and_the_change_applies():
    ch = agent.get_change(REAL)
    lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in ch.project.rglob("*.py"))
    assert lines >= 10_000
    assert "f'Field for \"{field_name}\" must be declared" in ch.diff.read_text()
    with agent.Workspace(ch.project, ch.diff, ch.test_command) as ws:
        assert "f'Field for" in ws.read_file("src/marshmallow/schema.py")
        assert ws.read_file("src/marshmallow/schema.py", 1048, 1050).startswith(" 1048  ")
        assert "src/marshmallow/schema.py:" in ws.search("must be declared as a")
        out = ws.run_tests(path="tests/test_schema.py")
        assert out.splitlines()[-1].strip() == "246 passed"


def test_v3_on_the_real_change_costs_at_least_20x_v1_on_sonnet():
    """The issue's acceptance figure: real context makes the agent expensive (caching on)."""
    v1, v3 = review.v1("claude-sonnet-4-6", change=REAL), review.v3("claude-sonnet-4-6", change=REAL)
    assert v3.detail["stop_reason"] == "finished" and v3.detail["tests_pass"]
    assert v3.total_usd >= 20 * v1.total_usd
    assert v3.input_tokens > 200_000 and v3.calls == 10


def test_cli_review_uses_the_real_change_by_default():
    out = json.loads(subprocess.run([sys.executable, "-m", "course_lib", "review", "--version", "v1", "--model",
                                     "gpt-5.5", "--json"], capture_output=True, text=True, timeout=120,
                                    cwd=agent.DATA_DIR.parent).stdout)
    assert out["change"] == REAL
    small = json.loads(subprocess.run([sys.executable, "-m", "course_lib", "review", "--version", "v1", "--model",
                                       "gpt-5.5", "--change", "shop", "--json"], capture_output=True, text=True,
                                      timeout=120, cwd=agent.DATA_DIR.parent).stdout)
    assert small["change"] == "shop" and small["input_tokens"] != out["input_tokens"]
