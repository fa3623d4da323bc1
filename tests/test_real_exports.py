"""Real exports (data/own_logs/real/, provenance in its README) as the test suite of the readers and the bill.

Every expected figure is worked out here by hand from the file's own counts and the price in force on its date
(each price written with where it is published); none is taken from course_lib's output. A file the course
cannot price must be refused naming the real cause.
"""
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from course_lib import exports, logs

REAL = Path(__file__).parent.parent / "data" / "own_logs" / "real"
M = 1_000_000


def run_bill(*args):
    return subprocess.run([sys.executable, "-m", "course_lib", "bill", *map(str, args)], capture_output=True,
                          text=True, timeout=300)


def test_every_real_export_is_listed_in_the_readme():
    readme = (REAL / "README.md").read_text()
    for p in REAL.iterdir():
        if p.name != "README.md" and not p.name.startswith("LICENSE-"):
            assert f"`{p.name}`" in readme, p.name


# --- OpenAI -----------------------------------------------------------------------------------------------------
def test_the_cookbooks_usage_without_group_by_model_is_refused_with_the_readers_reason():
    """OpenAI's cookbook queried the Usage API without group_by=model: every bucket's model is null."""
    ex = exports.read(REAL / "openai_usage_cookbook_2025-01.json")
    assert ex.format == "openai-usage" and len(ex.rows) == 0 and len(ex.errors) == 3
    r = run_bill(REAL / "openai_usage_cookbook_2025-01.json")
    assert r.returncode == 2 and "group_by=model" in r.stderr and "3 row(s) refused" in r.stderr


# OpenAI's published standard rates in October 2025, USD per 1M tokens: input, cached input, output
# (https://platform.openai.com/docs/pricing as archived for 2025-10; genai-prices carries the same)
GPT_4O = (2.50, 1.25, 10.00)
GPT_5 = (1.25, 0.125, 10.00)
GPT_5_MINI = (0.25, 0.025, 2.00)


def by_hand(rate, uncached, cached, out):
    return (uncached * rate[0] + cached * rate[1] + out * rate[2]) / M


DASHBOARD_DAYS = {   # the TSV's rows: (uncached, cached, output) per model, as the file gives them
    "2025-10-05": by_hand(GPT_4O, 53_440, 5_760, 10_646),
    "2025-10-06": by_hand(GPT_5, 38_072, 8_192, 60_000) + by_hand(GPT_5, 5_783, 0, 16_000),
    "2025-10-07": by_hand(GPT_5_MINI, 80_992, 0, 274_770),
    "2025-10-10": by_hand(GPT_5_MINI, 124_784, 0, 154_852),
    "2025-10-11": by_hand(GPT_5_MINI, 22_688, 0, 33_191),
}


@pytest.mark.parametrize("engine", logs.ENGINES)
def test_a_users_dashboard_export_tsv_is_read_and_priced(engine):
    """OpenAI's usage dashboard export (TSV, unix start_time, counts written as 10.0, batch FALSE, an empty row with
    two cells more than the header), priced at each day's rates."""
    path = REAL / "openai_dashboard_completions_usage_2025-10.tsv"
    ex = exports.read(path)
    assert ex.format == "openai-usage" and len(ex.rows) == 6 and not ex.errors
    assert any("no usage" in n for n in ex.notes)
    b = logs.bill(path, engine=engine)
    assert b.by("day")["total_usd"].to_dict() == pytest.approx(DASHBOARD_DAYS, abs=1e-9)
    assert b.rows == 6 and b.by("day")["requests"].sum() == 10 + 8 + 1 + 21 + 11 + 2


def test_the_dashboard_cost_export_agrees_on_the_days_it_can_and_says_why_not_on_the_others():
    b = logs.bill([REAL / "openai_dashboard_completions_usage_2025-10.tsv", REAL / "openai_dashboard_cost_2025-10.tsv"])
    r = b.reconcile().set_index("day")
    reported = {"2025-10-05": 0.895874, "2025-10-06": 0.56177125, "2025-10-07": 0.569788, "2025-10-08": 0.5455665,
                "2025-10-10": 0.3409, "2025-10-11": 0.072054}   # the cost TSV's amount_value column
    assert r["reported_usd"].to_dict() == pytest.approx(reported)
    # gpt-5-mini's days: OpenAI's cost is exactly the counts at the published rates
    for day in ("2025-10-07", "2025-10-10", "2025-10-11"):
        assert r.loc[day, "explained_by"] == "agrees"
    # 10-05 the cost is 3.6x what the completions usage prices to; 10-06 less: nothing in the rows explains it
    for day in ("2025-10-05", "2025-10-06"):
        assert r.loc[day, "explained_by"].startswith("not explained")
    assert r.loc["2025-10-08", "explained_by"].startswith("no usage rows for this day")


# GPT-5, USD per 1M tokens, as OpenAI's pricing page prints them (https://developers.openai.com/api/docs/pricing;
# genai-prices 0.2.3 verified its Flex and Priority tabs on 2026-10-12 and carries them from that day):
# standard: input 1.25, cached input 0.125, output 10; Flex: input 0.625, cached input 0.0625, output 5.00;
# Priority: input 2.50, cached input 0.250, output 20.00 (also OpenAI's Priority processing page, "GPT-5").
GPT_5 = {"standard": (1.25, 0.125, 10.0), "flex": (0.625, 0.0625, 5.0), "priority": (2.50, 0.250, 20.0)}


def _tier_rows(tmp_path, tiers, row=2):
    """The dashboard export's gpt-5 row (2025-10-06: 46,264 input of which 8,192 cached, 60,000 output), once per
    tier in ``tiers``, as the dashboard writes it."""
    rows = (REAL / "openai_dashboard_completions_usage_2025-10.tsv").read_text().splitlines()
    header, first = rows[0], rows[row].split("\t")
    col = header.split("\t").index("service_tier")
    lines = [header]
    for t in tiers:
        first[col] = t
        lines.append("\t".join(first))
    p = tmp_path / "tiers.tsv"
    p.write_text("\n".join(lines) + "\n")
    return p


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_openai_flex_and_priority_rows_are_priced_at_their_published_rates(tmp_path, engine):
    """The real gpt-5 row at the flex, priority and default tiers, priced where the price book has the tiers'
    rates (as of 2026-10-28): each by hand from OpenAI's printed per-million prices."""
    p = _tier_rows(tmp_path, ("flex", "priority", "default"))
    b = logs.bill(p, as_of="2026-10-28", engine=engine)
    assert b.error_count == 0
    got = b.lines.groupby("service_tier")["total_usd"].sum()
    uncached, cached, out = 46_264 - 8_192, 8_192, 60_000
    for tier, key in (("flex", "flex"), ("priority", "priority"), ("standard", "standard")):
        r_in, r_read, r_out = GPT_5[key]
        assert got[tier] == pytest.approx((uncached * r_in + cached * r_read + out * r_out) / M, rel=1e-12), tier
    # flex is half the standard rate, priority twice it, on every count of this row
    assert got["flex"] * 2 == pytest.approx(got["standard"]) and got["priority"] == pytest.approx(2 * got["standard"])


def test_a_tier_before_the_price_book_carries_it_and_scale_are_refused_by_name(tmp_path):
    """On the row's own date (2025-10-06) the price book has no dated flex or priority price for gpt-5: refused
    naming the model, the tier, the tiers priced then and the date tier prices start; Scale Tier is sold by
    contract. Never priced at the standard rate."""
    p = _tier_rows(tmp_path, ("flex", "priority", "scale", "default"))
    for engine in ("pandas", "duckdb"):
        b = logs.bill(p, engine=engine)
        assert b.error_count == 3 and len(b.lines) == 1 and (b.lines["service_tier"] == "standard").all()
        e = b.errors.sort_values("source_row")
        assert list(e["field"]) == ["service_tier"] * 3
        flex, priority, scale = e["message"]
        for msg, tier in ((flex, "flex"), (priority, "priority")):
            assert f"no {tier} price for gpt-5 (openai) on 2025-10-06" in msg
            assert "tiers with a price for it then: standard;" in msg and "from 2026-10-12" in msg
        assert "no scale price for gpt-5" in scale and "sold by contract" in scale
    r = run_bill(p)
    assert r.returncode == 0 and "3 row error(s)" in r.stdout and "no flex price for gpt-5" in r.stdout


# --- Anthropic --------------------------------------------------------------------------------------------------
# Claude Sonnet 4 on 2025-08-01, USD per 1M tokens (https://docs.anthropic.com/en/docs/about-claude/pricing):
# input 3, output 15, cache read 0.30, 5-minute cache write 3.75, 1-hour cache write 6; web search USD 10 per 1,000
SONNET_4 = {"input": 3.0, "output": 15.0, "read": 0.30, "write_5m": 3.75, "write_1h": 6.0, "search": 10 / 1000}
DOCS_USAGE = (1_500 * SONNET_4["input"] + 200 * SONNET_4["read"] + 500 * SONNET_4["write_5m"]
              + 1_000 * SONNET_4["write_1h"] + 500 * SONNET_4["output"]) / M + 10 * SONNET_4["search"]


@pytest.mark.parametrize("engine", logs.ENGINES)
def test_anthropics_documented_usage_report_is_priced(engine):
    b = logs.bill(REAL / "anthropic_usage_report_docs_example.json", engine=engine)
    assert b.total_usd == pytest.approx(DOCS_USAGE, abs=1e-12)
    assert b.components()["searches and audio"] == pytest.approx(0.1)


def test_a_cost_line_item_is_compared_with_its_own_part_of_the_bill():
    """The documented cost report has one item, Sonnet 4's uncached input: 123.78912 cents. It is compared with the
    re-priced uncached input (1,500 tokens), never with the whole day."""
    b = logs.bill([REAL / "anthropic_usage_report_docs_example.json", REAL / "anthropic_cost_report_docs_example.json"])
    r = b.reconcile()
    assert len(r) == 1 and r["line"].iloc[0] == "uncached input"
    assert r["repriced_usd"].iloc[0] == pytest.approx(1_500 * SONNET_4["input"] / M)
    assert r["reported_usd"].iloc[0] == pytest.approx(1.2378912)
    assert r["explained_by"].iloc[0].startswith("not explained: reported USD 1.2334 more")


# --- OpenRouter ---------------------------------------------------------------------------------------------------
def test_openrouters_documented_activity_item_is_priced_and_not_put_down_to_cache():
    """GPT-4.1 on 2025-08-24 (USD 2 input, 8 output per 1M): 50 prompt + 125 completion tokens = USD 0.0011. The
    item reports usage 0.015 + BYOK 0.012 = 0.027, more than re-priced: cache reads billed as input could only make
    the re-price higher, so they do not explain it."""
    b = logs.bill(REAL / "openrouter_activity_docs_example.json")
    assert b.total_usd == pytest.approx((50 * 2 + 125 * 8) / M)
    r = b.reconcile()
    assert r["reported_usd"].iloc[0] == pytest.approx(0.015 + 0.012)
    assert r["explained_by"].iloc[0].startswith("not explained") and "cache" not in r["explained_by"].iloc[0]
    w = b.what_if(["batch=0.5"])
    assert w["saving_usd"].iloc[0] == 0 and "OpenRouter, which has no batch API" in w["assumes"].iloc[0]


# --- exchange rates -------------------------------------------------------------------------------------------------
def test_a_usd_bill_before_the_first_exchange_rate_is_never_blocked(tmp_path, monkeypatch, capsys):
    # the course's rates start in 2023 and its dated prices in 2025, so the case is made in process: a rate
    # table that starts after the log's day (money reads the table through money._rates)
    from course_lib import money
    from course_lib.cli import main
    later = tuple(r for r in money._rates() if str(r.day) > "2025-06-01")
    monkeypatch.setattr(money, "_rates", lambda: later)
    p = tmp_path / "old.csv"
    pd.DataFrame([{"timestamp": "2025-06-01T10:00:00Z", "model": "gpt-4o", "input_tokens": 1000,
                   "output_tokens": 100}]).to_csv(p, index=False)
    assert main(["bill", str(p), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total_usd"] > 0 and out["total_cny"] is None
    assert any("CNY unknown" in n and "2025-06-01" in n for n in out["notes"])


# --- LiteLLM, OpenTelemetry and Langfuse exports written by the tools themselves (provenance in the README) ---------
# USD per 1M tokens (input, output) as published by the provider on the row's date (genai-prices carries the same):
# https://platform.openai.com/docs/pricing (gpt-3.5-turbo, gpt-4o, gpt-4o-mini, gpt-4.1) and
# https://ai.google.dev/gemini-api/docs/pricing (gemini-2.5-flash: output includes thinking tokens)
GPT_35_TURBO = (0.50, 1.50)
GPT_4O_IO = (2.50, 10.00)
GPT_4O_MINI = (0.15, 0.60)
GPT_41 = (2.00, 8.00)
GEMINI_25_FLASH = (0.30, 2.50)
BOOK_START = "2025-05-22"   # the first date of the price book's dated history (genai-prices has no launch dates)


def io_usd(rate, inp, out):
    return (inp * rate[0] + out * rate[1]) / M


@pytest.mark.parametrize("engine", logs.ENGINES)
def test_litellms_own_spend_log_row_is_refused_before_the_book_then_priced_and_agrees(engine):
    """LiteLLM's writer's row for a mocked gpt-4o call on 2025-01-24: prompt_tokens 10, completion_tokens 20, spend
    0.000225. Before the price book's first date it is refused naming that date; priced at that date's prices it
    agrees with LiteLLM's own spend."""
    path = REAL / "litellm_spend_log_payload_litellm_tests.json"
    assert exports.detect_format(path) == "litellm"
    r = run_bill(path, "--engine", engine)
    assert r.returncode == 2 and "2025-01-24" in r.stderr and BOOK_START in r.stderr and "--as-of" in r.stderr
    b = logs.bill(path, engine=engine, as_of=BOOK_START)
    assert b.rows == 1 and b.total_usd == pytest.approx(io_usd(GPT_4O_IO, 10, 20), abs=1e-12)
    rec = b.reconcile()
    assert rec["reported_usd"].iloc[0] == pytest.approx(0.000225) and rec["explained_by"].iloc[0] == "agrees"


@pytest.mark.parametrize("engine", logs.ENGINES)
def test_litellms_standard_logging_payload_is_read_as_litellm(engine):
    """The same mocked call as LiteLLM's loggers (S3, GCS, Pub/Sub) write it: response_cost instead of spend, the team and
    key inside metadata. It was read as a raw response body and refused for a missing "created" time."""
    path = REAL / "litellm_standard_logging_payload_litellm_tests.json"
    assert exports.detect_format(path) == "litellm"
    b = logs.bill(path, engine=engine, as_of=BOOK_START)
    assert b.rows == 1 and b.total_usd == pytest.approx(io_usd(GPT_4O_IO, 10, 20), abs=1e-12)
    rec = b.reconcile()
    assert rec["reported_usd"].iloc[0] == pytest.approx(0.000225) and rec["explained_by"].iloc[0] == "agrees"


def test_protobuf_js_integers_and_times_are_read():
    """OpenLIT's span as Langfuse's OTLP endpoint decodes it: counts and times are protobuf.js Longs of two 32-bit
    halves. startTimeUnixNano {low: 153687506, high: 404677085} is 404677085 * 2^32 + 153687506 ns."""
    ex = exports.read(REAL / "otel_openlit_1.27_span_langfuse_tests.json")
    assert ex.format == "otel" and len(ex.rows) == 1 and not ex.errors
    row = ex.rows.iloc[0]
    ns = 404677085 * 2 ** 32 + 153687506
    assert row["timestamp"][:19] == pd.Timestamp(ns, unit="ns").strftime("%Y-%m-%dT%H:%M:%S")
    assert (row["model"], row["input_tokens"], row["output_tokens"], row["project"]) == ("gpt-3.5-turbo", 14, 96,
                                                                                          "default")
    assert row["reported_cost_usd"] == 0.000151


@pytest.mark.parametrize("engine", logs.ENGINES)
def test_openlit_span_is_priced_and_its_own_cost_agrees(engine):
    path = REAL / "otel_openlit_1.27_span_langfuse_tests.json"
    r = run_bill(path, "--engine", engine)
    assert r.returncode == 2 and "2025-01-28" in r.stderr and BOOK_START in r.stderr
    b = logs.bill(path, engine=engine, as_of=BOOK_START)
    assert b.total_usd == pytest.approx(io_usd(GPT_35_TURBO, 14, 96), abs=1e-12)
    assert b.reconcile()["explained_by"].iloc[0] == "agrees"


@pytest.mark.parametrize("engine", logs.ENGINES)
def test_openllmetry_span_with_the_older_token_names_is_priced(engine):
    """OpenLLMetry 0.33.9 wrote gen_ai.usage.prompt_tokens 14 and completion_tokens 173; the response model is
    gpt-3.5-turbo-0125."""
    b = logs.bill(REAL / "otel_openllmetry_0.33.9_span_langfuse_tests.json", engine=engine, as_of=BOOK_START)
    assert b.rows == 1 and list(b.by("model").index) == ["gpt-3.5-turbo-0125"]
    assert b.total_usd == pytest.approx(io_usd(GPT_35_TURBO, 14, 173), abs=1e-12)


VERCEL_CALLS = [(14, 20), (50, 9), (63, 156), (15, 112)]   # the 4 doGenerate/doStream spans' gen_ai.usage.*


@pytest.mark.parametrize("engine", logs.ENGINES)
def test_the_otel_js_sdks_finished_spans_are_read_without_counting_outer_spans_twice(engine):
    """Vercel AI SDK spans as the OpenTelemetry JS SDK holds them (flat attributes, startTime [s, ns]). Each call has an
    outer span (ai.generateText) carrying the SDK's own ai.usage.* for the same tokens: only the 4 model-call spans,
    which carry gen_ai.usage.*, are calls."""
    path = REAL / "otel_vercel_ai_sdk_6_spans_openinference_capture.json"
    spans = json.loads(path.read_text())
    assert len(spans) == 8 and exports.detect_format(path) == "otel"
    b = logs.bill(path, engine=engine)
    assert b.rows == len(VERCEL_CALLS) and list(b.by("day").index) == ["2026-02-03"]
    assert b.total_usd == pytest.approx(sum(io_usd(GPT_4O_MINI, i, o) for i, o in VERCEL_CALLS), abs=1e-12)


ANY_AGENT_CALLS = [(269, 16), (359, 14), (392, 46)]   # the 3 call_llm spans' gen_ai.usage.input/output_tokens
# mistral-small-latest on 2025-09-16, USD per 1M tokens (https://mistral.ai/pricing#api-pricing): input 0.10, output 0.30
MISTRAL_SMALL = (0.10, 0.30)


@pytest.mark.parametrize("engine", logs.ENGINES)
def test_any_agents_saved_trace_of_python_sdk_spans_is_priced_and_its_cost_parts_agree(engine):
    """any-agent's saved trace ({"spans": [...]}, the Python SDK's spans with start_time in ns): 3 model calls, an
    agent span and 2 tool spans; its cost is written as gen_ai.usage.input_cost + output_cost per call."""
    path = REAL / "otel_any_agent_openai_agents_trace.json"
    assert exports.detect_format(path) == "otel"
    b = logs.bill(path, engine=engine)
    assert b.rows == len(ANY_AGENT_CALLS) and list(b.by("model").index) == ["mistral/mistral-small-latest"]
    assert b.total_usd == pytest.approx(sum(io_usd(MISTRAL_SMALL, i, o) for i, o in ANY_AGENT_CALLS), abs=1e-12)
    rec = b.reconcile()
    reported = [2.69e-05 + 4.8e-06, 3.59e-05 + 4.2e-06, 3.92e-05 + 1.38e-05]   # the file's input_cost + output_cost
    assert rec["reported_usd"].sum() == pytest.approx(sum(reported)) and rec["explained_by"].iloc[0] == "agrees"


LANGFUSE_TRACES = {   # file: (model, rate, [(input, output) of each generation], Langfuse's costDetails totals)
    "openai-agents-2025-09-30": ("gpt-4.1-2025-04-14", GPT_41, [(85, 29), (55, 15)], [0.000402, 0.00023]),
    "google-gemini-2025-08-01": ("gemini-2.5-flash", GEMINI_25_FLASH, [(6, 2_055)], [0.005139299999]),
    "microsoft-agent-2025-10-14": ("gpt-4o", GPT_4O_IO, [(631, 35), (25, 70)], [0.0019275, 0.000762499999]),
    "langgraph-2025-08-22": ("gpt-4o-2024-08-06", GPT_4O_IO, [(60, 15), (108, 51)], [0.000075, 0.000159]),
}


@pytest.mark.parametrize("engine", logs.ENGINES)
@pytest.mark.parametrize("name", LANGFUSE_TRACES)
def test_a_trace_downloaded_from_langfuse_is_priced(name, engine):
    model, rate, calls, reported = LANGFUSE_TRACES[name]
    path = REAL / f"langfuse_trace_{name}.json"
    assert exports.detect_format(path) == "langfuse"
    b = logs.bill(path, engine=engine)
    assert b.rows == len(calls) and list(b.by("model").index) == [model]
    assert b.total_usd == pytest.approx(sum(io_usd(rate, i, o) for i, o in calls), abs=1e-12)
    rec = b.reconcile()
    assert rec["reported_usd"].sum() == pytest.approx(sum(reported))
    if name == "langgraph-2025-08-22":
        # Langfuse priced it at USD 1 per million both ways (that project's model price): less than OpenAI's rate
        assert rec["explained_by"].iloc[0].startswith("not explained: reported USD 0.0008 less")
    else:
        assert set(rec["explained_by"]) == {"agrees"}


def test_langfuse_details_inside_input_and_output_are_read_as_parts_of_them():
    """The Gemini trace: input 6, output 2,055, completion_details.reasoning 1,104, total 2,061 = input + output, so the
    reasoning is inside output (summed beside it the total would be 3,165)."""
    ex = exports.read(REAL / "langfuse_trace_google-gemini-2025-08-01.json")
    row = ex.rows.iloc[0]
    assert (row["input_tokens"], row["output_tokens"], row["reasoning_tokens"]) == (6, 2_055, 1_104)
    assert any("inside input and output" in n for n in ex.notes)
    agents = exports.read(REAL / "langfuse_trace_openai-agents-2025-09-30.json")
    assert agents.rows["cache_read_tokens"].tolist() == [0, 0] and not agents.errors
    assert any("2 AGENT, 1 TOOL" in n for n in agents.notes)


def test_a_langfuse_total_that_fits_neither_reading_is_refused():
    obs = {"type": "GENERATION", "startTime": "2026-10-01T10:00:00Z", "model": "gpt-5-mini",
           "usageDetails": {"input": 10, "output": 20, "completion_details.reasoning": 5, "total": 31}}
    ex = exports.read_text(json.dumps({"trace": {}, "observations": [obs]}), "trace.json")
    assert ex.format == "langfuse" and len(ex.rows) == 0
    assert ex.errors[0]["field"] == "usageDetails.total" and "35" in ex.errors[0]["message"] and \
        "30" in ex.errors[0]["message"]


# --- reader rules also tested on rows built from each format's documentation (labelled: not real exports) -------
def test_langfuse_openinference_keys_are_read_disjoint():
    """Langfuse sums every usageDetails key into total; OpenInference-instrumented spans arrive with
    prompt_details.cache_read and completion_details.reasoning beside input and output."""
    obs = {"type": "GENERATION", "startTime": "2026-10-01T10:00:00Z", "model": "gpt-5-mini",
           "usageDetails": {"input": 1_000, "prompt_details.cache_read": 4_000, "output": 300,
                            "completion_details.reasoning": 700, "total": 6_000}}
    ex = exports.read_text(json.dumps({"data": [obs]}), "obs.json", "langfuse")
    row = ex.rows.iloc[0]
    assert not ex.errors
    assert (row["input_tokens"], row["cache_read_tokens"], row["output_tokens"], row["reasoning_tokens"]) == \
        (5_000, 4_000, 1_000, 700)


def test_otel_older_token_names_and_the_reported_cost():
    def attr(k, v):
        return {"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else
                ({"doubleValue": v} if isinstance(v, float) else {"stringValue": v})}
    span = {"startTimeUnixNano": "1790000000000000000", "attributes": [
        attr("gen_ai.request.model", "gpt-5-mini"), attr("gen_ai.usage.prompt_tokens", 2_000),
        attr("gen_ai.usage.completion_tokens", 800), attr("gen_ai.usage.cost", 0.0021)]}
    doc = {"resourceSpans": [{"resource": {"attributes": [attr("service.name", "shop")]},
                              "scopeSpans": [{"spans": [span]}]}]}
    ex = exports.read_text(json.dumps(doc), "spans.json")
    row = ex.rows.iloc[0]
    assert ex.format == "otel" and (row["input_tokens"], row["output_tokens"]) == (2_000, 800)
    assert row["reported_cost_usd"] == 0.0021 and row["project"] == "shop"


@pytest.mark.parametrize("engine", logs.ENGINES)
@pytest.mark.parametrize("kind", [".json", ".csv"])
def test_litellm_older_rows_keep_their_tokens_in_usage(tmp_path, engine, kind):
    """Both engines read the tokens inside usage (DuckDB's SQL mapping missed them: input_tokens missing), as JSON or
    as a CSV cell of JSON text."""
    row = {"request_id": "chatcmpl-1", "call_type": "acompletion", "api_key": "88dc28", "spend": 0.00123,
           "startTime": "2026-10-01T10:00:00Z", "model": "gpt-5-mini",
           "usage": {"prompt_tokens": 120, "completion_tokens": 40, "total_tokens": 160}}
    p = tmp_path / f"spend{kind}"
    if kind == ".json":
        p.write_text(json.dumps([row]))
    else:
        pd.DataFrame([{**row, "usage": json.dumps(row["usage"])}]).to_csv(p, index=False)
    ex = exports.read(p)
    assert ex.format == "litellm"
    assert (int(ex.rows["input_tokens"].iloc[0]), int(ex.rows["output_tokens"].iloc[0])) == (120, 40)
    assert logs.bill(p, engine=engine).total_usd == pytest.approx((120 * 0.25 + 40 * 2.00) / M)   # gpt-5-mini


def test_a_tsv_is_read_as_tab_separated(tmp_path):
    p = tmp_path / "calls.tsv"
    p.write_text("timestamp\tmodel\tinput_tokens\toutput_tokens\n2026-10-01T10:00:00Z\tgpt-5-mini\t1000\t200\n")
    t = exports.read_table(p)
    assert list(t.columns) == ["timestamp", "model", "input_tokens", "output_tokens"] and len(t) == 1
    assert logs.bill(p, engine="pandas").total_usd == pytest.approx((1000 * 0.25 + 200 * 2) / M)


def test_a_group_the_export_does_not_give_is_labelled_not_blank():
    """OpenRouter's activity export has no project: grouped by project, its rows say so."""
    b = logs.bill(REAL / "openrouter_activity_docs_example.json")
    assert list(b.by("project").index) == ["(no project in export)"]


def test_a_langfuse_export_of_spans_only_says_why_nothing_was_priced(tmp_path):
    p = tmp_path / "obs.json"
    p.write_text(json.dumps({"data": [{"type": "SPAN", "name": "retrieve", "startTime": "2026-10-01T10:00:00Z"}]}))
    r = run_bill(p)
    assert r.returncode == 2 and "not generations" in r.stderr


# --- a count with no published price: said, left out of the total, never $0 -----------------------------------------
def _as_csv(rows: pd.DataFrame, path: Path, **change) -> Path:
    rows.drop(columns=["source_row"], errors="ignore").assign(**change).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("engine", logs.ENGINES)
def test_searches_a_model_publishes_no_price_for_are_said_not_billed_at_0(engine, tmp_path):
    """Anthropic's documented row (10 web searches) as if its calls had gone to DeepSeek, which publishes no search
    price (genai-prices knows the model, not a search rate): the searches are named with the model and left out."""
    rows = exports.read(REAL / "anthropic_usage_report_docs_example.json").rows
    searched = logs.bill(_as_csv(rows, tmp_path / "s.csv", model="deepseek-chat"), engine=engine)
    plain = logs.bill(_as_csv(rows, tmp_path / "p.csv", model="deepseek-chat", web_searches=None), engine=engine)
    assert searched.components()["searches and audio"] == 0
    assert searched.total_usd == pytest.approx(plain.total_usd, abs=1e-15)
    assert searched.unreported()["deepseek-chat: 10 web searches with no published price, left out of the total"] == 1
    assert not any("deepseek" in k for k in plain.unreported())


COOKBOOK_AUDIO = next(r for b in json.loads((REAL / "openai_usage_cookbook_2025-01.json").read_text())
                      for r in b["results"] if r["input_audio_tokens"])


@pytest.mark.parametrize("engine", logs.ENGINES)
def test_audio_a_model_publishes_no_audio_price_for_is_said_on_both_engines(engine, tmp_path):
    """The cookbook's real bucket with audio (5,776 input and 3,166 output audio tokens) on GPT-4o audio preview,
    which genai-prices lists without an audio rate (OpenAI's page gives one): the tokens are billed at the text
    rate and the audio price is said to be unknown, not $0; lesson 01's one-call bill says the same."""
    from course_lib.billing import cost
    from course_lib.usage import Usage
    r = COOKBOOK_AUDIO
    row = pd.DataFrame([{"timestamp": "2025-08-01", "model": "gpt-4o-audio-preview",
                         "requests": r["num_model_requests"], "input_tokens": r["input_tokens"],
                         "output_tokens": r["output_tokens"], "cache_read_tokens": r["input_cached_tokens"],
                         "input_audio_tokens": r["input_audio_tokens"],
                         "output_audio_tokens": r["output_audio_tokens"]}])
    b = logs.bill(_as_csv(row, tmp_path / "a.csv"), engine=engine)
    assert b.components()["searches and audio"] == 0
    said = [k for k in b.unreported() if k.startswith("gpt-4o-audio-preview: ")]
    assert said and "5,776 input audio tokens, 3,166 output audio tokens with no published price" in said[0]
    one = cost(Usage(input_tokens=r["input_tokens"], output_tokens=r["output_tokens"],
                     modalities={"input_audio_tokens": r["input_audio_tokens"],
                                 "output_audio_tokens": r["output_audio_tokens"]}),
               "gpt-4o-audio-preview", as_of="2025-08-01")
    assert one.unpriced == ("input_audio_tokens", "output_audio_tokens") and one.extras_usd == 0


@pytest.mark.parametrize("engine", logs.ENGINES)
def test_a_what_if_to_a_model_without_a_search_price_does_not_count_the_searches_as_saved(engine, tmp_path):
    """Anthropic's documented row (10 searches, USD 10 per 1,000 on Claude Sonnet 4) moved to deepseek-chat: the
    searches are left out of the new total, and the lever says by how much its saving is unknown."""
    b = logs.bill(REAL / "anthropic_usage_report_docs_example.json", engine=engine)
    w = b.what_if(["model=deepseek-chat", "model=claude-sonnet-4-20250514"]).set_index("lever")
    assert "1 line(s) with web searches or audio that deepseek-chat has no price for" in \
        w.loc["model=deepseek-chat", "assumes"]
    assert f"USD {10 * SONNET_4['search']:,.4f} at the bill's own rates" in w.loc["model=deepseek-chat", "assumes"]
    assert "no price for" not in w.loc["model=claude-sonnet-4-20250514", "assumes"]
