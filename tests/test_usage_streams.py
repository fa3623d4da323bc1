"""Streams cut short are refused, never priced as complete (issue 22).

Three real recorded streams (pydantic-ai's test cassettes, copied by scripts/import_recorded_streams.py) are
read whole, then cut after every event: each cut is refused with IncompleteStreamError, whose lower bound is
labelled as one and never exceeds the real count. The expected counts are read by hand from the cassettes'
last usage events (Anthropic message_delta, Gemini's finishReason chunk, OpenAI's choices-empty chunk).
"""
import pytest

from course_lib.usage import IncompleteStreamError, normalize, normalize_stream
from tests.conftest import load_response, usage_counts

N = None
# name -> (input, output incl. reasoning, cache read, cache write, reasoning), from the final usage event
RECORDED = {
    "anthropic_stream_recorded": (43, 282, 0, 0, N),      # message_delta usage.output_tokens 282
    "gemini_stream_recorded": (18, 115, 0, 0, 35),        # candidatesTokenCount 80 + thoughtsTokenCount 35
    "openai_chat_stream_recorded": (78, 9, 0, N, 0),      # the choices-empty usage chunk
}


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_a_whole_recorded_stream_is_read(name):
    rec = load_response(name)
    assert rec["kind"] == "recorded (real traffic)" and "github.com/pydantic/pydantic-ai/blob/" in rec["source"]
    u = normalize_stream(rec["body"])
    assert u.shape == rec["shape"] and usage_counts(u) == RECORDED[name]


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_a_recorded_stream_cut_after_any_event_is_refused(name):
    events = load_response(name)["body"]
    real = RECORDED[name]
    for k in range(1, len(events)):
        with pytest.raises(IncompleteStreamError, match="stream: ") as e:
            normalize(events[:k])  # a list is a stream
        bound = e.value.lower_bound
        if bound is not None:
            assert "lower bound" in str(e.value)
            assert bound.input_tokens <= real[0] and bound.output_tokens <= real[1], k


def test_anthropic_cut_after_message_start_is_not_priced_at_one_output_token():
    events = load_response("anthropic_stream_recorded")["body"]
    assert events[0]["type"] == "message_start" and events[0]["message"]["usage"]["output_tokens"] == 1
    with pytest.raises(IncompleteStreamError, match="message_delta and message_stop") as e:
        normalize_stream(events[:1])
    assert e.value.lower_bound.output_tokens == 1  # what the old reading priced as the whole answer


def test_gemini_cut_after_its_first_chunk_is_refused_with_the_count_so_far():
    events = load_response("gemini_stream_recorded")["body"]
    first = events[0]["usageMetadata"]
    with pytest.raises(IncompleteStreamError, match="finishReason") as e:
        normalize_stream(events[:1])
    assert e.value.lower_bound.output_tokens == first["candidatesTokenCount"] + first["thoughtsTokenCount"]
    # the documentation-shaped stream of the issue: cut after chunk one, output 2 instead of 39
    with pytest.raises(IncompleteStreamError):
        normalize_stream(load_response("gemini_stream")["body"][:1])


def test_openai_stream_without_its_final_usage_chunk_is_refused():
    events = load_response("openai_chat_stream_recorded")["body"]
    assert events[-1]["choices"] == [] and events[-2]["choices"][0]["finish_reason"] == "stop"
    with pytest.raises(IncompleteStreamError, match="include_usage"):
        normalize_stream(events[:-1])


def test_cumulative_usage_on_every_chunk_counts_only_once_the_stream_finished():
    """vLLM's continuous usage stats: every chunk carries the usage so far (here added to the recorded stream's
    chunks); the last chunk, with its finish_reason, is the call's; a stream cut before it is refused."""
    events = load_response("openai_chat_stream_recorded")["body"][:-1]   # without the choices-empty chunk
    chunks = [{**ev, "usage": {"prompt_tokens": 78, "completion_tokens": i}} for i, ev in enumerate(events)]
    assert usage_counts(normalize_stream(chunks))[:2] == (78, len(events) - 1)
    with pytest.raises(IncompleteStreamError, match="finish_reason"):
        normalize_stream(chunks[:-1])


def test_an_error_event_in_an_anthropic_stream_is_refused():
    events = load_response("anthropic_stream_recorded")["body"]
    cut = events[:10] + [{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}]
    with pytest.raises(IncompleteStreamError, match="overloaded_error"):
        normalize_stream(cut + events[-2:])


def test_a_responses_stream_without_its_completed_event_is_refused():
    events = load_response("openai_responses_stream")["body"]
    with pytest.raises(IncompleteStreamError, match="response.completed"):
        normalize_stream(events[:-1])
