"""TCO and break-even: the worked examples of notebook 05 pinned."""
import pytest

from course_lib import tco
from tests.fx_history import rate_on
from tests.tco_example import BREAK_EVEN_TASKS_PER_DAY, LOCAL_MONTHLY_CNY


@pytest.fixture
def w():
    return tco.Workload()


@pytest.fixture
def box():
    return tco.LocalBox()


def test_api_monthly(w):
    a = tco.api_monthly(w)
    assert a["per_task_usd"] == pytest.approx((25_000 * 0.435 + 800 * 0.87) / 1e6)
    assert a["monthly_usd"] == pytest.approx(a["per_task_usd"] * 1000 * 30)
    assert a["monthly_cny"] == pytest.approx(a["monthly_usd"] * rate_on(str(w.as_of)))


def test_api_levers(w):
    base = tco.api_cost_per_task(w)
    cached = tco.api_cost_per_task(tco.Workload(cache_hit_rate=0.8))
    assert cached == pytest.approx((5_000 * 0.435 + 20_000 * 0.003625 + 800 * 0.87) / 1e6)
    peak = tco.api_cost_per_task(tco.Workload(as_of="2026-09-01", peak_share=1.0))
    off = tco.api_cost_per_task(tco.Workload(as_of="2026-09-01"))
    assert peak == pytest.approx(2 * off) and off > base
    sonnet_batch = tco.api_cost_per_task(tco.Workload(model="claude-sonnet-4-6", batch_share=1.0))
    assert sonnet_batch == pytest.approx(0.5 * tco.api_cost_per_task(tco.Workload(model="claude-sonnet-4-6")))


def test_local_monthly_4090(box):
    m = tco.local_monthly(box)
    assert m["hardware_cny"] == pytest.approx((12_999 + 6_000) / 36)
    assert m["kwh"] == pytest.approx((450 * 0.5 + 150) * 24 * 30 / 1000 * 1.3)
    assert m["power_cny"] == pytest.approx(m["kwh"] * 0.7)
    assert m["ops_cny"] == 800
    assert m["monthly_cny"] == pytest.approx(LOCAL_MONTHLY_CNY, rel=1e-12)


def test_break_even_pinned(w, box):
    assert tco.break_even_tasks_per_day(w, box) == pytest.approx(BREAK_EVEN_TASKS_PER_DAY, rel=1e-12)
    curve = tco.break_even_curve(w, box, max_tasks_per_day=1300, points=14)
    assert (curve["api_cny"].iloc[-1] > curve["local_cny"].iloc[-1]) and curve["api_cny"].iloc[0] == 0


def test_capability_and_capacity(w, box):
    fits = tco.runnable_models(box)
    assert fits.loc["qwen2.5-32b", "fits"] and not fits.loc["llama-3.1-70b", "fits"] and not fits.loc["deepseek-v3", "fits"]
    assert not tco.capacity(box, "qwen2.5-32b", w)["fits"]  # 32K context: no longer fits 24 GiB
    c7, c14 = tco.capacity(box, "qwen2.5-7b", w), tco.capacity(box, "qwen2.5-14b", w)
    assert c7["tasks_per_day"] > c14["tasks_per_day"] > 0
    assert "efficiency" in c14["note"]


def test_sensitivity_ranks_inputs(w, box):
    s = tco.sensitivity(w, box)
    assert s.index[0] == "input_tokens" and s.attrs["base"] == pytest.approx(BREAK_EVEN_TASKS_PER_DAY, rel=1e-12)
    assert s.loc["cache_hit_rate", "swing"] > 0


def test_hybrid(w, box):
    h = tco.hybrid(w, box, 0.8, tco.Workload(model="claude-sonnet-4-6"))
    assert h["api_cny"] == pytest.approx(0.2 * h["all_api_cny"])
    assert h["total_cny"] == pytest.approx(LOCAL_MONTHLY_CNY + 0.2 * h["all_api_cny"], rel=1e-12)


def test_source_example_resolves_the_contradiction():
    t = tco.source_4090_example()
    assert t.loc["largest catalog model a 4090 runs (Q4, 8K)", "course"] in ("qwen2.5-32b", "qwen3-32b")
    assert "H200" in t.loc["DeepSeek V3-class model at Q4, 8K", "course"]


@pytest.mark.parametrize("kwargs, field", [
    ({"cache_hit_rate": 1.5}, "cache_hit_rate"), ({"tasks_per_day": -1}, "tasks_per_day"),
])
def test_workload_errors(kwargs, field):
    with pytest.raises(ValueError, match=field):
        tco.Workload(**kwargs)


def test_box_errors():
    with pytest.raises(ValueError, match="gpu"):
        tco.LocalBox(gpu="RTX 9090")
    with pytest.raises(ValueError, match="gpu_price_cny"):
        tco.LocalBox(gpu="H100 SXM")
    assert tco.LocalBox(gpu="H100 SXM", gpu_price_cny=250_000).gpu_price_cny == 250_000
    with pytest.raises(ValueError, match="utilisation"):
        tco.LocalBox(utilisation=2)
    with pytest.raises(ValueError, match="local_share"):
        tco.hybrid(tco.Workload(), tco.LocalBox(), 1.2)


def test_defaults_table_is_well_formed():
    d = tco.defaults()
    assert list(d.columns) == ["value", "unit", "source"] and d["source"].notna().all()


def test_hybrid_respects_the_boxs_capacity(w, box):
    """More tasks a day than the box can serve at 100% local: the rest goes to the API, never counted as served."""
    from dataclasses import replace as _replace
    busy = _replace(w, tasks_per_day=3_000)
    cap = tco.capacity(box, "qwen2.5-14b", busy)["tasks_per_day"]
    assert cap < 3_000
    h = tco.hybrid(busy, box, 1.0, local_model="qwen2.5-14b")
    assert h["local_tasks_per_day"] == pytest.approx(cap) and h["overflow_tasks_per_day"] == pytest.approx(3_000 - cap)
    per_task = tco.api_monthly(busy)["monthly_cny"] / busy.tasks_per_day
    assert h["api_cny"] == pytest.approx((3_000 - cap) * per_task)


def test_prefill_speedup_is_the_published_rtx_4090_figure():
    import pandas as pd
    from course_lib.data import DATA_DIR
    pub = pd.read_csv(DATA_DIR / "measured" / "published_llamacpp_gpu_speed.csv", comment="#")
    row = pub[pub.gpu == "RTX 4090"].iloc[0]
    assert round(row.prompt_tok_s / row.decode_tok_s, 1) == row.prefill_over_decode == tco._d("prefill_speedup")
    assert (pub.prefill_over_decode == (pub.prompt_tok_s / pub.decode_tok_s).round(1)).all()
    assert pub.url.str.startswith("https://github.com/").all()


def test_equal_capability_break_even_is_above_the_boxs_capacity(box):
    """The box runs a 14B model; an API model of its class (DeepSeek V4-Flash) is so cheap that the box never pays."""
    flash = tco.Workload(model="deepseek-v4-flash")
    be = tco.break_even_tasks_per_day(flash, box)
    cap = tco.capacity(box, "qwen2.5-14b", flash)["tasks_per_day"]
    assert be > cap


# --- serving under load: capacity from a measured curve (issue 19) -------------------------------------------------
import json
import math

from course_lib import vram
from course_lib.data import DATA_DIR


def _h200(model="llama-3.1-8b"):
    """The H200 sweep's levels for one model, read straight from the JSON Lines the probe wrote."""
    rows = [json.loads(line) for line in (DATA_DIR / "measured" / "h200_llamacpp" / "conc.jsonl").read_text().splitlines()]
    return {r["concurrency"]: r for r in rows if r["model"] == model}


def _review(model="llama-3.1-8b"):
    """The same H200 sweep at the review's 25,000 + 800 tokens (conc_review.jsonl), read straight from the file."""
    rows = [json.loads(line) for line in
            (DATA_DIR / "measured" / "h200_llamacpp" / "conc_review.jsonl").read_text().splitlines() if line.strip()]
    return {r["concurrency"]: r for r in rows if r["model"] == model}


def _long_prompt_ratios(c):
    """Measured ÷ carried at level c, by hand: carried to 25,000 + 800 tokens at its own speed alone, the short
    sweep's p95 TTFT scales with the prompt (× 25,000 / 1,024) and its p95 TPOT stays as measured."""
    short, review = _h200(), _review()
    ttft_carried = short[c]["ttft_p95_s"] / short[1]["ttft_p50_s"] * 25_000 / (1_024 / short[1]["ttft_p50_s"])
    tpot_carried = short[c]["tpot_p95_ms"]
    return review[c]["ttft_p95_s"] / ttft_carried, review[c]["tpot_p95_ms"] / tpot_carried


def test_the_h200_curve_obeys_littles_law():
    """Requests in the system = arrival rate × time in system, on measured data: the concurrency comes back."""
    raw = _h200()
    t = tco.load_curve().table().set_index("concurrency")
    assert sorted(raw) == list(t.index) == [1, 2, 4, 8, 16, 32]
    for c, r in raw.items():
        rps = r["out_tok_s"] / 128
        w_s = r["ttft_p50_s"] + 127 * r["tpot_p50_ms"] / 1000
        assert t.loc[c, "requests_per_s"] == pytest.approx(rps)
        assert t.loc[c, "little_L"] == pytest.approx(rps * w_s)
        assert rps * w_s == pytest.approx(c, rel=0.03)


def test_capacity_at_a_ttft_target_on_the_h200_curve():
    raw = _h200()
    cap = tco.capacity_at_slo(tco.load_curve(), slo_ttft_s=2)
    # p95 TTFT at or under 2 s: levels 1, 2, 4, 8 (16 is over); the busiest of them is 8
    assert [c for c, r in raw.items() if r["ttft_p95_s"] <= 2] == [1, 2, 4, 8]
    assert cap["concurrency"] == 8 and cap["ttft_p95_s"] == pytest.approx(raw[8]["ttft_p95_s"])
    # 374.1 output tokens/s ÷ 128 per request, 20% kept free, a day at the peak rate for 24/3 hours
    assert cap["capacity_tasks_per_day"] == pytest.approx(raw[8]["out_tok_s"] / 128 * 0.8 * 86_400 / 3)
    assert cap["batch1_requests_per_s"] == pytest.approx(raw[1]["out_tok_s"] / 128)
    tight = tco.capacity_at_slo(tco.load_curve(), slo_ttft_s=2, slo_tpot_ms=10)
    assert tight["concurrency"] == 4  # p95 TPOT 8.7 ms at 4, 17.0 ms at 8
    none = tco.capacity_at_slo(tco.load_curve(), slo_ttft_s=0.05)
    assert not none["meets_slo"] and none["capacity_tasks_per_day"] == 0 and "0.12 s" in none["reason"]
    no_peak = tco.capacity_at_slo(tco.load_curve(), slo_ttft_s=2, peak_factor=1, headroom=0)
    assert no_peak["capacity_tasks_per_day"] == pytest.approx(raw[8]["out_tok_s"] / 128 * 86_400)


def test_capacity_inputs_are_checked():
    c = tco.load_curve()
    for kwargs, field in (({"peak_factor": 0.5}, "peak_factor"), ({"headroom": 1.0}, "headroom"),
                          ({"slo_ttft_s": -1}, "slo_ttft_s"), ({"slo_tpot_ms": float("nan")}, "slo_tpot_ms")):
        with pytest.raises(ValueError, match=field):
            tco.capacity_at_slo(c, **{"slo_ttft_s": 2, **kwargs})
    with pytest.raises(ValueError, match="model"):
        tco.load_curve(DATA_DIR / "measured" / "h200_llamacpp" / "conc.jsonl")  # three models: pick one
    with pytest.raises(ValueError, match="model"):
        tco.load_curve(DATA_DIR / "measured" / "h200_llamacpp" / "conc.jsonl", model="gpt-5.5")


def test_a_loadtest_json_is_read(tmp_path):
    """The shape `python -m course_lib loadtest --json` writes: levels plus the request shape."""
    raw = _h200("qwen2.5-32b")
    levels = [{"concurrency": c, "requests": c, "errors": 0, "ttft_p50_s": r["ttft_p50_s"], "ttft_p95_s": r["ttft_p95_s"],
               "tpot_p50_ms": r["tpot_p50_ms"], "tpot_p95_ms": r["tpot_p95_ms"], "output_tok_s": r["out_tok_s"],
               "input_tok_s": r["in_tok_s"], "goodput_rps": 0} for c, r in raw.items()]
    f = tmp_path / "lt.json"
    levels.append({**levels[-1], "concurrency": 64, "requests": 0, "errors": 64, "ttft_p50_s": None, "ttft_p95_s": None,
                   "tpot_p50_ms": None, "tpot_p95_ms": None, "output_tok_s": 0.0})  # every request failed
    f.write_text(json.dumps({"levels": levels, "server": {"url": "http://127.0.0.1:8080"},
                             "run": {"endpoint": "llama.cpp", "prompt_tokens": 1024, "output_tokens": 128}}))
    assert "64" in tco.load_curve(f).source and 64 not in list(tco.load_curve(f).levels["concurrency"])
    cap = tco.capacity_at_slo(tco.load_curve(f), slo_ttft_s=5)
    # p95 TTFT ≤ 5 s: 1, 2, 4, 8 (4.43 s); 16 is 8.7 s
    assert cap["concurrency"] == 8 and cap["requests_per_s"] == pytest.approx(raw[8]["out_tok_s"] / 128)
    f.write_text(json.dumps({"levels": levels}))
    with pytest.raises(ValueError, match="prompt_tokens"):
        tco.load_curve(f)


def test_rescaling_keeps_the_shape_and_littles_law():
    c = tco.load_curve()
    one = _h200()[1]
    r = tco.rescale_curve(c, 2048, 128)  # the same box, prompts twice as long
    assert r.levels.loc[0, "ttft_p50_s"] == pytest.approx(2 * one["ttft_p50_s"])
    assert r.levels.loc[0, "tpot_p50_ms"] == pytest.approx(one["tpot_p50_ms"])
    t = r.table()
    assert (t["little_L"] - t["concurrency"]).abs().max() < 1e-9  # closed loop: throughput = L ÷ W
    slow = tco.rescale_curve(c, 1024, 128, prefill_tok_s=1024 / one["ttft_p50_s"] / 2,
                             decode_tok_s=1000 / one["tpot_p50_ms"] / 2, max_concurrency=4)
    assert list(slow.levels["concurrency"]) == [1, 2, 4]
    assert slow.levels.loc[2, "ttft_p95_s"] == pytest.approx(2 * _h200()[4]["ttft_p95_s"])


def test_the_4090_box_curve(box):
    """Lesson 05's example: the H200 curve's shape, the 4090's own speed alone, only the slots that fit, and the
    long-prompt correction measured on the H200 at this very request shape."""
    w = tco.Workload(model="deepseek-v4-flash")
    n = tco.max_concurrency(box, "qwen2.5-14b", 25_000, 800)
    per_slot = 25_800
    fits = lambda k: vram.serve("qwen2.5-14b", per_slot * k, k, "llama.cpp")["total_bytes"] <= 24 * vram.GIB
    assert n >= 1 and fits(n) and not fits(n + 1)
    bc = tco.box_curve(box, "qwen2.5-14b", w)
    assert bc.levels["concurrency"].max() <= n
    dec = tco.capacity(box, "qwen2.5-14b", w, ctx=25_800)["decode_tok_s"]
    one = _h200()[1]
    k_ttft, k_tpot = _long_prompt_ratios(1)
    assert k_ttft > 1 and k_tpot > 1  # long prompts are slower than the short sweep says
    assert bc.levels.loc[0, "tpot_p50_ms"] == pytest.approx(1000 / dec * k_tpot)
    assert bc.levels.loc[0, "ttft_p50_s"] == pytest.approx(25_000 / (dec * 50.2) * k_ttft)
    assert bc.levels.loc[0, "ttft_p95_s"] == pytest.approx(
        25_000 / (dec * 50.2) * one["ttft_p95_s"] / one["ttft_p50_s"] * k_ttft)
    assert "corrected for long prompts" in bc.source


def test_long_prompt_correction_leaves_short_requests_alone():
    short = tco.rescale_curve(tco.load_curve(), 1_024, 128)
    assert tco.correct_for_long_prompts(short).levels.equals(short.levels)
    half = tco.correct_for_long_prompts(tco.rescale_curve(tco.load_curve(), 13_012, 464))  # halfway: weight 0.5
    k_ttft, _ = _long_prompt_ratios(1)
    assert half.levels.loc[0, "ttft_p50_s"] == pytest.approx(
        tco.rescale_curve(tco.load_curve(), 13_012, 464).levels.loc[0, "ttft_p50_s"] * (1 + 0.5 * (k_ttft - 1)))
    assert list(half.levels["concurrency"]) == [1, 2, 4]  # only the levels the long-prompt run measured


def test_boxes_and_where_the_verdict_flips(box):
    assert tco.boxes_needed(2_000, 951) == 3 and tco.boxes_needed(951, 951) == 1 and tco.boxes_needed(0, 951) == 0
    assert tco.boxes_needed(10, 0) is None
    pro = tco.Workload()
    be = tco.break_even_tasks_per_day(pro, box)
    flips = tco.local_pays_from(pro, box, 1.5 * be)
    # one box wins on (be, 1.5 be]; two on (2 be, 3 be]; three from 3 be, which touches 3 be: local from then on
    assert flips["flips_at_tasks_per_day"] == pytest.approx(be)
    assert flips["intervals"][0] == pytest.approx((be, 1.5 * be))
    assert flips["intervals"][1][0] == pytest.approx(2 * be) and flips["intervals"][1][1] == math.inf
    never = tco.local_pays_from(pro, box, 0.9 * be)
    assert never["flips_at_tasks_per_day"] is None and "never" in never["reason"]
    v = tco.verdict_by_traffic(pro, box, 1.5 * be, [0.5 * be, 1.2 * be, 1.8 * be, 2.5 * be])
    assert list(v["boxes"]) == [1, 1, 2, 2] and list(v["cheaper"]) == ["api", "local", "api", "local"]
    assert v["local_cny"].iloc[2] == pytest.approx(2 * 1573.45, abs=0.01)


def test_cost_per_million_local_tokens(w, box):
    r = tco.local_cost_per_mtok(box, 1_500, w, 1_000)
    assert r["boxes"] == 2
    assert r["cny_per_mtok"] == pytest.approx(2 * 1573.45 / (1_500 * 30 * 25_800) * 1e6, rel=1e-5)


def test_rented_gpu_month():
    from course_lib import money
    r = tco.rented_monthly(0.34)
    assert r["rent_cny"] == pytest.approx(0.34 * 24 * 30 * money.fx_rate("2026-06-15").rate)
    assert r["monthly_cny"] == pytest.approx(r["rent_cny"] + 4 * 200)
    prices = tco.rental_prices()
    assert {"H200 SXM", "H100 SXM", "RTX 4090"} <= set(prices["gpu"])
    assert prices["provider_url"].str.startswith("https://").all() and prices["price_date"].str.match(r"\d{4}-\d\d-\d\d$").all()
    with pytest.raises(ValueError, match="usd_per_gpu_hour"):
        tco.rented_monthly(0)


def test_local_price_row_recovers_the_tco(box):
    w = tco.Workload(tasks_per_day=800)
    curve = tco.box_curve(box, "qwen2.5-14b", w)
    cap = tco.capacity_at_slo(curve, 30, 100)
    row = tco.local_price_row(box, w, curve, cap)
    month = 800 * 30
    usd = row["input_usd_per_mtok"] * month * 25_000 / 1e6 + row["output_usd_per_mtok"] * month * 800 / 1e6
    assert usd == pytest.approx(row["boxes"] * tco.local_monthly(box)["monthly_usd"])
    assert row["input_usd_per_mtok"] > 0 and row["output_usd_per_mtok"] > row["input_usd_per_mtok"]


def test_cli_capacity_at_a_latency_target():
    import subprocess
    import sys
    raw = _h200()
    out = subprocess.run([sys.executable, "-m", "course_lib", "tco", "--gpu", "H200 SXM", "--gpu-price-cny", "250000",
                          "--input-tokens", "1024", "--output-tokens", "128", "--tasks-per-day", "100000",
                          "--slo-ttft", "2", "--json"], capture_output=True, text=True, check=True)
    d = json.loads(out.stdout)
    assert d["concurrency"] == 8 and d["ttft_p95_s"] == pytest.approx(raw[8]["ttft_p95_s"])
    assert d["capacity_tasks_per_day"] == pytest.approx(raw[8]["out_tok_s"] / 128 * 0.8 * 86_400 / 3)
    assert d["boxes_needed"] == 2 and "2 boxes" in d["cheaper"]


def test_cli_zero_tokens_writes_valid_json():
    """Issue 22: with 0 tokens a task costs nothing on the API; the break-even is infinite, said in valid JSON."""
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "course_lib", "tco", "--input-tokens", "0", "--output-tokens", "0",
                          "--local-model", "qwen2.5-14b", "--slo-ttft", "2", "--json"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["break_even_tasks_per_day"] is None and "infinite" in d["break_even_note"]
    assert d["capacity_tasks_per_day"] is None and d["load"]["reason"]


def test_cli_never_shows_a_local_cost_beyond_capacity_without_boxes(box):
    """With a local model the capacity at the default target (data/tco_defaults.csv) is always computed."""
    import subprocess
    import sys
    run = lambda *a: json.loads(subprocess.run([sys.executable, "-m", "course_lib", "tco", *a, "--json"],
                                               capture_output=True, text=True, check=True).stdout)
    d = run("--tasks-per-day", "20000", "--local-model", "qwen2.5-14b")
    ttft, tpot = tco.default_slo()
    cap = tco.capacity_at_slo(tco.box_curve(box, "qwen2.5-14b", tco.Workload(tasks_per_day=20_000)), ttft, tpot)
    assert d["capacity_tasks_per_day"] == pytest.approx(cap["capacity_tasks_per_day"])
    assert d["boxes_needed"] == math.ceil(20_000 / cap["capacity_tasks_per_day"])
    assert d["local_monthly_for_traffic"] == pytest.approx(d["boxes_needed"] * 1573.45, abs=0.01)
    assert f"{d['boxes_needed']} boxes" in d["cheaper"]
    bare = run("--tasks-per-day", "20000")
    assert "capacity" in bare["cheaper"] and "boxes_needed" not in bare
    too_big = run("--input-tokens", "200000", "--local-model", "qwen2.5-14b", "--gpu", "RTX 4060 Ti 16GB")
    assert too_big["boxes_needed"] is None and "16" in too_big["load"]["reason"] and too_big["cheaper"].startswith("api")


def test_the_8b_curve_shape_predicts_the_32b_and_70b_curves():
    """Measured against measured: the 8B sweep's shape at the 32B's (70B's) own single-request speed."""
    raw8, raw32 = _h200(), _h200("qwen2.5-32b")
    t = tco.shape_transfer_check("llama-3.1-8b", "qwen2.5-32b")
    # by hand at 4 at once: TTFT p95 = (8B's p95 at 4 ÷ its p50 at 1) × the 32B's TTFT alone
    ttft4 = raw8[4]["ttft_p95_s"] / raw8[1]["ttft_p50_s"] * raw32[1]["ttft_p50_s"]
    assert t.loc[4, "predicted p95 TTFT, s"] == pytest.approx(ttft4)
    assert t.loc[4, "measured requests/s"] == pytest.approx(raw32[4]["out_tok_s"] / 128)
    assert t.loc[1, "requests/s, measured ÷ predicted"] == pytest.approx(1, rel=0.01)
    assert t.loc[4, "p95 TTFT, measured ÷ predicted"] == pytest.approx(raw32[4]["ttft_p95_s"] / ttft4)
    for target in ("qwen2.5-32b", "llama-3.1-70b"):
        r = tco.shape_transfer_check("llama-3.1-8b", target)
        # the prediction ÷ the measurement: never far, and on the safe side
        assert (1 / r["requests/s, measured ÷ predicted"]).between(0.7, 1.1).all()
        assert (1 / r["p95 TTFT, measured ÷ predicted"]).between(0.8, 1.3).all()


def test_both_curve_checks_give_their_ratios_one_way():
    """The shape check across models and the request-shape check share one table: every ratio measured ÷ predicted,
    computed from the two columns beside it."""
    for t in (tco.shape_transfer_check("llama-3.1-8b", "llama-3.1-70b"), tco.request_shape_check("llama-3.1-8b")):
        ratios = [c for c in t.columns if "÷" in c]
        assert ratios and all(c.endswith("measured ÷ predicted") for c in ratios)
        for c in ratios:
            name = c.removesuffix(", measured ÷ predicted")
            meas = next(m for m in t.columns if m.startswith(f"measured {name}"))
            pred = next(p for p in t.columns if p.startswith(f"predicted {name}"))
            assert (t[c] == t[meas] / t[pred]).all()


def test_lesson_05_example_by_hand(box):
    """The 4090 box with qwen2.5-14b on 25,000 + 800-token reviews, worked from the raw files: the 8B sweep carried to
    the box's own speed alone, corrected by the H200's long-prompt run, level by level; flat round-the-clock traffic
    against working-day traffic."""
    raw = _h200()
    flash = tco.Workload(model="deepseek-v4-flash")
    dec = tco.capacity(box, "qwen2.5-14b", flash, ctx=25_800)["decode_tok_s"]
    pre = dec * 50.2

    def level(c):
        k_ttft, k_tpot = _long_prompt_ratios(c)
        ttft50 = raw[c]["ttft_p50_s"] / raw[1]["ttft_p50_s"] * 25_000 / pre * k_ttft
        ttft95 = raw[c]["ttft_p95_s"] / raw[1]["ttft_p50_s"] * 25_000 / pre * k_ttft
        tpot50 = raw[c]["tpot_p50_ms"] / raw[1]["tpot_p50_ms"] / dec * k_tpot  # seconds
        return ttft95, c / (ttft50 + 799 * tpot50)  # Little's law, c requests always in flight

    assert tco.max_concurrency(box, "qwen2.5-14b", 25_000, 800) in (2, 3)  # the sweep has no level 3: level 2 is used
    (ttft1, rps1), (ttft2, _) = level(1), level(2)
    assert ttft1 <= 30 < ttft2  # at the 30 s target only one request at a time
    curve = tco.box_curve(box, "qwen2.5-14b", flash)
    flat = tco.capacity_at_slo(curve, 30, 100, peak_factor=1, headroom=0)
    day = tco.capacity_at_slo(curve, 30, 100)  # peak factor 3, headroom 20% (data/tco_defaults.csv)
    assert flat["concurrency"] == day["concurrency"] == 1
    assert flat["capacity_tasks_per_day"] == pytest.approx(rps1 * 86_400)
    assert day["capacity_tasks_per_day"] == pytest.approx(rps1 * 0.8 * 86_400 / 3)
    be = tco.break_even_tasks_per_day(flash, box)
    assert day["capacity_tasks_per_day"] < be < flat["capacity_tasks_per_day"]  # the peak factor decides the verdict
    assert tco.local_pays_from(flash, box, flat["capacity_tasks_per_day"])["flips_at_tasks_per_day"] == pytest.approx(be)
    assert tco.local_pays_from(flash, box, day["capacity_tasks_per_day"])["flips_at_tasks_per_day"] is None


def test_a_curve_csv_is_read(tmp_path):
    """The CSV a benchmark writes (benchmarks/serving.py's shape: leading # lines, the request shape in columns)."""
    raw = _h200("llama-3.1-70b")
    rows = ["# a comment line describing the run", "concurrency,ttft_p50_s,ttft_p95_s,tpot_p50_ms,tpot_p95_ms,"
            "output_tok_s,errors,prompt_tokens,output_tokens"]
    rows += [f"{c},{r['ttft_p50_s']},{r['ttft_p95_s']},{r['tpot_p50_ms']},{r['tpot_p95_ms']},{r['out_tok_s']},0,1024,128"
             for c, r in raw.items()]
    f = tmp_path / "curve.csv"
    f.write_text("\n".join(rows) + "\n")
    cap = tco.capacity_at_slo(tco.load_curve(f), slo_ttft_s=4)
    assert cap["concurrency"] == 4 and cap["requests_per_s"] == pytest.approx(raw[4]["out_tok_s"] / 128)  # 16: 15 s
