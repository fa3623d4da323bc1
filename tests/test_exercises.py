"""Exercises: answers computed by course_lib, feedback names the likely mistake."""
import pytest

from course_lib.exercises import EXERCISES, check, hint, question, solution


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
