"""Lesson 05's H200 curve at the review request shape: prediction against measurement.

Lesson 05 carries the H200 sweep measured at 1,024 prompt + 128 output tokens (``conc.jsonl``) to the review
workload's 25,000 + 800 tokens by keeping the curve's shape (``tco.rescale_curve`` at the curve's own speed alone,
as the lesson's H200 row calls it). ``conc_review.jsonl`` is the same server and sweep measured at 25,000 + 800
tokens on the same GPU (2026-12-04, method in ``data/measured/h200_llamacpp/README.md``). Expected values are read
from that file only.

Tolerance: the bands lesson 05 already accepts for the same approximation across models
(``test_tco.test_the_8b_curve_shape_predicts_the_32b_and_70b_curves``). Requests/s, predicted ÷ measured, within
0.7-1.1: a capacity figure may err low (the box is under-sold) but must not promise more than 10% above what was
measured. p95 TTFT, predicted ÷ measured, within 0.8-1.3: a prediction may be slow, but one more than a fifth
fast lets a level pass a latency target it fails. One run per level, no repeats, so no tighter band is honest.
Cases outside the band are marked ``xfail(strict=True)`` with the prediction and the measurement in the reason:
they are findings about the rescaling, not tolerances to widen.
"""
import json

import pytest

from course_lib import tco
from course_lib.data import DATA_DIR

REVIEW = DATA_DIR / "measured" / "h200_llamacpp" / "conc_review.jsonl"
RPS_BAND = (0.7, 1.1)
TTFT_BAND = (0.8, 1.3)


def _measured() -> list[dict]:
    return [json.loads(line) for line in REVIEW.read_text(encoding="utf-8").splitlines() if line.strip()]


def _row(model: str, c: int) -> dict:
    (r,) = [r for r in _measured() if r["model"] == model and r["concurrency"] == c]
    return r


def _predicted(model: str) -> tco.Curve:
    """What lesson 05 computes for the H200 at the review shape: the measured short-request curve of this model,
    carried to 25,000 + 800 tokens at its own speed alone, with as many slots as fit."""
    w = tco.Workload()
    return tco.rescale_curve(tco.load_curve(model=model), w.input_tokens, w.output_tokens, gpu="H200 SXM",
                             max_concurrency=tco.max_concurrency("H200 SXM", model, w.input_tokens, w.output_tokens))


def test_the_measurement_is_the_review_request_shape():
    """The file holds what its README says: every request of the lesson's workload shape, none failed."""
    w = tco.Workload()
    rows = _measured()
    assert {(r["model"], r["concurrency"]) for r in rows} == {
        ("llama-3.1-8b", 1), ("llama-3.1-8b", 2), ("llama-3.1-8b", 4), ("qwen2.5-32b", 1), ("qwen2.5-32b", 2)}
    for r in rows:
        assert (r["prompt_tokens"], r["gen_tokens"]) == (w.input_tokens, w.output_tokens)
        assert r["slots"] == 4 and r["ok"] == r["concurrency"] and r["errors"] == []
    # the curve loader reads the file with the shape it states
    c = tco.load_curve(REVIEW, model="qwen2.5-32b")
    assert (c.prompt_tokens, c.output_tokens) == (w.input_tokens, w.output_tokens)


def _xf(reason: str):
    return pytest.mark.xfail(strict=True, reason=reason)


RPS_CASES = [
    pytest.param("llama-3.1-8b", 1, marks=_xf(
        "predicted 0.154 req/s vs measured 0.127 (x1.21): the 1,024-token curve's decode speed alone (223 tok/s) "
        "is faster than decode behind a 25,000-token context (166 tok/s measured)")),
    pytest.param("llama-3.1-8b", 2, marks=_xf("predicted 0.182 req/s vs measured 0.141 (x1.29)")),
    pytest.param("llama-3.1-8b", 4, marks=_xf(
        "predicted 0.222 req/s vs measured 0.120 (x1.85): measured throughput falls from 2 to 4 at once, as "
        "25,000-token prefills stall the other slots' decoding; the short-request shape keeps rising")),
    pytest.param("qwen2.5-32b", 1, marks=_xf("predicted 0.0429 req/s vs measured 0.0381 (x1.13)")),
    pytest.param("qwen2.5-32b", 2, marks=_xf("predicted 0.0529 req/s vs measured 0.0430 (x1.23)")),
]


@pytest.mark.parametrize("model,c", RPS_CASES)
def test_requests_per_s_at_the_review_shape(model, c):
    r = _row(model, c)
    measured = r["out_tok_s"] / r["gen_tokens"]  # all the level's requests over its wall time
    predicted = _predicted(model).table().set_index("concurrency").loc[c, "requests_per_s"]
    assert RPS_BAND[0] <= predicted / measured <= RPS_BAND[1], (predicted, measured)


TTFT_CASES = [
    pytest.param("llama-3.1-8b", 1),   # predicted 2.92 s, measured 3.07 s
    pytest.param("llama-3.1-8b", 2),   # predicted 7.13 s, measured 8.59 s
    pytest.param("llama-3.1-8b", 4, marks=_xf(
        "predicted p95 TTFT 14.6 s vs measured 24.0 s (x0.61): with 4 long prompts queued, the last one waits "
        "for the others' prefill far longer than the short-request shape says")),
    pytest.param("qwen2.5-32b", 1),    # predicted 11.0 s, measured 12.6 s
    pytest.param("qwen2.5-32b", 2),    # predicted 25.7 s, measured 30.0 s
]


@pytest.mark.parametrize("model,c", TTFT_CASES)
def test_p95_ttft_at_the_review_shape(model, c):
    measured = _row(model, c)["ttft_p95_s"]
    predicted = _predicted(model).table().set_index("concurrency").loc[c, "ttft_p95_s"]
    assert TTFT_BAND[0] <= predicted / measured <= TTFT_BAND[1], (predicted, measured)


def test_the_h200_row_reads_the_measured_level_at_the_lesson_target():
    """Lesson 05's H200 row (Qwen2.5 32B) reads the curve measured at the review's shape, so it picks the level the
    measurement picks: the highest whose measured p95 TTFT and p95 TPOT meet the target (the carried curve picked
    2 at once, 0.0529 req/s; measured, 2 at once has p95 TTFT 30.05 s)."""
    ttft, tpot = tco.default_slo()
    rows = [r for r in _measured() if r["model"] == "qwen2.5-32b"]
    ok = [r for r in rows if r["ttft_p95_s"] <= ttft and r["tpot_p95_ms"] <= tpot]
    best = max(ok, key=lambda r: r["concurrency"])
    lesson = tco.capacity_at_slo(tco.load_curve(REVIEW, model="qwen2.5-32b", gpu="H200 SXM"), ttft, tpot)
    assert lesson["concurrency"] == best["concurrency"] == 1
    assert lesson["requests_per_s"] == pytest.approx(best["out_tok_s"] / best["gen_tokens"])
    carried = tco.capacity_at_slo(_predicted("qwen2.5-32b"), ttft, tpot)
    assert carried["concurrency"] == 2  # why the lesson no longer carries the short curve to this shape


def test_the_box_curve_corrected_for_long_prompts_meets_the_measurement_on_the_h200():
    """The correction lesson 05 applies to the box curve, applied to the 8B's own carried curve on the H200, gives
    back the measured p95 TTFT and TPOT at every measured level."""
    w = tco.Workload()
    carried = tco.rescale_curve(tco.load_curve(), w.input_tokens, w.output_tokens)
    fixed = tco.correct_for_long_prompts(carried).table().set_index("concurrency")
    for c in (1, 2, 4):
        r = _row("llama-3.1-8b", c)
        assert fixed.loc[c, "ttft_p95_s"] == pytest.approx(r["ttft_p95_s"], rel=1e-9)
        assert fixed.loc[c, "tpot_p95_ms"] == pytest.approx(r["tpot_p95_ms"], rel=1e-9)
