"""Your own logs (lesson 06): each export format, bad rows, both engines, against independent prices."""
import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from genai_prices import Usage as GPUsage
from genai_prices import calc_price
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_lib import exports, logs

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "own_logs"
TEAM = SAMPLES / "team_calls.csv"
PROVIDER_EXPORTS = ["openai_usage.json", "openai_costs.json", "anthropic_usage.json", "anthropic_cost.json",
                    "openrouter_activity.json"]
EXPECTED = {"openai_usage.json": ("openai-usage", 21), "openai_costs.json": ("openai-costs", 0),
            "anthropic_usage.json": ("anthropic-usage", 14), "anthropic_cost.json": ("anthropic-cost", 0),
            "openrouter_activity.json": ("openrouter", 14), "litellm_spend_logs.json": ("litellm", 156),
            "langfuse_observations.json": ("langfuse", 72), "otel_spans.jsonl": ("otel", 300),
            "responses_recorded.jsonl": ("responses", 30), "team_calls.csv": ("csv", 5696)}


def test_every_sample_is_documented_and_read_without_error():
    files = sorted(p.name for p in SAMPLES.iterdir() if p.is_file() and p.name not in ("README.md", "LICENSE"))
    assert files == sorted(EXPECTED)
    readme = (SAMPLES / "README.md").read_text()
    for name, (fmt, n) in EXPECTED.items():
        ex = exports.read(SAMPLES / name)
        assert (ex.format, len(ex.rows), ex.errors) == (fmt, n, []), name
        assert name in readme and fmt in readme


def _gp(model, provider, ts, n, read, write, out, batch=False):
    ctx = {"processing": "batch"} if batch else None
    return float(calc_price(GPUsage(input_tokens=n, cache_read_tokens=read, cache_write_tokens=write,
                                    output_tokens=out), model, provider_id=provider,
                            genai_request_timestamp=ts, price_context=ctx).total_price)


def test_team_calls_priced_as_genai_prices_prices_each_call():
    """Every call of the team's week, priced call by call by genai-prices' own calc_price (an independent
    implementation), agrees with both engines."""
    df = pd.read_csv(TEAM)
    provider = {"gpt-5.5": "openai", "gpt-5-mini": "openai", "claude-sonnet-4-6": "anthropic",
                "deepseek-v4-flash": "deepseek", "gemini-2.5-pro": "google"}
    want = sum(_gp(r.model, provider[r.model], datetime.fromisoformat(r.timestamp.replace("Z", "+00:00")),
                   r.input_tokens, r.cache_read_tokens, r.cache_write_tokens, r.output_tokens, r.batch)
               for r in df.itertuples())
    for engine in logs.ENGINES:
        b = logs.bill(TEAM, engine=engine)
        assert b.rows == len(df) and b.error_count == 0
        assert b.total_usd == pytest.approx(want, rel=1e-9)


def test_hand_computed_rows():
    """Three rows priced by hand from the published per-million prices (GPT-5.5: $5 in, $0.50 cached, $30 out;
    above 272K input every token at $10 / $1 / $45; DeepSeek V4-Flash off-peak $0.15 / $0.60)."""
    rows = pd.DataFrame([
        {"timestamp": "2026-10-28T12:00:00Z", "model": "gpt-5.5", "input_tokens": 10_000, "cache_read_tokens": 2_000,
         "output_tokens": 1_000},
        {"timestamp": "2026-10-28T12:00:00Z", "model": "gpt-5.5", "input_tokens": 300_000, "cache_read_tokens": 0,
         "output_tokens": 1_000},
        {"timestamp": "2026-10-28T12:00:00Z", "model": "deepseek-v4-flash", "input_tokens": 1_000_000,
         "cache_read_tokens": 0, "output_tokens": 1_000_000},
    ])
    hand = [8_000 * 5 / 1e6 + 2_000 * 0.5 / 1e6 + 1_000 * 30 / 1e6, 300_000 * 10 / 1e6 + 1_000 * 45 / 1e6, 0.15 + 0.60]
    for engine in logs.ENGINES:
        priced, errors = logs.price_rows(rows, engine=engine)
        assert errors.empty
        assert priced["total_usd"].tolist() == pytest.approx(hand, rel=1e-12)
        assert priced["band"].tolist() == [0, 1, 0]


def test_peak_hours_priced_by_the_row_time():
    """DeepSeek's peak window (01:00-04:00 and 06:00-10:00 UTC from 2026-08-17), as genai-prices prices it."""
    rows = pd.DataFrame([{"timestamp": t, "model": "deepseek-v4-flash", "input_tokens": 50_000,
                          "output_tokens": 2_000} for t in ("2026-10-28T02:30:00Z", "2026-10-28T12:30:00Z",
                                                            "2026-10-28")])
    want = [_gp("deepseek-v4-flash", "deepseek", datetime(2026, 10, 28, h, 30, tzinfo=timezone.utc), 50_000, 0, 0,
                2_000) for h in (2, 12)]
    assert want[0] > want[1]
    for engine in logs.ENGINES:
        priced, _ = logs.price_rows(rows, engine=engine)
        assert priced["period"].tolist() == ["peak", "off-peak", "standard"]
        assert priced["total_usd"].tolist()[:2] == pytest.approx(want, rel=1e-12)
        assert priced["total_usd"].iloc[2] == pytest.approx(want[1], rel=1e-12)  # no time given: off-peak price


BAD = pd.DataFrame([
    {"timestamp": "2026-10-28T10:00:00Z", "model": "gpt-5.5", "input_tokens": "1000", "output_tokens": "100"},
    {"timestamp": "2026-10-28T10:00:00Z", "model": "", "input_tokens": "1000", "output_tokens": "100"},
    {"timestamp": "yesterday", "model": "gpt-5.5", "input_tokens": "1000", "output_tokens": "100"},
    {"timestamp": "2026-10-28", "model": "gpt-5.5", "input_tokens": "-5", "output_tokens": "100"},
    {"timestamp": "2026-10-28", "model": "gpt-5.5", "input_tokens": "12.5", "output_tokens": "100"},
    {"timestamp": "2026-10-28", "model": "gpt-5.5", "input_tokens": "1000"},
    {"timestamp": "2026-10-28", "model": "gpt-9-ultra", "input_tokens": "1000", "output_tokens": "100"},
    {"timestamp": "2026-10-28", "model": "gpt-5.5", "input_tokens": "1000", "output_tokens": "100",
     "cache_read_tokens": "2000"},
    {"timestamp": "2026-10-28", "model": "gpt-5.5", "input_tokens": "1000", "output_tokens": "100",
     "reported_cost_usd": "0.01", "reported_currency": "EUR"},
    {"timestamp": "2026-10-28", "model": "gpt-5.5", "input_tokens": "1000", "output_tokens": "100",
     "batch": "maybe"},
    {"timestamp": "2026-10-28", "model": "deepseek-v4-flash", "input_tokens": "1000", "output_tokens": "100",
     "batch": "true"},
    {"timestamp": "2026-10-28", "model": "gpt-5.5", "input_tokens": "1000", "output_tokens": "100",
     "reported_cost_usd": "0.01", "reported_currency": "USD"},
])
BAD_FIELDS = {2: "model", 3: "timestamp", 4: "input_tokens", 5: "input_tokens", 6: "output_tokens", 7: "model",
              8: "cache_read_tokens", 9: "reported_currency", 10: "batch", 11: "batch"}


@pytest.mark.parametrize("engine", logs.ENGINES)
def test_bad_rows_named_by_field_and_the_rest_priced(engine):
    df = BAD.copy()
    df.insert(0, "source_row", range(1, len(df) + 1))
    priced, errors = logs.price_rows(df, engine=engine)
    assert dict(zip(errors["source_row"], errors["field"], strict=True)) == BAD_FIELDS
    assert priced["source_row"].tolist() == [1, 12]
    assert priced["total_usd"].iloc[0] == pytest.approx(1000 * 5 / 1e6 + 100 * 30 / 1e6)
    msg = dict(zip(errors["field"], errors["message"], strict=True))
    assert "closest known models are" in msg["model"] or "missing" in msg["model"]
    assert "gpt-9-ultra" in " ".join(errors["message"])
    assert "batch" in msg["batch"]


def test_bad_rows_in_a_file_through_the_bill(tmp_path):
    path = tmp_path / "mine.csv"
    BAD.to_csv(path, index=False)
    by_engine = {e: logs.bill(path, engine=e) for e in logs.ENGINES}
    for b in by_engine.values():
        assert b.error_count == len(BAD_FIELDS) and b.rows == 2
        assert dict(zip(b.errors["source_row"], b.errors["field"], strict=True)) == BAD_FIELDS
    assert by_engine["duckdb"].total_usd == pytest.approx(by_engine["pandas"].total_usd, abs=1e-9)


def test_a_file_without_a_required_column_is_refused(tmp_path):
    path = tmp_path / "mine.csv"
    pd.DataFrame({"timestamp": ["2026-10-28"], "model": ["gpt-5.5"], "prompt_tokens": [5]}).to_csv(path, index=False)
    for engine in logs.ENGINES:
        with pytest.raises(ValueError, match="input_tokens: missing column"):
            logs.bill(path, engine=engine)


MODELS = ["gpt-5.5", "gpt-5-mini", "claude-sonnet-4-6", "deepseek-v4-flash", "gemini-2.5-pro", "no-such-model"]


@st.composite
def frames(draw):
    n = draw(st.integers(1, 25))
    rows = []
    for i in range(n):
        inp = draw(st.integers(0, 400_000))
        read = draw(st.one_of(st.none(), st.integers(0, inp)))
        write = draw(st.one_of(st.none(), st.integers(0, inp - (read or 0))))
        out = draw(st.integers(0, 20_000))
        rows.append({
            "source_row": i + 1,
            "timestamp": draw(st.sampled_from(["2026-10-28T02:15:00Z", "2026-10-28T13:00:00+08:00", "2026-06-01",
                                               "2025-12-31T23:59:59Z", "not a date"])),
            "model": draw(st.sampled_from(MODELS)), "input_tokens": str(inp), "output_tokens": str(out),
            "cache_read_tokens": None if read is None else str(read),
            "cache_write_tokens": None if write is None else str(write),
            "requests": draw(st.sampled_from([None, "1", "3"])),
            "batch": draw(st.sampled_from([None, "true", "false", "False"])),
            "web_searches": draw(st.sampled_from([None, "0", "2"])),
            "project": draw(st.sampled_from([None, "a", "b"])),
        })
    return pd.DataFrame(rows)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
def test_duckdb_and_pandas_agree_on_every_row(df):
    a, ea = logs.price_rows(df, engine="pandas")
    b, eb = logs.price_rows(df, engine="duckdb")
    assert a["source_row"].tolist() == b["source_row"].tolist()
    assert dict(zip(ea["source_row"], ea["field"], strict=True)) == dict(zip(eb["source_row"], eb["field"], strict=True))
    for c in logs.COST_COLUMNS:
        assert np.allclose(a[c].to_numpy(float), b[c].to_numpy(float), rtol=0, atol=1e-9), c
    assert a["period"].tolist() == b["period"].tolist() and a["band"].tolist() == b["band"].tolist()


@pytest.mark.parametrize("name", sorted(n for n, (fmt, _) in EXPECTED.items() if fmt not in exports.COST_FORMATS))
def test_engines_agree_on_every_sample(name):
    """Every usage-log sample (the cost exports carry no tokens to price, so no engine runs on them)."""
    a = logs.bill(SAMPLES / name, engine="pandas")
    b = logs.bill(SAMPLES / name, engine="duckdb")
    assert a.rows == b.rows == EXPECTED[name][1] and a.error_count == b.error_count == 0
    assert a.total_usd == pytest.approx(b.total_usd, abs=1e-9)
    by_a, by_b = a.by("day"), b.by("day")
    assert np.allclose(by_a["total_usd"], by_b["total_usd"], rtol=0, atol=1e-9)


def test_duckdb_reads_csv_jsonl_and_parquet_alike(tmp_path):
    import duckdb
    df = pd.read_csv(TEAM, dtype=str)
    jl = tmp_path / "team.jsonl"
    jl.write_text("\n".join(json.dumps(r) for r in df.to_dict("records")) + "\n")
    pq = tmp_path / "team.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{TEAM}', all_varchar=true)) TO '{pq}' (FORMAT parquet)")
    totals = [logs.bill(p, engine="duckdb").total_usd for p in (TEAM, jl, pq)]
    assert totals == pytest.approx([totals[0]] * 3, abs=1e-9)


def test_reconciliation_against_the_reported_costs():
    b = logs.bill([SAMPLES / n for n in PROVIDER_EXPORTS])
    r = b.reconcile()
    anth = r[r["model"] == "claude-sonnet-4-6"]
    assert len(anth) == 7 and (anth["explained_by"] == "agrees").all()    # daily buckets, no tiers: exact
    oa = r[r["model"] == "(all openai)"]
    # a day's bucket of GPT-5.5 reviews that held a whole-repository review (above 272K) cannot be priced by its
    # average: those days differ, and the reconciliation says why; the others agree
    off = oa[oa["explained_by"] != "agrees"]
    assert len(off) and (off["difference_usd"] > 0).all()
    assert off["explained_by"].str.startswith("within what the export hides: buckets of many requests").all()
    ds = r[r["model"] == "deepseek/deepseek-v4-flash"]
    assert (ds["difference_usd"] > 0).all() and ds["explained_by"].str.contains("no time of day").all()
    for name in ("litellm_spend_logs.json", "langfuse_observations.json"):
        assert (logs.bill(SAMPLES / name).reconcile()["explained_by"] == "agrees").all(), name


def test_reconciliation_names_a_missing_cache_write_premium():
    rows = pd.DataFrame([{"timestamp": "2026-10-28T12:00:00Z", "model": "claude-sonnet-4-6",
                          "input_tokens": 100_000, "cache_write_tokens": 100_000, "output_tokens": 0,
                          "reported_cost_usd": 100_000 * 3 / 1e6}])   # billed as plain input
    path = Path(__import__("tempfile").mkdtemp()) / "x.csv"
    rows.to_csv(path, index=False)
    r = logs.bill(path).reconcile()
    assert r["explained_by"].iloc[0].startswith("cache-write premium: USD 0.0750 in the re-price, not applied")


def test_unreported_counts_are_counted_never_silent():
    b = logs.bill(SAMPLES / "openrouter_activity.json")
    assert b.unreported()["cache reads not reported (input billed uncached)"] == 14
    assert any("no cache split" in n for n in b.notes)


def test_what_if_levers():
    b = logs.bill(TEAM)
    base = b.total_usd
    w = b.what_if(["model=gpt-5.5", "date=2026-10-28", "cache=0", "batch=0", "cap=1000000",
                   "model=deepseek-v4-flash", "cache=0.5", "batch=0.25", "cap=800"])
    s = dict(zip(w["lever"], w["saving_usd"], strict=True))
    for neutral in ("date=2026-10-28", "cache=0", "batch=0", "cap=1000000"):
        assert s[neutral] == pytest.approx(0, abs=1e-9), neutral   # prices did not change within the week
    assert s["model=deepseek-v4-flash"] > s["cache=0.5"] > 0 and s["batch=0.25"] > 0 and s["cap=800"] > 0
    assert w["saving_usd"].is_monotonic_decreasing
    assert (w["assumes"].str.len() > 20).all()
    # batch=1 halves every row whose provider has a batch price (OpenAI, Anthropic, Google: 50%)
    lines = b.lines
    has_batch = lines["provider"].isin(["openai", "anthropic", "google"]) & ~lines["batch"]
    full = b.what_if(["batch=1"])["saving_usd"].iloc[0]
    assert full == pytest.approx(lines.loc[has_batch, "total_usd"].sum() / 2, rel=1e-9)
    assert base > 0


@pytest.mark.parametrize("text", ["cache=2", "batch=-1", "speed=3", "model", "date=someday"])
def test_bad_levers_refused(text):
    with pytest.raises(ValueError):
        logs.bill(TEAM).what_if([text])


def test_reader_errors_row_by_row(tmp_path):
    anth = json.loads((SAMPLES / "anthropic_usage.json").read_text())
    anth["data"][0]["results"][0]["service_tier"] = "priority"
    anth["data"][1]["results"][0]["model"] = None
    p = tmp_path / "a.json"
    p.write_text(json.dumps(anth))
    ex = exports.read(p)
    assert [(e["source_row"], e["field"]) for e in ex.errors] == [(1, "service_tier"), (3, "model")]
    assert len(ex.rows) == 12
    lf = json.loads((SAMPLES / "langfuse_observations.json").read_text())
    lf["data"][1]["usageDetails"]["total"] += 1
    p.write_text(json.dumps(lf))
    ex = exports.read(p)
    assert [e["field"] for e in ex.errors] == ["usageDetails.total"] and len(ex.rows) == 71
    p = tmp_path / "r.jsonl"
    p.write_text(json.dumps({"usage": {"prompt_tokens": 5, "completion_tokens": 1}, "model": "gpt-5.5"}) + "\n")
    ex = exports.read(p, "responses")
    assert ex.errors[0]["field"] == "timestamp" and "wrap it" in ex.errors[0]["message"]


def test_formats_and_paths_refused_clearly(tmp_path):
    with pytest.raises(ValueError, match="format must be 'auto' or one of"):
        exports.read(TEAM, "excel")
    with pytest.raises(ValueError, match="no such file"):
        exports.read(tmp_path / "none.csv")
    with pytest.raises(ValueError, match="engine must be"):
        logs.bill(TEAM, engine="spark")


def test_upload_text_reads_like_the_file():
    text = (SAMPLES / "openrouter_activity.json").read_text()
    ex = exports.read_text(text, "my_activity.json")
    assert ex.format == "openrouter" and len(ex.rows) == 14
    b = logs.bill([ex])
    assert b.total_usd == pytest.approx(logs.bill(SAMPLES / "openrouter_activity.json").total_usd)


def test_meter_export_reads_as_otel(tmp_path):
    from course_lib.meter import CostMeter
    from course_lib.usage import Usage
    m = CostMeter()
    m.record(Usage(input_tokens=5_000, output_tokens=300, cache_read_tokens=1_000), "gpt-5.5", feature="review",
             task="t1", day="2026-10-28")
    p = tmp_path / "meter.csv"
    m.calls().to_csv(p, index=False)
    b = logs.bill(p)
    assert exports.detect_format(p) == "otel"
    assert b.total_usd == pytest.approx(m.calls()["cost_usd"].sum(), rel=1e-9)
    assert (b.reconcile()["explained_by"] == "agrees").all()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bill_command_on_every_sample(name):
    paths = [str(SAMPLES / name)]
    if name in ("openai_costs.json", "anthropic_cost.json"):
        paths.insert(0, str(SAMPLES / name.replace("costs", "usage").replace("cost", "usage")))
    r = subprocess.run([sys.executable, "-m", "course_lib", "bill", *paths, "--json"], capture_output=True,
                       text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["rows"] > 0 and out["total_usd"] > 0 and len(out["what_if"]) == 3


def test_bill_command_explains_bad_input():
    r = subprocess.run([sys.executable, "-m", "course_lib", "bill", str(TEAM), "--what-if", "speed=2"],
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 2 and "NAME one of model, date, cache, batch, cap" in r.stderr


def test_more_readers_name_their_bad_rows(tmp_path):
    oa = json.loads((SAMPLES / "openai_usage.json").read_text())
    oa["data"][0]["results"][0]["model"] = None
    del oa["data"][0]["results"][1]["output_tokens"]
    p = tmp_path / "oa.json"
    p.write_text(json.dumps(oa))
    ex = exports.read(p)
    assert [(e["source_row"], e["field"]) for e in ex.errors] == [(1, "model"), (2, "output_tokens")]
    assert len(ex.rows) == 19 and "group_by=model" in ex.errors[0]["message"]
    orr = json.loads((SAMPLES / "openrouter_activity.json").read_text())
    del orr["data"][3]["requests"]
    p.write_text(json.dumps(orr))
    ex = exports.read(p, "openrouter")
    assert [(e["source_row"], e["field"]) for e in ex.errors] == [(4, "requests")] and len(ex.rows) == 13
    ll = json.loads((SAMPLES / "litellm_spend_logs.json").read_text())
    ll[0]["status"] = "failure"
    ll[1]["prompt_tokens"] = -4
    p.write_text(json.dumps(ll))
    ex = exports.read(p)
    assert [(e["source_row"], e["field"]) for e in ex.errors] == [(1, "status")]
    b = logs.bill([ex])   # the negative count is the pricing's to refuse, by field, with the rest priced
    assert b.error_count == 2 and set(b.errors["field"]) == {"status", "input_tokens"} and b.rows == 154
    costs = json.loads((SAMPLES / "openai_costs.json").read_text())
    costs["data"][0]["results"][0]["amount"]["currency"] = "eur"
    p.write_text(json.dumps(costs))
    ex = exports.read(p)
    assert ex.errors[0]["field"] == "amount.currency" and len(ex.costs) == 13


def test_own_bill_panel_reads_an_upload_a_path_and_a_sample(tmp_path):
    from course_lib import widgets
    data = (SAMPLES / "openrouter_activity.json").read_bytes()
    args = dict(sample="team_calls.csv", by="model", as_of=widgets.EACH_ROW, model=widgets.AS_LOGGED, cache=0.5,
                batch=0.25, cap=800)
    up, _, _ = widgets.own_bill_answer(**args, upload=({"name": "mine.json", "content": memoryview(data)},))
    assert up[0].startswith("your upload mine.json: 14 rows")
    want = logs.bill(SAMPLES / "openrouter_activity.json").total_usd
    assert f"total: USD {want:,.2f}" in up[1]
    path, _, _ = widgets.own_bill_answer(**args, path=str(SAMPLES / "openrouter_activity.json"))
    assert path[1] == up[1]
    sample, fig, table = widgets.own_bill_answer(**args)
    assert sample[0].startswith("sample: team_calls.csv: 5,696 rows") and "cache=0.5" in table
    rows = pd.read_csv(TEAM, dtype=str).head(50).to_dict("records")
    arr = tmp_path / "rows.json"
    arr.write_text(json.dumps(rows))   # one JSON array of canonical rows, not JSON Lines
    assert logs.bill(arr, engine="duckdb").total_usd == pytest.approx(logs.bill(arr, engine="pandas").total_usd,
                                                                        abs=1e-9)


def test_the_samples_are_what_the_seeded_script_writes(tmp_path):
    """data/own_logs/ is reproducible: the generator, re-run, writes the committed files byte for byte."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_sample_exports.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True, timeout=300)
    for name in EXPECTED:
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), name


def test_compressed_exports_read_as_they_are(tmp_path):
    import gzip
    import shutil
    for name in ("team_calls.csv", "anthropic_usage.json", "otel_spans.jsonl"):
        gz = tmp_path / (name + ".gz")
        with open(SAMPLES / name, "rb") as src, gzip.open(gz, "wb") as dst:
            shutil.copyfileobj(src, dst)
        assert exports.detect_format(gz) == EXPECTED[name][0]
        for engine in logs.ENGINES:
            assert logs.bill(gz, engine=engine).total_usd == pytest.approx(
                logs.bill(SAMPLES / name, engine=engine).total_usd, abs=1e-9), (name, engine)


@pytest.mark.parametrize("kind", ["json", "csv", "parquet"])
def test_gateway_logs_priced_in_place_by_duckdb_as_the_reader_prices_them(tmp_path, kind):
    """LiteLLM spend logs of any size: DuckDB maps their columns in SQL (out of core) and gives what the Python
    reader gives, failed calls and bad counts named by row and field."""
    rows = json.loads((SAMPLES / "litellm_spend_logs.json").read_text())
    rows[0]["status"] = "failure"
    rows[1]["prompt_tokens"] = -4
    path = tmp_path / f"spend.{kind}"
    if kind == "json":
        path.write_text(json.dumps(rows))
    else:
        flat = pd.DataFrame([{**r, "metadata": json.dumps(r["metadata"]), "request_tags": json.dumps(r["request_tags"])}
                             for r in rows])
        if kind == "csv":
            flat.to_csv(path, index=False)
        else:
            import duckdb
            csv_path = tmp_path / "flat.csv"
            flat.to_csv(csv_path, index=False)
            duckdb.sql(f"COPY (SELECT * FROM read_csv('{csv_path}', all_varchar=true)) TO '{path}' (FORMAT parquet)")
    assert exports.detect_format(path) == "litellm" and logs.duckdb_reads("litellm", path)
    fast, slow = logs.bill(path, engine="duckdb"), logs.bill(path, engine="pandas")
    assert fast.sources[0].endswith("(litellm, duckdb)")
    assert fast.total_usd == pytest.approx(slow.total_usd, abs=1e-9) and fast.rows == slow.rows == 154
    for b in (fast, slow):
        assert dict(zip(b.errors["source_row"], b.errors["field"], strict=True)) == {1: "status", 2: "input_tokens"}
    assert fast.unreported() == slow.unreported()
    assert fast.by("feature").index.tolist() == ["support-chat"]
    assert (fast.reconcile()["explained_by"] == "agrees").all()


def test_the_meter_table_priced_in_place(tmp_path):
    from course_lib.meter import CostMeter
    from course_lib.usage import Usage
    m = CostMeter()
    for i in range(30):
        m.record(Usage(input_tokens=5_000 + i, output_tokens=300, cache_read_tokens=1_000), "gpt-5.5",
                 feature="review", task=f"t{i}", day="2026-10-28")
    p = tmp_path / "meter.csv"
    m.calls().to_csv(p, index=False)
    fast, slow = logs.bill(p, engine="duckdb"), logs.bill(p, engine="pandas")
    assert fast.sources[0].endswith("(otel, duckdb)") and not slow.sources[0].endswith("duckdb)")
    assert fast.total_usd == pytest.approx(slow.total_usd, abs=1e-12) == pytest.approx(m.calls()["cost_usd"].sum())
