"""FOCUS 1.3 export of a priced bill (course_lib.focus, ``bill --export focus``; notebook 06_your_own_bill).

Held to the FinOps Foundation's validator (focus-validator 1.0.0, installed by ``make focus-validator`` in its own
venv because it needs pandas<3) on its newest rule set, and to the FOCUS 1.3 column definitions (FOCUS_Spec,
specification/datasets/cost_and_usage/columns/) for what that validator predates. Costs are checked against a
total worked out here from the export file and the price book, not from course_lib.focus.
"""
from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import yaml

from course_lib import focus, logs, prices
from course_lib.cli import main
from tests.conftest import missing_system_piece

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "data" / "own_logs" / "real"
DASHBOARD = REAL / "openai_dashboard_completions_usage_2025-10.tsv"
ANTHROPIC = REAL / "anthropic_usage_report_docs_example.json"
OPENROUTER = REAL / "openrouter_activity_docs_example.json"
TEAM = ROOT / "data" / "own_logs" / "team_calls.csv"
VALIDATOR = Path(os.environ.get("FOCUS_VALIDATOR_VENV", ROOT / ".venv-focus-validator"))
OVERRIDES = Path(__file__).with_name("focus_validator_overrides.yaml")

#: FOCUS 1.3 Cost and Usage columns whose feature level is Mandatory (read from each column's "Content
#: Constraints" table in the specification, typed here, not taken from course_lib.focus).
SPEC_MANDATORY = ["BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
                  "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargePeriodEnd",
                  "ChargePeriodStart", "ContractedCost", "EffectiveCost", "HostProviderName", "InvoiceIssuerName",
                  "ListCost", "PricingQuantity", "PricingUnit", "ServiceCategory", "ServiceName",
                  "ServiceProviderName"]


def export_csv(path, tmp_path: Path, name: str = "focus.csv") -> Path:
    out = tmp_path / name
    rows, _ = focus.focus_rows(logs.bill(path))
    focus.write_focus(rows, out)
    return out


def read_text(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# --- (1) the FinOps Foundation's validator ----------------------------------------------------------------------
def run_validator(data: Path, tmp_path: Path) -> ET.Element:
    exe = VALIDATOR / "bin" / "focus-validator"
    if not exe.exists():
        missing_system_piece(f"focus-validator is not installed in {VALIDATOR} (`make focus-validator` builds it)")
    # It reads its ISO 4217 list from the relative path focus_validator/utils/: run it from its site-packages.
    site = subprocess.run([str(VALIDATOR / "bin" / "python"), "-c",
                           "import focus_validator, pathlib; print(pathlib.Path(focus_validator.__file__).parent.parent)"],
                          capture_output=True, text=True, timeout=120, check=True).stdout.strip()
    report = tmp_path / "validator.xml"
    subprocess.run([str(exe), "--data-file", str(data), "--validate-version", "1.0", "--override-file",
                    str(OVERRIDES), "--output-type", "unittest", "--output-destination", str(report)],
                   cwd=site, capture_output=True, text=True, timeout=300)
    return ET.parse(report).getroot()


@pytest.mark.parametrize("export", [DASHBOARD, ANTHROPIC], ids=["openai-dashboard", "anthropic-usage"])
def test_the_foundations_validator_passes_a_real_export(export, tmp_path):
    result = run_validator(export_csv(export, tmp_path), tmp_path)
    overridden = yaml.safe_load(OVERRIDES.read_text())["overrides"]
    failed = [c.get("name") for c in result.iter("testcase") if c.find("failure") is not None]
    assert failed == []
    assert result.get("failures") == "0" and result.get("errors") == "0"
    assert int(result.get("skipped")) == len(overridden)
    # README: "119 of its 133 checks run and pass" (its whole FOCUS 1.0 rule set, less the overrides)
    assert (int(result.get("tests")), len(overridden)) == (133, 14)


def test_the_validator_is_not_a_rubber_stamp(tmp_path):
    rows = read_text(export_csv(DASHBOARD, tmp_path))
    rows.loc[0, "ServiceCategory"] = "LLM"          # not an allowed value
    rows.loc[1, "BilledCost"] = ""                  # BilledCost may not be null
    bad = tmp_path / "bad.csv"
    rows.to_csv(bad, index=False)
    result = run_validator(bad, tmp_path)
    failed = {c.get("name").split(" ::")[0] for c in result.iter("testcase") if c.find("failure") is not None}
    assert {"ServiceCategory_Enum", "BilledCost_NotNull"} <= failed


def test_every_override_names_a_check_of_the_validator_rule_set():
    listed = yaml.safe_load(OVERRIDES.read_text())["overrides"]
    assert len(listed) == len(set(listed)) and all(re.fullmatch(r"[A-Za-z]+_[A-Za-z]+", n) for n in listed)
    assert not {"BilledCost_NotNull", "BilledCost_IsDecimal", "ServiceCategory_Enum"} & set(listed)


# --- (2) mandatory columns, types and formats by the specification's own rules -------------------------------
@pytest.mark.parametrize("export", [DASHBOARD, ANTHROPIC, OPENROUTER, TEAM],
                         ids=["openai-dashboard", "anthropic-usage", "openrouter", "team-calls"])
def test_the_export_keeps_the_focus_1_3_rules(export, tmp_path):
    rows = read_text(export_csv(export, tmp_path))
    assert focus.check_focus(rows) == []
    assert set(SPEC_MANDATORY) <= set(rows.columns)
    assert "ProviderName" in rows.columns and "ServiceProviderName" in rows.columns   # 1.3 renamed, kept both
    for c in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "BillingCurrency", "ChargePeriodStart",
              "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd", "ServiceName", "ServiceProviderName",
              "InvoiceIssuerName", "ChargeCategory", "ServiceCategory"):
        assert (rows[c] != "").all(), c                                   # may not be null
    for c in ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd"):
        assert rows[c].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()   # ISO 8601, UTC, 'Z'
    for c in ("BilledCost", "ListCost", "ListUnitPrice", "PricingQuantity", "ConsumedQuantity"):
        assert rows[c].str.fullmatch(r"\d+\.\d+").all(), c                # decimals, no sign, no exponent
    assert set(rows["ServiceCategory"]) == {"AI and Machine Learning"}
    assert set(rows["ChargeCategory"]) == {"Usage"} and set(rows["ChargeClass"]) == {""}
    assert set(rows["PricingCategory"]) == {"Standard"} and set(rows["BillingCurrency"]) == {"USD"}
    tokens = rows[rows["ConsumedUnit"] == "Tokens"]
    assert set(tokens["PricingUnit"]) == {"1000000 Tokens"}
    for r in tokens.itertuples():   # one price per row: ListCost = ListUnitPrice x PricingQuantity, exactly
        assert Decimal(r.ListUnitPrice) * Decimal(r.PricingQuantity) == Decimal(r.ListCost)
        assert Decimal(r.PricingQuantity) * 1_000_000 == Decimal(r.ConsumedQuantity)
    days = pd.to_datetime(rows["ChargePeriodStart"])
    assert ((pd.to_datetime(rows["ChargePeriodEnd"]) - days) == pd.Timedelta(days=1)).all()
    assert (pd.to_datetime(rows["BillingPeriodStart"]) <= days).all()
    assert all(json.loads(t) for t in rows["Tags"] if t)
    assert all(c.startswith("x_") for c in rows.columns if c not in focus.COLUMNS or c.startswith("x"))


def test_the_rule_checker_finds_what_the_specification_forbids(tmp_path):
    rows = read_text(export_csv(DASHBOARD, tmp_path))
    assert any("BillingAccountId: a mandatory" in m for m in focus.check_focus(rows.drop(columns="BillingAccountId")))
    bad = rows.copy()
    bad.loc[0, "ListCost"] = str(Decimal(bad.loc[0, "ListCost"]) + Decimal("0.01"))
    assert any(m.startswith("ListCost:") for m in focus.check_focus(bad))
    bad = rows.copy()
    bad.loc[0, "ChargePeriodStart"] = "2025-10-05 00:00:00"
    assert any(m.startswith("ChargePeriodStart:") for m in focus.check_focus(bad))
    bad = rows.copy()
    bad.loc[0, "PricingQuantity"] = "+1.5"
    assert any(m.startswith("PricingQuantity:") for m in focus.check_focus(bad))
    assert any(m.startswith("Tokens:") for m in focus.check_focus(rows.assign(Tokens="1")))   # no x_ prefix
    bad = rows.copy()
    bad.loc[0, "SkuPriceId"] = ""          # the rule the validator's SkuPriceId_Nullable stands for (overridden)
    assert any(m.startswith("SkuPriceId: null on 1 usage") for m in focus.check_focus(bad))


# --- (3) costs add up to the bill ------------------------------------------------------------------------------
def dashboard_total_by_hand() -> Decimal:
    """The dashboard export's USD worked out here: each row's uncached input, cached input and output at the
    price book's rates on its day (the export's own input_uncached/input_cached columns)."""
    total = Decimal(0)
    with open(DASHBOARD, newline="") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if not r["model"]:
                continue   # a day with no usage
            p = prices.quote(r["model"], r["start_time_iso"][:10])
            for col, unit in (("input_uncached_tokens", "input"), ("input_cached_tokens", "cache_read"),
                              ("output_tokens", "output")):
                total += Decimal(int(float(r[col]))) * Decimal(repr(p.rate(unit))) / 1_000_000
    return total


def test_costs_sum_to_the_bill_worked_out_independently(tmp_path):
    rows = read_text(export_csv(DASHBOARD, tmp_path))
    expected = dashboard_total_by_hand()
    for c in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost"):
        assert sum(Decimal(v) for v in rows[c]) == expected, c
    assert abs(float(expected) - logs.bill(DASHBOARD).total_usd) < 1e-9


@pytest.mark.parametrize("export", [TEAM, ANTHROPIC, OPENROUTER], ids=["team-calls", "anthropic", "openrouter"])
def test_costs_sum_to_the_bill_day_by_day(export, tmp_path):
    b = logs.bill(export)
    rows = read_text(export_csv(export, tmp_path))
    per_day = rows.groupby(rows["ChargePeriodStart"].str[:10])["BilledCost"].apply(
        lambda s: float(sum(Decimal(v) for v in s)))
    by_day = b.by("day")["total_usd"]
    assert list(per_day.index) == list(by_day.index)
    assert per_day.to_numpy() == pytest.approx(by_day.to_numpy(), abs=1e-9)


# --- (4) what cannot be priced is left out with a message, never 0 ------------------------------------------------
UNPRICED = """timestamp,model,input_tokens,output_tokens,web_searches,project
2026-10-27T10:00:00Z,deepseek-v4-flash,1000,200,3,p1
2026-10-27T11:00:00Z,no-such-model-x,1000,200,,p1
2026-10-27T12:00:00Z,claude-sonnet-4-6,1000,200,2,p2
"""


def test_an_unpriced_row_or_count_is_left_out_and_said(tmp_path, capsys):
    src = tmp_path / "calls.csv"
    src.write_text(UNPRICED)
    rows, notes = focus.focus_rows(logs.bill(src))
    assert "no-such-model-x" not in set(rows["SkuId"])                                 # an unknown model
    assert not ((rows["SkuId"] == "deepseek-v4-flash") & (rows["SkuMeter"] == "Web Searches")).any()
    assert not ((rows["BilledCost"] == 0) & (rows["ConsumedQuantity"] > 0)).any()      # nothing exported at 0
    assert any("could not be priced" in n for n in notes)
    assert any(n.startswith("3 web searches have no published price") for n in notes)
    claude = rows[rows["SkuId"] == "claude-sonnet-4-6"].set_index("SkuMeter")
    assert claude.loc["Web Searches", "ConsumedQuantity"] == 2   # a search with a price is exported
    out = tmp_path / "focus.csv"
    assert main(["bill", str(src), "--export", "focus", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "FOCUS note: 1 export row(s) could not be priced" in said and "3 web searches" in said


def test_a_file_with_nothing_priced_writes_no_focus_file(tmp_path, capsys):
    src = tmp_path / "calls.csv"
    src.write_text("timestamp,model,input_tokens,output_tokens\n2026-10-27T10:00:00Z,no-such-model-x,10,2\n")
    out = tmp_path / "focus.csv"
    assert main(["bill", str(src), "--export", "focus", "--out", str(out)]) == 2
    assert "no row could be priced" in capsys.readouterr().err
    assert not out.exists()


# --- the command -------------------------------------------------------------------------------------------------
def test_the_command_writes_csv_parquet_or_standard_output(tmp_path, capsys):
    import duckdb
    total = logs.bill(DASHBOARD).total_usd
    pq = tmp_path / "focus.parquet"
    assert main(["bill", str(DASHBOARD), "--export", "focus", "--out", str(pq), "--json"]) == 0
    said = json.loads(capsys.readouterr().out)["focus"]
    assert said["rows"] == 12 and said["format"] == "FOCUS 1.3" and said["billed_cost_usd"] == pytest.approx(total)
    with duckdb.connect() as con:
        got = con.execute(f"SELECT sum(BilledCost)::DOUBLE, typeof(any_value(BilledCost)), "
                          f"typeof(any_value(ChargePeriodStart)) FROM '{pq}'").fetchone()
    assert got[0] == pytest.approx(total, abs=1e-12) and got[1].startswith("DECIMAL") and "TIME" in got[2]
    assert main(["bill", str(DASHBOARD), "--export", "focus"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("BilledCost,") and len(printed.strip().splitlines()) == 13


@pytest.mark.parametrize("args, says", [
    (["--out", "x.csv"], "--out: give --export focus too"),
    (["--export", "focus", "--json"], "give --out PATH"),
    (["--export", "focus", "--out", "/no/such/folder/x.csv"], "does not exist"),
    (["--export", "focus", "--out", "x.csv", "--billing-account", " "], "BillingAccountId may not be null"),
])
def test_the_command_refuses_unclear_requests(args, says, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["bill", str(DASHBOARD), *args]) == 2
    assert says in capsys.readouterr().err


def test_a_local_model_is_priced_from_its_tco_and_says_so(tmp_path):
    from course_lib import tco
    src = tmp_path / "calls.csv"
    src.write_text("timestamp,model,input_tokens,output_tokens\n2026-10-28T09:00:00Z,gpt-5.5,25000,800\n"
                   "2026-10-28T09:05:00Z,review-box,25000,800\n")
    prices.set_local_price(tco.local_price("qwen2.5-14b", "RTX 4090", name="review-box"))
    try:
        b = logs.bill(src)
        rows, _ = focus.focus_rows(b)
    finally:
        prices.clear_local_prices()
    box = rows[rows["SkuId"] == "review-box"]
    assert set(box["PricingCategory"]) == {"Other"} and set(box["ServiceProviderName"]) == {"Self-hosted"}
    assert box["ChargeDescription"].str.contains("TCO").all() and (box["BilledCost"] > 0).all()
    assert set(rows.loc[rows["SkuId"] == "gpt-5.5", "PricingCategory"]) == {"Standard"}
    assert abs(float(sum(rows["BilledCost"])) - b.total_usd) < 1e-9
