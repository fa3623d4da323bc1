"""Real agent runs priced call by call: against genai-prices, against the recorded data, and on bad files."""
import json
import subprocess
import sys
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
from genai_prices import Usage as GPUsage
from genai_prices import calc_price

from course_lib import prices, runs

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def calls():
    return runs.load_calls()


def test_the_recorded_runs_are_the_documented_ones(calls):
    r = runs.load_runs()
    assert len(calls) == 34_413 and calls["run_id"].nunique() == 678 == len(r)
    assert int(r["resolved"].eq(True).sum()) >= 371 + 82  # Gemini 371 of 500; DeepSeek Lite where evaluated
    t = runs.run_totals(runs.price_calls(calls))
    # the README's medians, computed from the file by its own extractor
    assert t["n_calls"].median() == 42
    assert t["input_tokens"].median() == pytest.approx(590_487, abs=1)
    assert t["amplification"].median() == pytest.approx(346.1, abs=0.1)
    assert runs.second_half_share(calls) == pytest.approx(0.70, abs=0.01)


@pytest.mark.parametrize("model", [m for m in prices.SOURCE_PAGE_MODELS if m not in ("qwen3.5-plus", "kimi-k2.7")])
def test_per_call_prices_equal_genai_prices(calls, model):
    """A sample of calls, as recorded (reads, and writes where the provider bills them), against calc_price."""
    sample = calls.sample(200, random_state=1)
    priced = runs.price_calls(sample, model, "2026-06-15")
    ts = datetime(2026, 6, 15, 12, tzinfo=timezone.utc)
    for row in priced.itertuples():
        gp = GPUsage(input_tokens=int(row.input_tokens), output_tokens=int(row.output_tokens),
                     cache_read_tokens=int(row.cache_read_tokens), cache_write_tokens=int(row.cache_write_tokens))
        want = float(calc_price(gp, model, genai_request_timestamp=ts).total_price)
        assert row.total_usd == pytest.approx(want, abs=1e-9)


@pytest.mark.parametrize("model", ["qwen3.5-plus", "kimi-k2.7"])
def test_course_table_models_by_hand(calls, model):
    p = prices.quote(model)
    c = calls.head(50)
    got = runs.price_calls(c, model, caching="off")["total_usd"].to_numpy()
    want = (c["input_tokens"] * p.input + c["output_tokens"] * p.output).to_numpy() / 1e6
    assert np.allclose(got, want, atol=1e-12)


def test_deepseek_peak_by_each_calls_own_time_of_day():
    # 02:00 UTC is inside DeepSeek's peak window (10:00 Beijing), 12:00 UTC outside it
    day = datetime(2026, 8, 20, tzinfo=timezone.utc).timestamp()
    c = pd.DataFrame({"run_id": ["r", "r"], "call_index": [0, 1], "model": ["deepseek-v4-pro"] * 2,
                      "input_tokens": [10_000, 10_000], "output_tokens": [100, 100],
                      "timestamp": [day + 2 * 3600, day + 12 * 3600]})
    p = runs.price_calls(runs._validate(c, "test"), as_of="2026-08-20", caching="off")
    assert list(p["period"]) == ["peak", "off-peak"]
    peak, off = prices.quote("deepseek-v4-pro", "2026-08-20", period="peak"), prices.quote("deepseek-v4-pro", "2026-08-20")
    assert p["total_usd"].iloc[0] == pytest.approx((10_000 * peak.input + 100 * peak.output) / 1e6)
    assert p["total_usd"].iloc[1] == pytest.approx((10_000 * off.input + 100 * off.output) / 1e6)
    before = runs.price_calls(runs._validate(c, "test"), as_of="2026-06-15")
    assert set(before["period"]) == {"standard"}


@pytest.mark.parametrize("model", [None, "claude-sonnet-4-6", "gpt-5.5", "deepseek-v4-pro"])
def test_caching_off_never_costs_less_than_as_recorded(calls, model):
    on = runs.run_totals(runs.price_calls(calls, model))
    off = runs.run_totals(runs.price_calls(calls, model, caching="off"))
    assert (off["total_usd"].to_numpy() >= on["total_usd"].to_numpy() - 1e-12).all()


def test_writes_follow_the_providers_rules(calls):
    c = calls.head(30)
    claude = runs.price_calls(c, "claude-sonnet-4-6", caching=0.8)
    assert (claude["cache_write_tokens"] == claude["input_tokens"] - claude["cache_read_tokens"]).all()
    gpt = runs.price_calls(c, "gpt-5.5", caching=0.8)
    assert (gpt["cache_write_tokens"] == 0).all()


@pytest.mark.parametrize("edit, message", [
    (lambda df: df.drop(columns=["output_tokens"]), "output_tokens: missing column"),
    (lambda df: df.assign(input_tokens=df["input_tokens"].astype(object).where(df.index != 3, "lots")),
     "input_tokens: row 4 of .* has 'lots'"),
    (lambda df: df.assign(output_tokens=df["output_tokens"].where(df.index != 0, -5)), "output_tokens: row 1 .* '-5'"),
    (lambda df: df.assign(cached_read_tokens=df["input_tokens"] + 1), "cached_read_tokens: row 1 .* reads more"),
    (lambda df: df.assign(model=df["model"].where(df.index != 2, "")), "model: row 3 .* is empty"),
])
def test_a_malformed_calls_file_names_the_row_and_column(tmp_path, calls, edit, message):
    path = tmp_path / "calls.csv"
    edit(calls.head(10).reset_index(drop=True)).to_csv(path, index=False)
    with pytest.raises(ValueError, match=message):
        runs.load_calls(path)


def test_unknown_model_and_bad_caching_are_refused(calls):
    with pytest.raises(prices.UnknownModelError):
        runs.price_calls(calls.head(3), "no-such-model")
    with pytest.raises(ValueError, match="caching"):
        runs.price_calls(calls.head(3), caching="sometimes")


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "course_lib", "runs", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_cli_json_is_strict_and_complete(tmp_path, calls):
    path = tmp_path / "mine.csv"
    calls[calls["run_id"].isin(calls["run_id"].unique()[:3])].to_csv(path, index=False)
    r = _cli(str(path), "--model", "claude-sonnet-4-6", "--caching", "off", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    assert len(out["runs"]) == 3 and set(out["runs"][0]) == {"run_id", "n_calls", "input_tokens", "output_tokens",
                                                           "total_usd"}
    assert {"p50", "p95"} <= set(out["summary"])
    bad = _cli(str(tmp_path / "missing.csv"))
    assert bad.returncode == 2 and "no such file" in bad.stderr and "Traceback" not in bad.stderr


def test_a_repeated_call_index_is_refused(tmp_path, calls):
    """A call listed twice would be counted twice (issue 22)."""
    head = calls.head(5).reset_index(drop=True)
    path = tmp_path / "dup.csv"
    pd.concat([head, head.iloc[[2]]]).to_csv(path, index=False)
    with pytest.raises(ValueError, match=f"call_index: rows 3 and 6 of .* both call {head['call_index'][2]} of run"):
        runs.load_calls(path)


def test_a_model_with_a_zero_width_space_is_refused_as_price_and_bill_refuse_it(tmp_path, calls):
    head = calls.head(3).reset_index(drop=True).assign(model="claude-sonnet-4-6\u200b")
    path = tmp_path / "zw.csv"
    head.to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"model: row 1 of .*U\+200B") as e:
        runs.load_calls(path)
    with pytest.raises(ValueError) as same:
        prices.model_name("claude-sonnet-4-6\u200b")
    assert str(same.value).removeprefix("model: ") in str(e.value)  # one check, one message


def test_a_count_too_large_is_quoted_as_given(tmp_path, calls):
    path = tmp_path / "big.csv"
    text = calls.head(2).to_csv(index=False).splitlines()
    cols = text[0].split(",")
    row = text[1].split(",")
    row[cols.index("input_tokens")] = "1e20"
    path.write_text("\n".join([text[0], ",".join(row)]) + "\n")
    with pytest.raises(ValueError, match=r"input_tokens: row 1 of .* has '1e20', more than the largest count") as e:
        runs.load_calls(path)
    assert "-9223372036854775808" not in str(e.value)
