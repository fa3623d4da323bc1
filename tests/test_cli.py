"""python -m course_lib price: the issue's acceptance commands, and clear errors."""
import json
import subprocess
import sys

import pytest

from course_lib.cli import main
from tests.tco_example import BREAK_EVEN_TASKS_PER_DAY, LOCAL_MONTHLY_CNY, USD_PER_CNY


def run(*args):
    return subprocess.run([sys.executable, "-m", "course_lib", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("inp, out, total", [("3200", "500", 0.0171), ("600000", "45000", 2.475)])
def test_price_json_acceptance(inp, out, total):
    r = run("price", "--model", "claude-sonnet-4-6", "--input", inp, "--output", out, "--as-of", "2026-06-15", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["total_usd"] == total


def test_price_cny_cached_batch(capsys):
    assert main(["price", "--model", "deepseek-v4-pro", "--input", "600000", "--output", "45000",
                 "--cached", "480000", "--as-of", "2026-08-20", "--period", "peak", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total_usd"] == 0.35772
    assert main(["price", "--model", "claude-sonnet-4-6", "--input", "3200", "--output", "500",
                 "--batch", "--currency", "cny"]) == 0
    assert "¥" in capsys.readouterr().out


def test_unknown_model_exits_2_with_one_line(capsys):
    assert main(["price", "--model", "gpt-55", "--input", "1", "--output", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown model 'gpt-55'") and "Traceback" not in err


def test_negative_tokens_rejected():
    r = run("price", "--model", "gpt-5.5", "--input", "-5", "--output", "1")
    assert r.returncode == 2 and "cannot be negative" in r.stderr


@pytest.mark.parametrize("version", ["v1", "v2", "v3"])
def test_review_json(version):
    r = run("review", "--version", version, "--model", "deepseek-v4-pro", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["total_usd"] > 0 and out["input_tokens"] > 500 and out["output_tokens"] > 0
    assert out["change"] == "marshmallow-3.21.1"


def test_vram_json_keys_and_gpu():
    r = run("vram", "--model", "qwen2.5-32b", "--ctx", "32768", "--flash-attention", "off", "--gpu", "RTX 4090", "--json")
    out = json.loads(r.stdout)
    for k in ("weights_bytes", "kv_bytes", "compute_bytes", "overhead_bytes", "total_bytes"):
        assert isinstance(out[k], int) and out[k] >= 0
    assert out["total_bytes"] == sum(out[k] for k in ("weights_bytes", "kv_bytes", "compute_bytes", "overhead_bytes"))
    assert out["gpu"]["fits"] is False and out["gpu"]["offload"]["layers_on_cpu"] > 0


def test_vram_hf_config_is_pytorch_bf16(tmp_path):
    cfg = {"num_hidden_layers": 32, "hidden_size": 4096, "num_attention_heads": 32, "num_key_value_heads": 8,
           "intermediate_size": 14336, "vocab_size": 128256, "max_position_embeddings": 131072}
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    out = json.loads(run("vram", "--hf-config", str(tmp_path / "config.json"), "--ctx", "8192", "--json").stdout)
    assert out["backend"] == "pytorch" and out["weights_bytes"] == 2 * 8030261248
    assert out["kv_bytes"] == 1073741824  # = the H200 measurement for Llama 3.1 8B at 8K


def test_vram_errors():
    r = run("vram", "--ctx", "8192")
    assert r.returncode == 2 and "exactly one of --model" in r.stderr
    r = run("vram", "--model", "qwen2.5-7b", "--ctx", "8192", "--quant", "Q3")
    assert r.returncode == 2 and "quant must be one of" in r.stderr


def test_tco_json():
    r = run("tco", "--tasks-per-day", "1000", "--local-model", "qwen2.5-14b", "--json")
    out = json.loads(r.stdout)
    assert out["currency"] == "CNY" and out["local_monthly"] == pytest.approx(LOCAL_MONTHLY_CNY, rel=1e-12)
    assert out["break_even_tasks_per_day"] == pytest.approx(BREAK_EVEN_TASKS_PER_DAY, rel=1e-12)
    assert out["capacity"]["fits"] is True
    usd = json.loads(run("tco", "--currency", "USD", "--json").stdout)
    assert usd["local_monthly"] == pytest.approx(LOCAL_MONTHLY_CNY * USD_PER_CNY, rel=1e-6)


def test_tco_needs_a_quote_for_datacentre_gpus():
    r = run("tco", "--gpu", "H100 SXM")
    assert r.returncode == 2 and "pass your quote" in r.stderr


@pytest.mark.parametrize("args, message", [
    (["tco", "--tasks-per-day", "nan"], "expected a finite number"),
    (["tco", "--tasks-per-day", "inf"], "expected a finite number"),
    (["tco", "--gpu-price-cny", "-5"], "cannot be negative"),
    (["tco", "--ops-hours", "-3"], "cannot be negative"),
    (["tco", "--cache-hit-rate", "1.5"], "between 0 and 1"),
    (["review", "--version", "v1", "--model", "nosuch"], "unknown model 'nosuch'"),
])
def test_bad_input_gets_one_clear_line(args, message):
    r = run(*args, "--json")
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr and r.stdout == ""


def test_gpu_price_zero_is_used_not_replaced_by_the_default():
    free = json.loads(run("tco", "--gpu-price-cny", "0", "--json").stdout)["local_breakdown"]["hardware"]
    default = json.loads(run("tco", "--json").stdout)["local_breakdown"]["hardware"]
    assert free < default  # the rest of the box still costs something


def test_a_date_past_the_data_says_which_prices_were_used():
    from course_lib.prices import data_as_of
    out = json.loads(run("price", "--model", "gpt-5.5", "--input", "10", "--output", "1", "--as-of", "2031-01-01",
                         "--json").stdout)
    assert f"newest data ({data_as_of()})" in out["note"]


def test_a_usd_answer_needs_no_exchange_rate(capsys, monkeypatch):
    # the course's rates start in 2023 and its prices in 2025, so the case is made: a rate table that starts
    # after the price date (the table is read through money._rates)
    from course_lib import money
    later = tuple(r for r in money._rates() if str(r.day) > "2025-06-01")
    monkeypatch.setattr(money, "_rates", lambda: later)
    args = ["price", "--model", "gpt-5.5", "--input", "10", "--output", "1", "--as-of", "2025-06-01"]
    assert main([*args, "--json"]) == 0 and json.loads(capsys.readouterr().out)["fx"] is None
    assert main([*args, "--currency", "CNY"]) == 2 and "no USD/CNY rate" in capsys.readouterr().err


def test_a_date_before_the_first_price_is_refused_naming_it():
    from course_lib.prices import history_start
    r = run("price", "--model", "gpt-5.5", "--input", "10", "--output", "1", "--as-of", "2019-01-01", "--json")
    assert r.returncode == 2 and f"first date with a price in the price book is {history_start()}" in r.stderr
