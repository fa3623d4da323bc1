"""Cost metering: cost per task, per feature, per model, with alerts (notebooks ``01`` and ``03``).

The source page's pattern, in Python::

    metrics.record("llm.cost_usd", cost, {"model": model, "feature": "code-review"})

:class:`CostMeter` does that for every call and keeps the token counts under
the OpenTelemetry GenAI semantic-convention names (``gen_ai.usage.*``).
Tracking cost per task (追踪 cost per task) says more than cost per token.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from .billing import Bill, cost
from .prices import Price, as_date
from .usage import Usage

#: OpenTelemetry GenAI semantic-convention names for the token counts of a call.
OTEL_TOKEN_ATTRIBUTES = {
    "input_tokens": "gen_ai.usage.input_tokens",
    "output_tokens": "gen_ai.usage.output_tokens",
    "cache_read_tokens": "gen_ai.usage.cache_read.input_tokens",
    "cache_write_tokens": "gen_ai.usage.cache_creation.input_tokens",
    "reasoning_tokens": "gen_ai.usage.reasoning.output_tokens",
}
#: The semantic-convention histogram for token counts, split by ``gen_ai.token.type``.
OTEL_TOKEN_METRIC = "gen_ai.client.token.usage"
COST_METRIC = "llm.cost_usd"
SCOPES = ("task", "feature", "day")


@dataclass
class Metrics:
    """A minimal metrics sink with the source's ``record(name, value, attributes)`` call. Taught in notebook ``01_token_billing``."""

    points: list = field(default_factory=list)

    def record(self, name: str, value: float, attributes: dict | None = None) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"name: expected a metric name, got {name!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"value: expected a number for {name}, got {value!r}")
        self.points.append({"name": name, "value": float(value), **(attributes or {})})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.points)


@dataclass(frozen=True)
class Alert:
    """A threshold crossed: ``scope`` is task, feature or day; ``key`` which one. Taught in notebook ``01_token_billing``."""

    scope: str
    key: str
    spent_usd: float
    threshold_usd: float

    def __str__(self) -> str:
        return (f"ALERT {self.scope} {self.key!r}: ${self.spent_usd:.4f} spent, "
                f"threshold ${self.threshold_usd:.4f}")


class CostMeter:
    """Record each call against a feature and a task; read cost per task, feature, model.

    ``thresholds`` maps a scope (``"task"``, ``"feature"``, ``"day"``) to a USD
    limit; crossing one adds an :class:`Alert` (once per task, feature or day)
    and calls ``on_alert`` if given. Taught in notebooks ``01_token_billing``
    and ``03_five_levers``.
    """

    def __init__(self, thresholds: dict | None = None, on_alert=None, metrics: Metrics | None = None):
        thresholds = dict(thresholds or {})
        for scope, limit in thresholds.items():
            if scope not in SCOPES:
                raise ValueError(f"thresholds: scope must be one of {SCOPES}, got {scope!r}")
            if isinstance(limit, bool) or not isinstance(limit, (int, float)) or limit <= 0:
                raise ValueError(f"thresholds[{scope!r}]: expected a positive USD amount, got {limit!r}")
        self.thresholds = thresholds
        self.on_alert = on_alert
        self.metrics = metrics if metrics is not None else Metrics()
        self.rows: list[dict] = []
        self.alerts: list[Alert] = []
        self._alerted: set = set()
        self._spent: dict = {}

    def record(self, usage: Usage, model: str | Price, *, feature: str, task: str,
               as_of: date | str | None = None, day: date | str | None = None,
               batch: bool = False, period: str = "standard") -> Bill:
        """Price one call and record it; returns its :class:`~course_lib.billing.Bill`."""
        for name, value in (("feature", feature), ("task", task)):
            if not isinstance(value, str) or not value:
                raise ValueError(f"{name}: expected a non-empty name, got {value!r}")
        bill = cost(usage, model, as_of, batch=batch, period=period)
        day = as_date(day) if day is not None else bill.as_of
        row = {"day": day, "feature": feature, "task": task, "model": bill.model,
               **{k: getattr(usage, k) for k in OTEL_TOKEN_ATTRIBUTES},
               "cost_usd": bill.total_usd}
        self.rows.append(row)
        attrs = {"model": bill.model, "feature": feature, "task": task}
        self.metrics.record(COST_METRIC, bill.total_usd, attrs)
        self.metrics.record(OTEL_TOKEN_METRIC, usage.input_tokens, {**attrs, "gen_ai.token.type": "input"})
        self.metrics.record(OTEL_TOKEN_METRIC, usage.output_tokens, {**attrs, "gen_ai.token.type": "output"})
        for scope, key in (("task", task), ("feature", feature), ("day", str(day))):
            spent = self._spent[(scope, key)] = self._spent.get((scope, key), 0.0) + bill.total_usd
            limit = self.thresholds.get(scope)
            if limit is not None and spent > limit and (scope, key) not in self._alerted:
                self._alerted.add((scope, key))
                alert = Alert(scope, key, spent, limit)
                self.alerts.append(alert)
                if self.on_alert:
                    self.on_alert(alert)
        return bill

    def spent(self, scope: str, key: str) -> float:
        """USD spent so far on one task, feature or day."""
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {SCOPES}, got {scope!r}")
        return self._spent.get((scope, str(key)), 0.0)

    def calls(self) -> pd.DataFrame:
        """Every recorded call, token columns under their OpenTelemetry names."""
        cols = ["day", "feature", "task", "model", *OTEL_TOKEN_ATTRIBUTES, "cost_usd"]
        return pd.DataFrame(self.rows, columns=cols).rename(columns=OTEL_TOKEN_ATTRIBUTES)

    def _by(self, key: str) -> pd.DataFrame:
        df = pd.DataFrame(self.rows, columns=["day", "feature", "task", "model", *OTEL_TOKEN_ATTRIBUTES, "cost_usd"])
        g = df.groupby(key, sort=True)
        out = g[list(OTEL_TOKEN_ATTRIBUTES)].sum().rename(columns=OTEL_TOKEN_ATTRIBUTES)
        out.insert(0, "calls", g.size())
        out["cost_usd"] = g["cost_usd"].sum()
        return out

    def per_task(self) -> pd.DataFrame:
        return self._by("task")

    def per_feature(self) -> pd.DataFrame:
        return self._by("feature")

    def per_model(self) -> pd.DataFrame:
        return self._by("model")


def export_opentelemetry(meter: CostMeter, reader=None, provider_name: str = "course_lib"):
    """Send the meter's calls through the OpenTelemetry SDK (notebook ``03_five_levers``).

    Token counts go to the GenAI semantic-convention histogram
    ``gen_ai.client.token.usage`` (attribute ``gen_ai.token.type`` input/output,
    ``gen_ai.request.model``); the cost goes to a counter ``llm.cost`` with its
    currency as an attribute. ``reader`` is any metric reader: an
    ``InMemoryMetricReader`` in the tests, a ``PeriodicExportingMetricReader``
    around the console or OTLP exporter for a user. Returns the MeterProvider.
    """
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import ConsoleMetricExporter, PeriodicExportingMetricReader

    if reader is None:
        reader = PeriodicExportingMetricReader(ConsoleMetricExporter(), export_interval_millis=60_000)
    provider = MeterProvider(metric_readers=[reader])
    m = provider.get_meter(provider_name)
    tokens = m.create_histogram(OTEL_TOKEN_METRIC, unit="{token}", description="Number of input and output tokens used")
    cost_counter = m.create_counter("llm.cost", unit="USD", description="LLM cost, priced by course_lib")
    for row in meter.rows:
        attrs = {"gen_ai.request.model": row["model"], "gen_ai.operation.name": "chat",
                 "feature": row["feature"], "task": row["task"]}
        tokens.record(row["input_tokens"], {**attrs, "gen_ai.token.type": "input"})
        tokens.record(row["output_tokens"], {**attrs, "gen_ai.token.type": "output"})
        cost_counter.add(row["cost_usd"], {**attrs, "currency": "USD"})
    return provider
