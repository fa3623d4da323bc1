"""USD/CNY from ``data/fx_rates.csv`` read directly (not through course_lib.money): what tests expect a conversion
to use. The course's default price date is 2026-06-15 (prices.DEFAULT_AS_OF)."""
import csv
from pathlib import Path

ROWS = sorted((r["date"], float(r["rate"]))
              for r in csv.DictReader((Path(__file__).parent.parent / "data" / "fx_rates.csv").open())
              if (r["base"], r["quote"]) == ("USD", "CNY"))


def rate_on(day: str = "2026-06-15") -> float:
    """The rate of the latest row on or before ``day``."""
    return [rate for d, rate in ROWS if d <= day][-1]
