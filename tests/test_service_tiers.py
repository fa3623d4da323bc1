"""Service tiers (服务等级): OpenAI's flex and priority calls priced at their published rates where the price book
carries them, refused by name where it does not (a tier on a model or date without its price, Scale Tier, which is
sold by contract). Expected figures are OpenAI's printed per-million prices, never course_lib's output.
"""
import json
from pathlib import Path

import pandas as pd
import pytest

from course_lib import billing, exports, logs, prices, usage

DATA = Path(__file__).resolve().parent.parent / "data"
M = 1_000_000
DAY = "2026-10-28"   # genai-prices 0.2.3 carries OpenAI's tier prices from 2026-10-12, the day it verified them

# USD per 1M tokens (input, cached input, output) as printed on https://developers.openai.com/api/docs/pricing
# (Standard, Flex and Priority tabs; verified 2026-10-12 per genai-prices 0.2.3's price comments) and, for
# Priority, on OpenAI's Priority processing page (rows "GPT-5" and "GPT-4o mini"):
PRINTED = {("gpt-5", "standard"): (1.25, 0.125, 10.00), ("gpt-5", "flex"): (0.625, 0.0625, 5.00),
           ("gpt-5", "priority"): (2.50, 0.250, 20.00),
           ("gpt-4o-mini", "standard"): (0.15, 0.075, 0.60), ("gpt-4o-mini", "priority"): (0.25, 0.125, 1.00)}


@pytest.mark.parametrize("model, tier", sorted(PRINTED))
def test_a_tier_is_quoted_at_the_printed_rates(model, tier):
    p = prices.quote(model, DAY, tier=tier)
    assert (p.input, p.cache_read, p.output) == pytest.approx(PRINTED[(model, tier)], rel=1e-12)
    assert p.tier == tier and (tier == "standard" or f"{tier} tier" in p.source)


@pytest.mark.parametrize("word", [None, "", "default", "auto", " Default ", "STANDARD"])
def test_default_auto_and_missing_are_the_standard_tier(word):
    assert prices.service_tier(word) == "standard"
    assert prices.quote("gpt-5", DAY, tier=word) == prices.quote("gpt-5", DAY)


@pytest.mark.parametrize("model, tier, as_of, says", [
    ("gpt-4o-mini", "flex", DAY,
     "service_tier: no flex price for gpt-4o-mini (openai) on 2026-10-28; tiers with a price for it then: standard, "
     "fast, priority"),
    ("gpt-5", "flex", "2026-10-11",
     "service_tier: no flex price for gpt-5 (openai) on 2026-10-11; tiers with a price for it then: standard; the "
     "price book carries its flex price from 2026-10-12"),
    ("gpt-5", "scale", DAY, "service_tier: no scale price for gpt-5 (openai): OpenAI's Scale Tier is sold by contract"),
    ("claude-sonnet-4-6", "priority", DAY,
     "service_tier: no priority price for claude-sonnet-4-6 (anthropic) on 2026-10-28; tiers with a price for it "
     "then: standard"),
    ("qwen3.5-plus", "flex", DAY, "service_tier: no flex price for 'qwen3.5-plus': the course table"),
    ("gpt-5", "turbo", DAY, "service_tier: 'turbo' is not a service tier; accepted: standard, flex, priority, fast, "
                            "scale"),
])
def test_a_tier_without_a_price_is_refused_naming_model_tier_and_the_tiers_priced(model, tier, as_of, says):
    with pytest.raises(ValueError) as e:
        prices.quote(model, as_of, tier=tier)
    assert str(e.value).startswith(says)


def test_a_batch_call_has_no_tier_of_its_own():
    with pytest.raises(ValueError, match="^service_tier: a batch call is priced as batch and has no flex price"):
        prices.quote("gpt-5", DAY, batch=True, tier="flex")


def test_a_real_stream_body_says_its_tier_and_is_billed_at_it():
    """pydantic-ai's recorded gpt-4o-mini stream (data/responses/openai_chat_stream_recorded.json) reports
    service_tier "default" on every chunk: the standard rate. The same usage on the priority tier, by hand."""
    body = json.loads((DATA / "responses" / "openai_chat_stream_recorded.json").read_text())["body"]
    u = usage.normalize(body)
    said = {c["service_tier"] for c in body}
    assert said == {"default"}
    model = "gpt-4o-mini-2024-07-18"
    as_said = billing.cost(u, model, DAY, tier=said.pop())
    assert as_said.total_usd == pytest.approx(billing.cost(u, model, DAY).total_usd, rel=1e-12)
    for tier in ("standard", "priority"):
        r_in, r_read, r_out = PRINTED[("gpt-4o-mini", tier)]
        hand = ((u.input_tokens - u.cache_read_tokens) * r_in + u.cache_read_tokens * r_read
                + u.output_tokens * r_out) / M
        assert billing.cost(u, model, DAY, tier=tier).total_usd == pytest.approx(hand, rel=1e-12), tier
    with pytest.raises(ValueError, match="no flex price for gpt-4o-mini"):
        billing.cost(u, model, DAY, tier="flex")


def test_the_responses_reader_keeps_each_bodys_tier(tmp_path):
    """Real bodies as the responses export wraps them: OpenAI's top-level service_tier, Anthropic's
    usage.service_tier ("standard"; the same Claude body edited to say "batch" is read as a batch call)."""
    stream = json.loads((DATA / "responses" / "openai_chat_stream_recorded.json").read_text())["body"]
    claude = json.loads((DATA / "own_logs" / "responses_recorded.jsonl").read_text().splitlines()[0])
    as_batch = json.loads(json.dumps(claude).replace('"service_tier": "standard"', '"service_tier": "batch"'))
    p = tmp_path / "bodies.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in (
        {"timestamp": "2026-10-28T10:00:00Z", "provider": "openai", "body": stream}, claude, as_batch)))
    rows = exports.read(p, "responses").rows
    assert rows["service_tier"].tolist()[:2] == ["default", "standard"] and rows["service_tier"].isna().iloc[2]
    assert rows["batch"].tolist() == [False, False, True]


def test_flex_and_priority_bucket_rows_from_the_usage_api_are_priced_by_both_engines(tmp_path):
    """An OpenAI Usage API bucket (group_by=model,service_tier) with one result per tier; priced alike by both
    engines, each tier by hand from the printed rates."""
    results = [{"object": "organization.usage.completions.result", "model": "gpt-5", "service_tier": t,
                "num_model_requests": 10, "input_tokens": 200_000, "input_cached_tokens": 50_000,
                "output_tokens": 40_000, "batch": False} for t in ("flex", "priority", "default", "scale")]
    doc = {"object": "page", "data": [{"object": "bucket", "start_time": 1_793_145_600, "end_time": 1_793_232_000,
                                       "results": results}]}   # 2026-10-28 00:00 UTC, one day
    p = tmp_path / "usage.json"
    p.write_text(json.dumps(doc))
    bills = {e: logs.bill(p, engine=e) for e in logs.ENGINES}
    for engine, b in bills.items():
        got = b.lines.groupby("service_tier")["total_usd"].sum()
        for tier in ("flex", "priority", "standard"):
            r_in, r_read, r_out = PRINTED[("gpt-5", tier)]
            assert got[tier] == pytest.approx((150_000 * r_in + 50_000 * r_read + 40_000 * r_out) / M,
                                              rel=1e-12), (engine, tier)
        assert b.error_count == 1 and b.errors["field"].tolist() == ["service_tier"]
        assert "sold by contract" in b.errors["message"].iloc[0]
    assert bills["pandas"].total_usd == pytest.approx(bills["duckdb"].total_usd, abs=1e-12)


def _cli(*args):
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-m", "course_lib", *map(str, args)], capture_output=True, text=True,
                          timeout=120)


def test_the_price_and_usage_commands_take_the_tier(tmp_path):
    r = _cli("price", "--model", "gpt-5", "--input", 1_000_000, "--output", 1_000_000, "--as-of", DAY,
             "--tier", "flex", "--json")
    r_in, _, r_out = PRINTED[("gpt-5", "flex")]
    assert r.returncode == 0 and json.loads(r.stdout)["total_usd"] == pytest.approx(r_in + r_out, rel=1e-12)
    r = _cli("price", "--model", "gpt-5", "--input", 1000, "--output", 10, "--as-of", DAY, "--tier", "scale")
    assert r.returncode == 2 and "service_tier: no scale price for gpt-5" in r.stderr and "contract" in r.stderr
    body = tmp_path / "stream.json"
    body.write_text(json.dumps(json.loads((DATA / "responses" / "openai_chat_stream_recorded.json").read_text())["body"]))
    out = json.loads(_cli("usage", body, "--as-of", DAY, "--json").stdout)
    r_in, _, r_out = PRINTED[("gpt-4o-mini", "standard")]
    assert out["service_tier"] == "default"
    assert out["total_usd"] == pytest.approx((78 * r_in + 9 * r_out) / M, rel=1e-9)   # the body's own counts


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_levers_on_tier_lines(tmp_path, engine):
    """Batch takes a call off its tier (a batch call is priced as batch); a model or date without the tier's price
    prices the line at the standard tier and says how many rows did. Each total by hand from the printed rates;
    GPT-4.1 on OpenAI's page: standard 2.00 / 8.00, Priority 3.50 / 14.00, no Flex; batch GPT-5: 0.625 / 5.00."""
    rows = [{"timestamp": "2026-10-28T09:00:00Z", "model": "gpt-5", "input_tokens": 1_000_000,
             "output_tokens": 100_000, "requests": 10, "service_tier": t} for t in ("flex", "priority", "default")]
    p = tmp_path / "calls.csv"
    pd.DataFrame(rows).to_csv(p, index=False)
    b = logs.bill(p, engine=engine)

    def usd(r_in, r_out):
        return 1.0 * r_in + 0.1 * r_out
    assert b.total_usd == pytest.approx(sum(usd(PRINTED[("gpt-5", t)][0], PRINTED[("gpt-5", t)][2])
                                            for t in ("flex", "priority", "standard")), rel=1e-12)
    w = b.what_if(["batch=1", "model=gpt-4.1", "date=2026-06-15"]).set_index("lever")
    assert w.loc["batch=1", "total_usd"] == pytest.approx(3 * usd(0.625, 5.00), rel=1e-12)
    assert w.loc["model=gpt-4.1", "total_usd"] == pytest.approx(2 * usd(2.00, 8.00) + usd(3.50, 14.00), rel=1e-12)
    assert "1 batch or service-tier row(s) priced interactive at the standard tier" in w.loc["model=gpt-4.1", "assumes"]
    assert w.loc["date=2026-06-15", "total_usd"] == pytest.approx(3 * usd(1.25, 10.00), rel=1e-12)
    assert "2 batch or service-tier row(s)" in w.loc["date=2026-06-15", "assumes"]


def test_the_focus_export_prices_each_call_at_its_tier(tmp_path):
    """The FOCUS rows of a flex call and a standard call of the same day are two charges, each at its printed
    rate, summing to the bill (the export once grouped them and priced both at the standard rate)."""
    from course_lib import focus
    path = tmp_path / "tiers.csv"
    pd.DataFrame([{"timestamp": f"{DAY}T10:00:00Z", "model": "gpt-5", "input_tokens": 100_000, "output_tokens": 10_000,
                   "service_tier": "flex"},
                  {"timestamp": f"{DAY}T11:00:00Z", "model": "gpt-5", "input_tokens": 100_000, "output_tokens": 10_000,
                   "service_tier": ""}]).to_csv(path, index=False)
    b = logs.bill(path)
    rows, _ = focus.focus_rows(b)
    want = {tier: (100_000 * PRINTED[("gpt-5", tier)][0] + 10_000 * PRINTED[("gpt-5", tier)][2]) / M
            for tier in ("flex", "standard")}
    assert float(sum(rows["BilledCost"])) == pytest.approx(sum(want.values()), abs=1e-12)
    assert b.total_usd == pytest.approx(sum(want.values()), abs=1e-12)
    flex = rows[rows["SkuPriceId"].str.endswith("/flex")]
    assert float(sum(flex["BilledCost"])) == pytest.approx(want["flex"], abs=1e-12)
    assert all(json.loads(d)["x_ServiceTier"] == "flex" for d in flex["SkuPriceDetails"])
    assert all("flex tier" in d for d in flex["ChargeDescription"])
    assert focus.check_focus(rows) == []


@pytest.mark.parametrize("word", ["batch", " Batch "])
def test_the_usage_command_prices_a_body_whose_tier_is_batch_as_a_batch_call(tmp_path, word, capsys):
    """A Claude body that reports its tier as "batch" is a batch call (Anthropic's batch API: half the price), in the
    usage command as in the readers (one rule, usage.batch_or_tier)."""
    from course_lib.cli import main
    body = json.loads((DATA / "own_logs" / "responses_recorded.jsonl").read_text().splitlines()[0])["body"]
    got = {}
    for name, tier in (("standard", "standard"), ("batch", word)):
        p = tmp_path / f"{name}.json"
        p.write_text(json.dumps(body).replace('"service_tier": "standard"', json.dumps({"service_tier": tier})[1:-1]))
        main(["usage", str(p), "--json"])
        got[name] = json.loads(capsys.readouterr().out)["total_usd"]
    assert got["batch"] == pytest.approx(got["standard"] / 2, rel=1e-6)
