"""The cost meter: per task / feature / model, OpenTelemetry names, alerts."""
import pytest

from course_lib.meter import COST_METRIC, OTEL_TOKEN_METRIC, CostMeter, Metrics
from course_lib.usage import Usage


def test_cost_per_task_feature_model():
    m = CostMeter()
    m.record(Usage(3200, 500), "claude-sonnet-4-6", feature="code-review", task="PR-1")
    m.record(Usage(25_000, 800), "claude-sonnet-4-6", feature="code-review", task="PR-2")
    m.record(Usage(500, 20), "gemini-2.5-flash-lite", feature="triage", task="PR-2")
    t = m.per_task()
    assert t.loc["PR-1", "cost_usd"] == pytest.approx(0.0171)
    assert t.loc["PR-2", "calls"] == 2
    f = m.per_feature()
    assert f.loc["code-review", "gen_ai.usage.input_tokens"] == 28_200
    assert set(m.per_model().index) == {"claude-sonnet-4-6", "gemini-2.5-flash-lite"}
    assert "gen_ai.usage.cache_read.input_tokens" in m.calls().columns


def test_metrics_record_pattern_of_the_source():
    metrics = Metrics()
    m = CostMeter(metrics=metrics)
    m.record(Usage(3200, 500), "claude-sonnet-4-6", feature="code-review", task="t")
    names = [p["name"] for p in metrics.points]
    assert names == [COST_METRIC, OTEL_TOKEN_METRIC, OTEL_TOKEN_METRIC]
    assert metrics.points[0]["feature"] == "code-review"
    with pytest.raises(ValueError, match="value"):
        metrics.record("llm.cost_usd", "cheap")


def test_alerts_fire_once_per_key():
    seen = []
    m = CostMeter(thresholds={"task": 0.05, "day": 1.0}, on_alert=seen.append)
    for _ in range(4):
        m.record(Usage(25_000, 800), "claude-sonnet-4-6", feature="review", task="big")
    assert [(a.scope, a.key) for a in m.alerts] == [("task", "big")]
    assert seen == m.alerts and m.spent("task", "big") == pytest.approx(4 * 0.087)


@pytest.mark.parametrize("kwargs, field", [
    ({"thresholds": {"month": 1}}, "thresholds"),
    ({"thresholds": {"task": -1}}, "thresholds"),
])
def test_bad_meter_config(kwargs, field):
    with pytest.raises(ValueError, match=field):
        CostMeter(**kwargs)


def test_record_needs_feature_and_task():
    with pytest.raises(ValueError, match="feature"):
        CostMeter().record(Usage(1, 1), "gpt-5.5", feature="", task="t")
