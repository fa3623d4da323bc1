"""Write lesson 06's sample exports (data/own_logs/): one team's week, in each provider's export format.

GENERATED, not recorded: the values come from a seeded random workload described below; the *shapes* follow
each provider's documentation (cited in course_lib/exports.py and data/own_logs/README.md). The costs that the
exports report (OpenAI Costs API, Anthropic cost report, OpenRouter `usage`, LiteLLM `spend`, Langfuse
`costDetails`) are computed call by call with genai-prices' own `calc_price`, not with course_lib, so the
lesson's reconciliation compares two independent pricings. The one real file is responses_recorded.jsonl:
real response bodies from genai-prices' recordings (data/usage_dataset/, MIT), with generated timestamps.

The workload (a web team of eight, one product, 2026-10-26 to 2026-11-01, UTC):
  code-review   GPT-5.5 (OpenAI, project proj_review): ~80 pull-request reviews a weekday, 20 a weekend day;
                input ~9K tokens (lognormal), 2% whole-repository reviews of 280-320K tokens (long-context
                tier); 40% of input cached; output ~700 tokens, ~40% of it reasoning.
  support-chat  gpt-5-mini (OpenAI, project proj_support): ~200 a day, input ~2.5K, half cached, output ~250.
  agent         claude-sonnet-4-6 (Anthropic, workspace wrkspc_agent): 20 sessions a day of 15 turns, input
                growing 8K -> 48K, ~85% cache reads and 10% 5-minute cache writes, output ~400; plus a
                nightly evaluation of 100 calls at 02:00 UTC through the Message Batches API.
  summaries     via OpenRouter: deepseek-v4-flash ~150 a day at all hours (peak and off-peak), input ~6K,
                output ~400; gemini-2.5-pro ~10 a day on long documents of 150-260K tokens.

Run: python scripts/make_sample_exports.py [--out DIR]   (default data/own_logs/; the same files every time)
"""
from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from genai_prices import Usage, calc_price

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "own_logs"
DAYS = [datetime(2026, 10, 26, tzinfo=timezone.utc) + timedelta(days=i) for i in range(7)]
SEED = 20261128
KEYS = {"proj_review": ["key_ci_bot", "key_review_dev"], "proj_support": ["key_support_web"],
        "wrkspc_agent": ["apikey_agent_prod", "apikey_agent_eval"], "openrouter": ["or_key_summaries"]}


def _ts(day, rng, hour=None):
    h = rng.integers(0, 24) if hour is None else hour
    return day + timedelta(hours=int(h), minutes=int(rng.integers(0, 60)), seconds=int(rng.integers(0, 60)))


def workload() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    calls = []

    def add(**c):
        calls.append(c)
    for day in DAYS:
        weekend = day.weekday() >= 5
        for _ in range(int(rng.poisson(20 if weekend else 80))):
            long = rng.random() < 0.02
            n = int(rng.integers(280_000, 320_000)) if long else int(min(rng.lognormal(np.log(9000), 0.5), 60_000))
            out = int(rng.lognormal(np.log(700), 0.3))
            add(ts=_ts(day, rng, rng.integers(7, 20)), provider="openai", model="gpt-5.5", project="proj_review",
                api_key=str(rng.choice(KEYS["proj_review"])), feature="code-review", input=n,
                read=int(n * 0.4) // 128 * 128 if n >= 1024 else 0, write=0, output=out,
                reasoning=int(out * 0.4), batch=False)
        for _ in range(int(rng.poisson(200))):
            n = int(rng.lognormal(np.log(2500), 0.4))
            out = int(rng.lognormal(np.log(250), 0.4))
            add(ts=_ts(day, rng), provider="openai", model="gpt-5-mini", project="proj_support",
                api_key="key_support_web", feature="support-chat", input=n,
                read=(n // 2) // 128 * 128 if n >= 1024 else 0, write=0, output=out, reasoning=0, batch=False)
        for _ in range(20):
            start = _ts(day, rng, rng.integers(6, 22))
            for turn in range(15):
                n = 8000 + turn * 2800 + int(rng.integers(0, 500))
                write = int(n * 0.10)
                read = int(n * 0.85) if turn else 0
                add(ts=start + timedelta(seconds=20 * turn), provider="anthropic", model="claude-sonnet-4-6",
                    project="wrkspc_agent", api_key="apikey_agent_prod", feature="agent", input=n, read=read,
                    write=write if turn else int(n * 0.95), output=int(rng.lognormal(np.log(400), 0.3)),
                    reasoning=0, batch=False)
        for _ in range(100):
            n = int(rng.lognormal(np.log(5000), 0.3))
            add(ts=_ts(day, rng, 2), provider="anthropic", model="claude-sonnet-4-6", project="wrkspc_agent",
                api_key="apikey_agent_eval", feature="nightly-eval", input=n, read=0, write=0,
                output=int(rng.lognormal(np.log(300), 0.3)), reasoning=0, batch=True)
        for _ in range(int(rng.poisson(150))):
            add(ts=_ts(day, rng), provider="openrouter", model="deepseek-v4-flash", project="openrouter",
                api_key="or_key_summaries", feature="summaries", input=int(rng.lognormal(np.log(6000), 0.4)),
                read=0, write=0, output=int(rng.lognormal(np.log(400), 0.3)), reasoning=0, batch=False)
        for _ in range(int(rng.poisson(10))):
            add(ts=_ts(day, rng), provider="openrouter", model="gemini-2.5-pro", project="openrouter",
                api_key="or_key_summaries", feature="summaries", input=int(rng.integers(150_000, 260_000)),
                read=0, write=0, output=int(rng.lognormal(np.log(1500), 0.3)), reasoning=0, batch=False)
    df = pd.DataFrame(calls).sort_values("ts", kind="stable").reset_index(drop=True)
    df["cost"] = [_gp_cost(r) for r in df.itertuples()]
    return df


def _gp_cost(r) -> float:
    """genai-prices' own price of one call (independent of course_lib)."""
    u = Usage(input_tokens=r.input, cache_read_tokens=r.read, cache_write_tokens=r.write, output_tokens=r.output)
    provider = {"openrouter": "deepseek" if r.model.startswith("deepseek") else "google"}.get(r.provider, r.provider)
    ctx = {"processing": "batch"} if r.batch else None
    return float(calc_price(u, r.model, provider_id=provider, genai_request_timestamp=r.ts.to_pydatetime(),
                            price_context=ctx).total_price)


def _day(ts) -> int:
    return int(datetime(ts.year, ts.month, ts.day, tzinfo=timezone.utc).timestamp())


def write_all(df: pd.DataFrame, out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    df = df.assign(day=df["ts"].map(_day))
    # the team's own call log, in the canonical columns (what a middleware or a gateway would write)
    own = pd.DataFrame({"timestamp": df["ts"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"), "model": df["model"],
                        "input_tokens": df["input"], "output_tokens": df["output"], "cache_read_tokens": df["read"],
                        "cache_write_tokens": df["write"], "reasoning_tokens": df["reasoning"],
                        "batch": df["batch"].map({True: "true", False: "false"}), "project": df["project"],
                        "api_key": df["api_key"], "feature": df["feature"]})
    own.to_csv(out / "team_calls.csv", index=False)

    oa = df[df["provider"] == "openai"]
    buckets = []
    for d, g in oa.groupby("day"):
        res = []
        for (m, p, k), h in g.groupby(["model", "project", "api_key"]):
            res.append({"object": "organization.usage.completions.result", "input_tokens": int(h["input"].sum()),
                        "output_tokens": int(h["output"].sum()), "input_cached_tokens": int(h["read"].sum()),
                        "input_audio_tokens": 0, "output_audio_tokens": 0, "num_model_requests": len(h),
                        "project_id": p, "user_id": None, "api_key_id": k, "model": m, "batch": False,
                        "service_tier": None})
        buckets.append({"object": "bucket", "start_time": d, "end_time": d + 86400, "results": res})
    _json(out / "openai_usage.json", {"object": "page", "data": buckets, "has_more": False, "next_page": None})
    buckets = []
    for d, g in oa.groupby("day"):
        res = [{"object": "organization.costs.result", "amount": {"value": round(float(h["cost"].sum()), 6),
                                                                  "currency": "usd"},
                "line_item": None, "project_id": p} for p, h in g.groupby("project")]
        buckets.append({"object": "bucket", "start_time": d, "end_time": d + 86400, "results": res})
    _json(out / "openai_costs.json", {"object": "page", "data": buckets, "has_more": False, "next_page": None})

    an = df[df["provider"] == "anthropic"]
    usage_b, cost_b = [], []
    for d, g in an.groupby("day"):
        start = datetime.fromtimestamp(d, tz=timezone.utc)
        iso = (start.strftime("%Y-%m-%dT%H:%M:%SZ"), (start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
        res, costs = [], []
        for (k, batch), h in g.groupby(["api_key", "batch"]):
            tier = "batch" if batch else "standard"
            res.append({"uncached_input_tokens": int((h["input"] - h["read"] - h["write"]).sum()),
                        "cache_creation": {"ephemeral_1h_input_tokens": 0,
                                           "ephemeral_5m_input_tokens": int(h["write"].sum())},
                        "cache_read_input_tokens": int(h["read"].sum()), "output_tokens": int(h["output"].sum()),
                        "server_tool_use": {"web_search_requests": 0}, "api_key_id": k,
                        "workspace_id": "wrkspc_agent", "model": "claude-sonnet-4-6", "service_tier": tier,
                        "context_window": "0-200k"})
            costs.append({"currency": "USD", "amount": f"{float(h['cost'].sum()) * 100:.4f}",
                          "workspace_id": "wrkspc_agent", "description": f"Claude Sonnet 4.6 Usage ({tier})",
                          "cost_type": "tokens", "context_window": "0-200k", "model": "claude-sonnet-4-6",
                          "service_tier": tier, "token_type": None})
        usage_b.append({"starting_at": iso[0], "ending_at": iso[1], "results": res})
        cost_b.append({"starting_at": iso[0], "ending_at": iso[1], "results": costs})
    _json(out / "anthropic_usage.json", {"data": usage_b, "has_more": False, "next_page": None})
    _json(out / "anthropic_cost.json", {"data": cost_b, "has_more": False, "next_page": None})

    orr = df[df["provider"] == "openrouter"]
    items = []
    for (d, m), h in orr.groupby(["day", "model"]):
        slug = {"deepseek-v4-flash": "deepseek/deepseek-v4-flash", "gemini-2.5-pro": "google/gemini-2.5-pro"}[m]
        items.append({"date": datetime.fromtimestamp(d, tz=timezone.utc).strftime("%Y-%m-%d"), "model": slug,
                      "model_permaslug": slug, "endpoint_id": f"endpoint-{m}",
                      "provider_name": "DeepSeek" if m.startswith("deepseek") else "Google",
                      "usage": round(float(h["cost"].sum()), 6), "byok_usage_inference": 0, "requests": len(h),
                      "prompt_tokens": int(h["input"].sum()), "completion_tokens": int(h["output"].sum()),
                      "reasoning_tokens": 0})
    _json(out / "openrouter_activity.json", {"data": items})

    one_day = df["ts"].dt.strftime("%Y-%m-%d") == "2026-10-28"
    sup = df[one_day & (df["feature"] == "support-chat")]
    spend = []
    for i, r in enumerate(sup.itertuples()):
        spend.append({"request_id": f"chatcmpl-{i:05d}", "call_type": "acompletion", "api_key": "88dc28d0f030c55e",
                      "spend": round(r.cost, 9), "total_tokens": r.input + r.output, "prompt_tokens": r.input,
                      "completion_tokens": r.output, "startTime": r.ts.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                      "endTime": (r.ts + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                      "model": "gpt-5-mini", "model_group": "support", "custom_llm_provider": "openai",
                      "user": "", "team_id": "team_support", "request_tags": ["support-chat"], "cache_hit": "False",
                      "status": "success", "metadata": {"usage_object": {
                          "prompt_tokens": r.input, "completion_tokens": r.output,
                          "total_tokens": r.input + r.output,
                          "prompt_tokens_details": {"cached_tokens": r.read}}}})
    _json(out / "litellm_spend_logs.json", spend)

    rev = df[one_day & (df["feature"] == "code-review")]
    obs = []
    for i, r in enumerate(rev.itertuples()):
        obs.append({"id": f"gen-{i:04d}", "traceId": f"trace-{i:04d}", "type": "SPAN", "name": "review-request",
                    "startTime": r.ts.strftime("%Y-%m-%dT%H:%M:%S.000Z")})
        ud = {"input": r.input - r.read, "input_cached_tokens": r.read, "output": r.output - r.reasoning,
              "output_reasoning_tokens": r.reasoning}
        ud["total"] = sum(ud.values())
        obs.append({"id": f"gen-{i:04d}-llm", "traceId": f"trace-{i:04d}", "type": "GENERATION",
                    "name": "code-review", "startTime": r.ts.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "model": "gpt-5.5",
                    "usageDetails": ud, "costDetails": {"total": round(r.cost, 9)}, "projectId": "lf-proj-review"})
    _json(out / "langfuse_observations.json", {"data": obs, "meta": {"page": 1, "limit": len(obs),
                                                                      "totalItems": len(obs), "totalPages": 1}})

    ag = df[one_day & (df["feature"] == "agent")]
    spans = []
    for i, r in enumerate(ag.itertuples()):
        ns = int(r.ts.timestamp() * 1e9)
        attrs = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
                 "gen_ai.request.model": "claude-sonnet-4-6", "gen_ai.response.model": "claude-sonnet-4-6",
                 "gen_ai.usage.input_tokens": r.input, "gen_ai.usage.output_tokens": r.output,
                 "gen_ai.usage.cache_read.input_tokens": r.read, "gen_ai.usage.cache_creation.input_tokens": r.write}
        spans.append({"traceId": f"{i:032x}", "spanId": f"{i:016x}", "name": "chat claude-sonnet-4-6", "kind": 3,
                      "startTimeUnixNano": str(ns), "endTimeUnixNano": str(ns + 9_000_000_000),
                      "attributes": [{"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else
                                      {"stringValue": v}} for k, v in attrs.items()]})
    with open(out / "otel_spans.jsonl", "w") as f:
        for i in range(0, len(spans), 100):
            f.write(json.dumps({"resourceSpans": [{"resource": {"attributes": [
                {"key": "service.name", "value": {"stringValue": "review-agent"}}]},
                "scopeSpans": [{"scope": {"name": "opentelemetry.instrumentation.anthropic"},
                                "spans": spans[i:i + 100]}]}]}) + "\n")

    rec = json.load(gzip.open(ROOT / "data" / "usage_dataset" / "usages.json.gz"))
    rng = np.random.default_rng(SEED)
    picked = {"claude": 10, "gpt": 10, "gemini": 10}
    with open(out / "responses_recorded.jsonl", "w") as f:
        for e in rec:
            body = dict(e["body"])
            cassette = body.pop("file", "")
            model = str(body.get("model") or body.get("modelVersion") or "")
            fam = next((k for k in picked if model.startswith(k) and picked[k] > 0), None)
            if fam is None or "usage" not in body and "usageMetadata" not in body:
                continue
            picked[fam] -= 1
            provider = {"claude": "anthropic", "gpt": "openai", "gemini": "google"}[fam]
            f.write(json.dumps({"timestamp": _ts(DAYS[2], rng).strftime("%Y-%m-%dT%H:%M:%SZ"), "provider": provider,
                                "project": "recorded", "recording": f"genai-prices tests: {cassette}",
                                "body": body}) + "\n")


def _json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=1) + "\n")


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT, help="where to write (default: data/own_logs)")
    frame = workload()
    target = ap.parse_args().out
    write_all(frame, target)
    print(f"{len(frame)} calls, genai-prices total ${frame['cost'].sum():.2f} -> {target}")
