"""Exercises: answers computed by course_lib, feedback names the likely mistake."""
import pytest

from course_lib.exercises import EXERCISES, check, hint, question, solution
from tests.fx_history import rate_on


@pytest.mark.parametrize("ex_id", sorted(EXERCISES))
def test_the_computed_answer_passes_and_explains(ex_id):
    ex = EXERCISES[ex_id]
    fb = check(ex_id, ex.answer())
    assert fb.correct and len(fb.message) > 20
    assert question(ex_id) and hint(ex_id) and solution(ex_id).startswith("Answer:")


@pytest.mark.parametrize("ex_id", sorted(EXERCISES))
def test_each_listed_mistake_is_recognised(ex_id):
    for wrong, explanation in EXERCISES[ex_id].mistakes:
        fb = check(ex_id, wrong())
        assert not fb.correct and explanation in fb.message


def test_known_answers():
    assert check("01.1", 0.031) and check("01.2", 5.1) and check("01.3", 0.3577) and check("01.4", 9050)
    assert not check("01.1", 0.01)
    assert "too low" in check("01.1", 0.001).message


def test_placeholder_and_junk():
    assert "Replace `...`" in check("01.1", ...).message
    assert "Answer with a number" in check("01.1", "cheap").message
    with pytest.raises(ValueError, match="exercise_id"):
        check("99.9", 1)


def _grow_by_hand(n, first=20_000, out=3_000, result=2_500):
    """growing_profile priced on Sonnet 4.6 without caching, from the definition: turn t sends the first input
    plus every earlier turn's output and tool result; $3/M input, $15/M output."""
    return sum((first + (t - 1) * (out + result)) * 3 / 1e6 + out * 15 / 1e6 for t in range(1, n + 1))


def test_answers_match_derivations_made_without_the_exercise_code():
    """Each answer recomputed by hand from the prices as printed (2026-06-15), genai-prices' own calc_price, or
    the provider's documented rule: not from the exercise's own answer() (issue 13)."""
    from datetime import datetime, timezone

    from genai_prices import Usage as GPUsage
    from genai_prices import calc_price

    v1 = (3_200 * 3 + 500 * 15) / 1e6
    assert check("00.1", (600_000 * 3 + 45_000 * 15) / 1e6 / v1)
    assert check("01.1", (3_200 * 5 + 500 * 30) / 1e6)
    assert check("01.2", (25_000 * 3 + 800 * 15) / 1e6 / v1)
    peak = datetime(2026, 9, 1, 2, 0, tzinfo=timezone.utc)  # 10:00 Beijing: DeepSeek's peak window
    assert check("01.3", float(calc_price(GPUsage(input_tokens=600_000, cache_read_tokens=480_000, output_tokens=45_000),
                                          "deepseek-v4-pro", genai_request_timestamp=peak).total_price))
    assert check("01.4", 50 + 9_000 + 0)  # Anthropic: input_tokens excludes cache reads and writes
    assert check("02.2", _grow_by_hand(30) / _grow_by_hand(15))
    assert check("03.1", (6 - 3) / (3 - 0.3))  # the 1-hour write premium over input, over each read's saving
    fx = rate_on()  # the ECB cross rate in force on the default price date (data/fx_rates.csv)
    per_task_month_cny = (25_000 * 0.435 + 800 * 0.87) / 1e6 * fx * 30
    box = 1_573.45  # the 4090 box's monthly TCO with the course's defaults (tests/test_tco.py pins its parts)
    assert check("05.1", box / per_task_month_cny)
    assert check("05.2", box + 0.2 * 1_000 * 30 * (25_000 * 3 + 800 * 15) / 1e6 * fx)


def test_lesson_06_answers_from_independent_derivations():
    """06.1 by hand from GPT-5.5's printed rates; 06.2 from genai-prices' calc_price, call by call."""
    from datetime import datetime

    import pandas as pd
    from genai_prices import Usage as GPUsage
    from genai_prices import calc_price

    from course_lib.prices import DATA_DIR
    assert check("06.1", 300_000 * 5 / 1e6 + 5_000 * 30 / 1e6)
    df = pd.read_csv(DATA_DIR / "own_logs" / "team_calls.csv")
    provider = {"gpt-5.5": "openai", "gpt-5-mini": "openai", "claude-sonnet-4-6": "anthropic",
                "deepseek-v4-flash": "deepseek", "gemini-2.5-pro": "google"}
    cost = [float(calc_price(GPUsage(input_tokens=r.input_tokens, cache_read_tokens=r.cache_read_tokens,
                                     cache_write_tokens=r.cache_write_tokens, output_tokens=r.output_tokens),
                             r.model, provider_id=provider[r.model],
                             genai_request_timestamp=datetime.fromisoformat(r.timestamp.replace("Z", "+00:00")),
                             price_context={"processing": "batch"} if r.batch else None).total_price)
            for r in df.itertuples()]
    df["cost"] = cost
    assert check("06.2", df.loc[df["model"] == "claude-sonnet-4-6", "cost"].sum() / df["cost"].sum())
