"""Notebook 05's worked example (the defaults of ``tco.Workload`` and ``tco.LocalBox``), worked by hand.

Each figure is the arithmetic a reader can check against its inputs: ``data/tco_defaults.csv`` (the box),
``data/gpus.csv`` (the RTX 4090's 450 W), the price book (DeepSeek V4 Pro, USD 0.435 in and 0.87 out per
million tokens) and ``data/fx_rates.csv`` (the rate of the default price date, 2026-06-15, read by tests/fx_history.py). Tests compare course_lib with these, so a
change of input or of rule shows; no figure here is copied from what course_lib printed.
"""
from tests.fx_history import rate_on

# The local side, CNY per month: one RTX 4090 in a host, amortised, powered and operated.
HARDWARE_CNY = (12_999 + 6_000) / 36                  # GPU + host, straight-line over 36 months
KWH = (450 * 0.5 + 150) * 24 * 30 / 1000 * 1.3        # GPU at half its 450 W, 150 W host, 30 days, PUE 1.3
POWER_CNY = KWH * 0.7                                 # 0.7 CNY per kWh
OPS_CNY = 4 * 200                                     # 4 hours at 200 CNY
LOCAL_MONTHLY_CNY = HARDWARE_CNY + POWER_CNY + 0 + OPS_CNY   # hosting 0: on your own premises (= 1,573.45)

# The API side: 25,000 input and 800 output tokens per task, 30 days, USD -> CNY at the dated rate.
CNY_PER_USD = rate_on("2026-06-15")
CNY_PER_TASK_PER_DAY = (25_000 * 0.435 + 800 * 0.87) / 1e6 * 30 * CNY_PER_USD
BREAK_EVEN_TASKS_PER_DAY = LOCAL_MONTHLY_CNY / CNY_PER_TASK_PER_DAY
USD_PER_CNY = 1 / CNY_PER_USD
