"""The last provider shapes of issue 22, on bodies from the providers' own documentation (URL in each file's
source): DashScope's top-level usage.cached_tokens, Qwen's Responses API cache write inside x_details[0], and
Kimi's stream with usage inside choices[0]. Expected counts are read by hand from each body with the rule its
page states."""
import pytest

from course_lib.billing import cost
from course_lib.usage import normalize, normalize_stream
from tests.conftest import load_response, usage_counts

N = None
DOCS = {
    # name -> (input incl. cached, output incl. reasoning, cache read, cache write, reasoning)
    "dashscope_native_cached_top": (1292, 87, 1152, N, N),       # 140 uncached + 1,152 read, not 1,292 uncached
    "qwen_responses_session_cache": (1524, 1534, 1305, 213, 1187),  # 6 uncached + 1,305 read + 213 written
    "kimi_stream": (19, 13, N, N, N),
}


@pytest.mark.parametrize("name", sorted(DOCS))
def test_each_documented_body_is_read_by_its_pages_rule(name):
    rec = load_response(name)
    assert rec["kind"] == "vendor documentation example" and "https://" in rec["source"]
    u = normalize(rec["body"])
    assert u.shape == rec["shape"] and usage_counts(u) == DOCS[name]


def test_dashscope_top_level_cache_hit_is_not_billed_as_uncached():
    u = normalize(load_response("dashscope_native_cached_top")["body"])
    assert u.uncached_input_tokens == 1292 - 1152 == 140


def test_qwen_session_cache_write_is_found_in_x_details():
    body = load_response("qwen_responses_session_cache")["body"]
    u = normalize(body)
    assert u.uncached_input_tokens == 6
    bill = cost(u, "qwen3.5-plus")
    assert (bill.cache_write_tokens, bill.unreported) == (213, ())  # not 219 uncached with the write unreported


def test_x_details_entries_that_do_not_add_up_are_refused():
    body = load_response("qwen_responses_session_cache")["body"]
    entry = body["usage"]["x_details"][0]
    bad = {**body, "usage": {**body["usage"], "x_details": [entry, entry]}}
    with pytest.raises(ValueError, match="usage.x_details"):
        normalize(bad)


def test_kimi_usage_inside_the_finishing_choice():
    events = load_response("kimi_stream")["body"]
    assert "usage" not in events[-1] and "usage" in events[-1]["choices"][0]
    assert usage_counts(normalize_stream(events))[:2] == (19, 13)
    assert usage_counts(normalize(events[-1]))[:2] == (19, 13)  # the chunk alone is a known shape too
