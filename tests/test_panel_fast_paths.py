"""The cheaper paths lesson 06's panel takes (issue 20) give what the plain ones give: reprice_each against reprice
one override at a time, reconcile's array sums against pandas' per-group sums, and the bill chart's margins
against matplotlib's own tight_layout."""
from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from course_lib import logs, plots, prices, widgets  # noqa: E402
from course_lib.data import DATA_DIR  # noqa: E402
from course_lib.logs_rates import costs, rates, reprice, reprice_each  # noqa: E402
from course_lib.logs_rows import COUNTS  # noqa: E402


@pytest.fixture(scope="module", params=["provider exports", "team_calls.csv", "otel_spans.jsonl"])
def bill(request):
    return logs.bill([DATA_DIR / "own_logs" / f for f in widgets.OWN_SAMPLES[request.param]], as_of="2026-06-15")


def test_reprice_each_is_reprice_one_override_at_a_time(bill):
    lines = bill.lines
    top = np.array([len(prices.quote(m, d).tiers) for m, d in zip(lines["model"], lines["price_day"], strict=True)])
    ways = [{"band": 0}, {"batch": False}, {"period": "standard"}, {"period": "peak"}, {"band": top}]
    for o, got in zip(ways, reprice_each(lines, ways), strict=True):
        pd.testing.assert_series_equal(got, reprice(lines, overrides=o), check_exact=True)


def test_reprice_totals_are_the_cost_columns_total(bill):
    """reprice adds up on arrays what costs() adds up on columns, to the last bit."""
    lines = bill.lines
    r = rates(lines, {"batch": False})
    want = costs(pd.concat([lines[[*COUNTS]], r], axis=1))["total_usd"]
    got = reprice(lines, {"batch": False})
    assert np.array_equal(got.to_numpy(), want.to_numpy(), equal_nan=True)


def test_reconcile_sums_are_pandas_sums(bill):
    """Each reconciliation row's re-priced amount is the sum pandas gives for that day and model's lines."""
    recon = bill.reconcile()
    lines = bill.lines
    per_row = recon[recon["reported_by"] == "reported per row"]
    for _, row in per_row.iterrows():
        sel = lines[(lines["day"] == row["day"]) & (lines["model"] == row["model"]) & (lines["reported_rows"] > 0)]
        assert row["repriced_usd"] == float(sel["total_usd"].sum())
        assert row["reported_usd"] == float(sel["reported_cost_usd"].sum())
    assert list(per_row[["day", "model"]].itertuples(index=False)) == sorted(per_row[["day", "model"]].itertuples(index=False))


@pytest.mark.parametrize("by", ["model", "provider", "day"])
def test_bill_chart_margins_are_tight_layouts(bill, by):
    fig = plots.bill_breakdown(bill, by)
    try:
        sp = fig.subplotpars
        ours = np.array([sp.left, sp.right, sp.bottom, sp.top])
        fig.tight_layout()
        sp = fig.subplotpars
        assert ours == pytest.approx([sp.left, sp.right, sp.bottom, sp.top], abs=0.005)
    finally:
        plt.close(fig)
