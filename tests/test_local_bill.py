"""A mixed log, API and local calls, in one bill (issue 19): a local model gets a dated per-token price from its
TCO at its load (lesson 05), so its calls are never priced at USD 0 in silence; without one they are refused.

The local price row comes from ``course_lib.tco``; the bill's arithmetic on it is the logs engines' own, checked
here by hand: tokens × the row's USD per million.
"""
import json

import pandas as pd
import pytest

from course_lib import logs, prices, tco
from course_lib.cli import main

API = {"timestamp": "2026-10-28T10:00:00Z", "model": "gpt-5.5", "input_tokens": 1000, "output_tokens": 100}
LOCAL = {"timestamp": "2026-10-28T11:00:00Z", "model": "review-box-14b", "input_tokens": 25_000, "output_tokens": 800}


@pytest.fixture
def mixed(tmp_path):
    p = tmp_path / "mixed.csv"
    pd.DataFrame([API, LOCAL, {**LOCAL, "timestamp": "2026-10-29T11:00:00Z"}]).to_csv(p, index=False)
    yield p
    prices.clear_local_prices()


def test_an_unpriced_local_model_is_refused_never_zero(mixed):
    for engine in logs.ENGINES:
        b = logs.bill(mixed, engine=engine)
        assert b.error_count == 2 and set(b.errors["source_row"]) == {2, 3}
        assert b.lines["model"].tolist() == ["gpt-5.5"]


def test_a_local_model_priced_from_its_tco(mixed):
    api_only = logs.bill(mixed).summary()["total_usd"]
    row = tco.local_price("qwen2.5-14b", "RTX 4090", name="review-box-14b")
    assert row["input_usd_per_mtok"] > 0 and row["output_usd_per_mtok"] > 0
    prices.set_local_price(row)
    by_hand = 2 * (25_000 * row["input_usd_per_mtok"] + 800 * row["output_usd_per_mtok"]) / 1e6
    for engine in logs.ENGINES:
        b = logs.bill(mixed, engine=engine)
        assert b.error_count == 0
        assert b.summary()["total_usd"] == pytest.approx(api_only + by_hand, rel=1e-9)
        local = b.by("model").loc["review-box-14b", "total_usd"]
        assert local == pytest.approx(by_hand, rel=1e-9)


def test_local_price_rules():
    row = tco.local_price("qwen2.5-14b", "RTX 4090", name="box-a")
    p = prices.set_local_price(row)
    try:
        assert p.provider == "local" and "TCO" in p.source
        with pytest.raises(ValueError, match="its TCO price starts"):
            prices.quote("box-a", "2026-01-01")  # before the row's date
        with pytest.raises(ValueError, match="no batch price"):
            prices.quote("box-a", "2026-10-01", batch=True)
        with pytest.raises(ValueError, match="input_usd_per_mtok"):
            prices.set_local_price({**row, "input_usd_per_mtok": float("nan")})
    finally:
        prices.clear_local_prices()
    with pytest.raises(prices.UnknownModelError):
        prices.quote("box-a", "2026-10-01")


def test_the_bill_command_takes_local_models(mixed, capsys):
    assert main(["bill", str(mixed), "--local", "review-box-14b=qwen2.5-14b@RTX 4090", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["errors"] == 0 and any(n.startswith("review-box-14b: a local model") for n in out["notes"])
    with pytest.raises(SystemExit):
        main(["bill", str(mixed), "--local", "qwen2.5-14b"])  # no GPU: refused by the parser
    assert "[NAME=]MODEL@GPU" in capsys.readouterr().err
