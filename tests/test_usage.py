"""Usage from every provider's real recorded body; cached tokens never counted twice or dropped."""
import pytest
from genai_prices import extract_usage

from course_lib.usage import SHAPES, Usage, detect_shape, normalize
from tests.conftest import load_response

# name -> (input incl. cached, output incl. reasoning, cache read, cache write, reasoning)
EXPECTED = {
    "openai_chat": (2006, 300, 1920, 0, 0),
    "openai_responses": (36, 87, 0, 0, 0),
    "anthropic_messages": (627, 97, 0, 123, 0),   # 504 uncached + 123 written
    "gemini_generate_content": (14152, 129, 12239, 0, 69),  # 60 candidates + 69 thoughts
    "deepseek_chat": (496, 1783, 0, 0, 0),
    "ollama_chat": (26, 298, 0, 0, 0),
    "ollama_generate": (11, 18, 0, 0, 0),
    "llamacpp_chat_call1": (73, 24, 0, 0, 0),
    "llamacpp_chat_call2": (73, 24, 68, 0, 0),    # same prompt again: a real cache hit
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_provider_from_a_recorded_body(name):
    rec = load_response(name)
    u = normalize(rec["body"])
    assert u.shape == rec["shape"]
    got = (u.input_tokens, u.output_tokens, u.cache_read_tokens, u.cache_write_tokens, u.reasoning_tokens)
    assert got == EXPECTED[name]


@pytest.mark.parametrize("name, provider, flavor", [
    ("openai_chat", "openai", "chat"),
    ("openai_responses", "openai", "responses"),
    ("anthropic_messages", "anthropic", "default"),
    ("gemini_generate_content", "google", "default"),
    ("deepseek_chat", "deepseek", "chat"),
])
def test_agrees_with_genai_prices_extract_usage(name, provider, flavor):
    body = load_response(name)["body"]
    ours = normalize(body)
    theirs = extract_usage(body, provider_id=provider, api_flavor=flavor).usage
    assert ours.input_tokens == theirs.input_tokens
    assert ours.output_tokens == theirs.output_tokens
    assert ours.cache_read_tokens == (theirs.reported_value("cache_read_tokens") or 0)
    assert ours.cache_write_tokens == (theirs.reported_value("cache_write_tokens") or 0)


def test_deepseek_cache_reported_twice_is_counted_once():
    body = {"usage": {"prompt_tokens": 1000, "completion_tokens": 10, "prompt_cache_hit_tokens": 800,
                      "prompt_cache_miss_tokens": 200, "prompt_tokens_details": {"cached_tokens": 800}}}
    u = normalize(body)
    assert (u.input_tokens, u.cache_read_tokens, u.uncached_input_tokens) == (1000, 800, 200)


def test_anthropic_cache_tokens_are_added_not_dropped():
    u = normalize({"usage": {"input_tokens": 10, "cache_read_input_tokens": 5000,
                             "cache_creation_input_tokens": 200, "output_tokens": 3}})
    assert (u.input_tokens, u.uncached_input_tokens) == (5210, 10)


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
    ({"usage": {"completion_tokens": 1, "prompt_tokens_details": {}}}, "prompt_tokens"),
    ({"usage": {"prompt_tokens": 1.5, "completion_tokens": 1}}, "usage.prompt_tokens"),
    ({"usage": {"prompt_tokens": True, "completion_tokens": 1}}, "usage.prompt_tokens"),
    ({"usage": {"prompt_tokens": 10, "completion_tokens": 1, "prompt_tokens_details": {"cached_tokens": 11}}},
     "cache_read_tokens"),
    ({"usage": {"prompt_tokens": 10, "completion_tokens": 1, "prompt_cache_hit_tokens": 3,
                "prompt_cache_miss_tokens": 3}}, "prompt_cache_hit_tokens"),
    ({"usage": {"weird_tokens": 3}}, "unknown provider shape"),
    ({"model": "llama3", "done": True, "eval_count": 3}, "prompt_eval_count"),
])
def test_malformed_usage_names_the_field(body, field):
    with pytest.raises(ValueError, match=field):
        normalize(body)


def test_explicit_shape_must_be_known():
    with pytest.raises(ValueError, match="shape must be one of"):
        normalize({"usage": {}}, shape="bedrock")
    assert set(SHAPES) >= {"openai-chat", "anthropic", "gemini", "deepseek", "ollama", "llamacpp"}


def test_detect_shape_of_llamacpp_needs_timings():
    body = load_response("llamacpp_chat_call1")["body"]
    assert detect_shape(body) == "llamacpp"
    assert detect_shape({"usage": body["usage"]}) == "openai-chat"


def test_manual_usage_validation():
    with pytest.raises(ValueError, match="reasoning_tokens"):
        Usage(input_tokens=1, output_tokens=1, reasoning_tokens=2)
    assert (Usage(10, 2, 3) + Usage(5, 1, 1)).input_tokens == 15
