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
    from course_lib.prices import DATA_DIR
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
