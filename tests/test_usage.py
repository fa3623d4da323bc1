"""Usage from every provider shape, on recorded bodies (each file in data/responses/ says what it is)."""
import pytest
from genai_prices import extract_usage

from course_lib.billing import cost
from course_lib.usage import (SHAPES, AmbiguousShapeError, Usage, detect_shape, normalize,
                              normalize_stream)
from tests.conftest import load_response, usage_counts

N = None  # not reported
# name -> (input incl. cached, output incl. reasoning, cache read, cache write, reasoning); hand-read from
# each body with the provider's documented rules (see course_lib/usage.py for the URL of each rule).
EXPECTED = {
    "openai_chat": (2006, 300, 1920, N, 0),
    "openai_chat_cache_write": (4020, 4, 0, 4012, 0),          # GPT-5.6 reports cache writes inside prompt_tokens
    "openai_responses": (36, 87, 0, N, 0),
    "openai_responses_reasoning": (9703, 638, 8576, N, 576),
    "openai_embeddings": (4, 0, 0, 0, 0),
    "openrouter_chat": (31, 80, 0, N, 64),
    "anthropic_messages": (627, 97, 0, 123, N),               # 504 uncached + 123 written
    "anthropic_thinking": (21023, 489, 20443, 574, 77),       # 6 uncached + 20,443 read + 574 written
    "bedrock_converse": (2077, 288, 0, 2074, N),              # 3 + 2,074 written; the ...TokenCount echo counted once
    "gemini_generate_content": (14152, 129, 12239, 0, 69),    # 60 candidates + 69 thoughts
    "gemini_cached": (373, 256, 204, 0, 167),                 # 89 candidates + 167 thoughts
    "gemini_embed": (7, 0, 0, 0, 0),
    "cohere_chat": (2406, 2, 0, 0, N),                        # billed_units, not the 2,935 tokens seen
    "cohere_embed": (4, 0, 0, 0, N),
    "deepseek_chat": (496, 1783, 0, 0, N),
    "mistral_chat": (997, 155, 976, N, N),                    # num_cached_tokens
    "xai_chat": (32, 144, 6, 0, 135),                         # 9 completion + 135 reasoning outside it
    "dashscope_native": (3019, 104, 2048, N, N),
    "ollama_chat": (26, 298, N, 0, N),
    "ollama_generate": (11, 18, N, 0, N),
    "llamacpp_chat_call1": (73, 24, 0, N, N),
    "llamacpp_chat_call2": (73, 24, 68, N, N),                # same prompt again: a real cache hit
    "anthropic_batch_result": (11, 36, 0, 0, N),
}
STREAMS = {
    "openai_chat_stream": (9, 12, 0, N, 0),
    "openai_responses_stream": (1200, 300, 1024, N, 256),
    "anthropic_stream": (25, 15, N, N, N),                    # output 15 from message_delta, not 1 + 15
    "anthropic_stream_cached": (18012, 350, 18000, 0, N),     # the last cumulative delta wins
    "gemini_stream": (40, 39, 0, 0, 30),                      # the last cumulative chunk, not a sum
    "ollama_stream": (26, 282, N, 0, N),
    "bedrock_converse_stream": (1530, 8, 1500, 0, N),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_provider_shape_from_a_recorded_body(name):
    rec = load_response(name)
    assert rec["kind"] and rec["source"]
    u = normalize(rec["body"])
    assert u.shape == rec["shape"]
    assert usage_counts(u) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_streams_accumulate_by_each_providers_rules(name):
    rec = load_response(name)
    u = normalize_stream(rec["body"])
    assert u.shape == rec["shape"]
    assert usage_counts(u) == STREAMS[name]
    assert normalize(rec["body"]) == u  # a list is a stream


def test_stream_of_raw_sse_lines():
    events = load_response("openai_chat_stream")["body"]
    import json
    lines = [f"data: {json.dumps(e)}" for e in events] + ["data: [DONE]"]
    assert usage_counts(normalize_stream(lines)) == STREAMS["openai_chat_stream"]


def test_stream_without_usage_says_how_to_get_it():
    events = load_response("openai_chat_stream")["body"][:-1]
    with pytest.raises(ValueError, match="include_usage"):
        normalize_stream(events)


def test_cumulative_usage_on_every_chunk_is_not_summed():
    chunks = [{"choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": k}} for k in (1, 2, 3)]
    assert normalize_stream(chunks).output_tokens == 3


@pytest.mark.parametrize("name, provider, flavor", [
    ("openai_chat", "openai", "chat"),
    ("openai_chat_cache_write", "openai", "chat"),
    ("openai_responses", "openai", "responses"),
    ("anthropic_messages", "anthropic", "default"),
    ("anthropic_thinking", "anthropic", "default"),
    ("bedrock_converse", "aws", "default"),
    ("gemini_generate_content", "google", "default"),
    ("deepseek_chat", "deepseek", "chat"),
    ("cohere_chat", "cohere", "default"),
    ("xai_chat", "x-ai", "chat"),
])
def test_agrees_with_genai_prices_extract_usage(name, provider, flavor):
    body = load_response(name)["body"]
    ours = normalize(body)
    theirs = extract_usage(body, provider_id=provider, api_flavor=flavor).usage
    assert ours.input_tokens == theirs.input_tokens
    assert ours.output_tokens == theirs.output_tokens
    assert (ours.cache_read_tokens or 0) == (theirs.reported_value("cache_read_tokens") or 0)
    assert (ours.cache_write_tokens or 0) == (theirs.reported_value("cache_write_tokens") or 0)


def test_claude_body_with_output_details_is_not_read_as_openai_responses():
    """The issue's example: 21,023 input tokens were read as 6 and billed at half price."""
    u = normalize(load_response("anthropic_thinking")["body"])
    assert u.shape == "anthropic" and u.input_tokens == 21_023
    b = cost(u, "claude-sonnet-4-6")
    assert b.total_usd == pytest.approx((6 * 3 + 20_443 * 0.3 + 574 * 3.75 + 489 * 15) / 1e6)


def test_ambiguous_body_is_refused_naming_both_readings():
    body = {"usage": {"input_tokens": 100, "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 2},
                      "cache_read_input_tokens": 50, "input_tokens_details": {"cached_tokens": 50}}}
    with pytest.raises(AmbiguousShapeError, match="anthropic and openai-responses"):
        normalize(body)
    assert normalize(body, provider="anthropic").input_tokens == 150
    assert normalize(body, provider="openai").input_tokens == 100


def test_two_shapes_that_read_alike_are_not_refused():
    u = normalize({"usage": {"input_tokens": 100, "output_tokens": 5}})
    assert (u.input_tokens, u.output_tokens) == (100, 5)


def test_provider_settles_xai_and_rejects_a_foreign_body():
    body = load_response("xai_chat")["body"]
    assert normalize({**body, "model": "some-proxy-name"}, provider="xai").output_tokens == 144
    # without the name: 135 reasoning tokens cannot fit in 9 completion tokens, so it is xAI's rule too
    assert normalize({**body, "model": "some-proxy-name"}).output_tokens == 144
    small = {"model": "proxy", "usage": {"prompt_tokens": 5, "completion_tokens": 9,
                                         "completion_tokens_details": {"reasoning_tokens": 4}}}
    assert normalize(small).output_tokens == 9 and normalize(small, provider="xai").output_tokens == 13
    with pytest.raises(ValueError, match="provider: a gemini response"):
        normalize(body, provider="gemini")
    with pytest.raises(ValueError, match="provider must be one of"):
        normalize(body, provider="nosuch")


def test_openrouter_reports_its_own_cost_and_xai_models_through_it_follow_openai_rules():
    u = normalize(load_response("openrouter_chat")["body"])
    assert u.reported_cost_usd == pytest.approx(0.00216775)
    u = normalize({"model": "x-ai/grok-4", "usage": {"prompt_tokens": 687, "completion_tokens": 240,
                                                    "completion_tokens_details": {"reasoning_tokens": 165}}})
    assert u.output_tokens == 240


def test_unknown_is_not_zero_and_billing_says_so():
    u = normalize(load_response("ollama_chat")["body"])
    assert u.reasoning_tokens is None and u.cache_read_tokens is None
    assert set(u.unreported) == {"cache_read_tokens", "reasoning_tokens"}
    b = cost(u, "gpt-5.5")
    assert b.unreported == u.unreported and "not reported" in str(b)


def test_batch_line_that_failed_has_no_usage():
    with pytest.raises(ValueError, match="errored"):
        normalize({"custom_id": "a", "result": {"type": "errored", "error": {}}})
    with pytest.raises(ValueError, match="status_code"):
        normalize({"custom_id": "a", "response": {"status_code": 500, "body": {}}})
    ok = {"custom_id": "a", "response": {"status_code": 200, "body": load_response("openai_chat")["body"]}}
    assert normalize(ok).input_tokens == 2006


def test_sdk_objects_are_accepted():
    class FakeSDK:  # any pydantic-like object with model_dump(), as the OpenAI/Anthropic/Ollama SDKs have
        def model_dump(self):
            return load_response("openai_chat")["body"]
    assert normalize(FakeSDK()).cache_read_tokens == 1920


def test_ollama_client_response_object():
    from ollama import ChatResponse
    obj = ChatResponse(**load_response("ollama_chat")["body"])
    assert normalize(obj).input_tokens == 26


def test_usage_block_alone_and_snake_case_gemini():
    assert normalize({"prompt_tokens": 5, "completion_tokens": 1}).input_tokens == 5
    u = normalize({"usage_metadata": {"prompt_token_count": 10, "candidates_token_count": 2,
                                      "cached_content_token_count": 4}})
    assert (u.input_tokens, u.output_tokens, u.cache_read_tokens) == (10, 2, 4)


@pytest.mark.parametrize("body, field", [
    ({"usage": {"prompt_tokens": -1, "completion_tokens": 1}}, "usage.prompt_tokens"),
    ({"usage": {"completion_tokens": 1, "prompt_tokens_details": {}}}, "unknown provider shape"),
    ({"usage": {"prompt_tokens": 1.5, "completion_tokens": 1}}, "usage.prompt_tokens"),
    ({"usage": {"prompt_tokens": True, "completion_tokens": 1}}, "usage.prompt_tokens"),
    ({"usage": {"prompt_tokens": 10, "completion_tokens": 1, "prompt_tokens_details": {"cached_tokens": 11}}},
     "cache_read_tokens"),
    ({"usage": {"prompt_tokens": 10, "completion_tokens": 1, "prompt_cache_hit_tokens": 3,
                "prompt_cache_miss_tokens": 3}}, "prompt_cache_hit_tokens"),
    ({"usage": {"weird_tokens": 3}}, "unknown provider shape"),
    ({"model": "llama3", "done": True, "eval_count": 3}, "prompt_eval_count"),
    ({"usage": {"inputTokens": 3}}, "usage.outputTokens"),
    ({"usage": {"billed_units": {"output_tokens": 3}}}, "billed_units.input_tokens"),
])
def test_malformed_usage_names_the_field(body, field):
    with pytest.raises(ValueError, match=field):
        normalize(body)


def test_explicit_shape_must_be_known():
    with pytest.raises(ValueError, match="shape must be one of"):
        normalize({"usage": {}}, shape="bedrock")
    assert {"openai-chat", "anthropic", "gemini", "deepseek", "ollama", "llamacpp", "bedrock-converse",
            "cohere"} <= set(SHAPES)


def test_detect_shape_of_llamacpp_needs_timings():
    body = load_response("llamacpp_chat_call1")["body"]
    assert detect_shape(body) == "llamacpp"
    assert detect_shape({"usage": body["usage"]}) == "openai-chat"


def test_manual_usage_validation():
    with pytest.raises(ValueError, match="reasoning_tokens"):
        Usage(input_tokens=1, output_tokens=1, reasoning_tokens=2)
    with pytest.raises(ValueError, match="cache_write_1h_tokens"):
        Usage(10, 1, 0, 2, cache_write_1h_tokens=3)
    assert (Usage(10, 2, 3) + Usage(5, 1, 1)).input_tokens == 15
    assert (Usage(10, 2, None) + Usage(5, 1, None)).cache_read_tokens is None
