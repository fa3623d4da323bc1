"""One usage record from every provider's response (notebook ``01_token_billing``).

Providers report the same four numbers in different shapes, and the shapes
disagree on whether cached tokens are *inside* the input count:

=================  =====================================  ==========================
shape              input field                            cached tokens are ...
=================  =====================================  ==========================
openai-chat        ``prompt_tokens``                      inside (``cached_tokens``)
openai-responses   ``input_tokens``                       inside (``cached_tokens``)
anthropic          ``input_tokens``                       **outside**: added here
gemini             ``promptTokenCount``                   inside
deepseek           ``prompt_tokens``                      inside (hit + miss)
ollama             ``prompt_eval_count``                  not reported
llamacpp           ``prompt_tokens``                      inside (``cached_tokens``)
=================  =====================================  ==========================

:class:`Usage` always holds *all* input tokens, cached included, so that cached
tokens are neither counted twice nor dropped: the bug most reported against
existing cost tools.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Mapping

SHAPES = ("openai-chat", "openai-responses", "anthropic", "gemini", "deepseek", "ollama", "llamacpp")


@dataclass(frozen=True)
class Usage:
    """Tokens of one call.

    ``input_tokens`` counts every input token, cached ones included;
    ``cache_read_tokens`` and ``cache_write_tokens`` are the parts of it read
    from and written to the prompt cache (缓存命中 / 缓存写入).
    ``output_tokens`` counts every output token, ``reasoning_tokens`` (thinking)
    included.
    Taught in notebook ``01_token_billing``.
    """

    input_tokens: int
    output_tokens: int
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    shape: str = "manual"
    model: str | None = None

    def __post_init__(self) -> None:
        for name in ("input_tokens", "output_tokens", "cache_read_tokens",
                     "cache_write_tokens", "reasoning_tokens"):
            _check_count(name, getattr(self, name))
        if self.cache_read_tokens + self.cache_write_tokens > self.input_tokens:
            raise ValueError(
                "cache_read_tokens: cached tokens (read "
                f"{self.cache_read_tokens} + write {self.cache_write_tokens}) exceed "
                f"input_tokens {self.input_tokens}; input_tokens must include cached tokens")
        if self.reasoning_tokens > self.output_tokens:
            raise ValueError(
                f"reasoning_tokens: {self.reasoning_tokens} exceeds output_tokens "
                f"{self.output_tokens}; output_tokens must include reasoning tokens")

    @property
    def uncached_input_tokens(self) -> int:
        """Input tokens billed at the full input price."""
        return self.input_tokens - self.cache_read_tokens - self.cache_write_tokens

    def as_dict(self) -> dict:
        return asdict(self)

    def __add__(self, other: "Usage") -> "Usage":
        if not isinstance(other, Usage):
            return NotImplemented
        return Usage(*(getattr(self, f) + getattr(other, f) for f in _COUNTS),
                     shape=self.shape if self.shape == other.shape else "mixed",
                     model=self.model if self.model == other.model else None)


_COUNTS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens")


def _check_count(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name}: expected a non-negative integer token count, got {value!r}")
    if value < 0:
        raise ValueError(f"{name}: token counts cannot be negative, got {value}")


def to_mapping(obj: Any) -> Mapping:
    """A plain mapping from a dict, a pydantic model (OpenAI, Anthropic, Ollama, Gemini SDKs) or an object. Taught in notebook ``01_token_billing``."""
    if isinstance(obj, Mapping):
        return obj
    for method in ("model_dump", "to_dict", "dict"):
        fn = getattr(obj, method, None)
        if callable(fn):
            try:
                out = fn()
            except TypeError:
                continue
            if isinstance(out, Mapping):
                return out
    if hasattr(obj, "__dict__"):
        return {k: v for k, v in vars(obj).items() if not k.startswith("_")}
    raise ValueError(f"usage: expected a response body (dict) or SDK object, got {type(obj).__name__}")


def _get(m: Mapping, *path: str, default: Any = None) -> Any:
    cur: Any = m
    for key in path:
        if cur is None:
            return default
        cur = to_mapping(cur) if not isinstance(cur, Mapping) else cur
        cur = cur.get(key)
    return default if cur is None else cur


def _required(m: Mapping, shape: str, *path: str, prefix: str = "usage") -> int:
    value = _get(m, *path)
    field = ".".join((prefix, *path)) if prefix else ".".join(path)
    if value is None:
        raise ValueError(f"{field}: missing from the {shape} usage")
    _check_count(field, value)
    return value


def _optional(m: Mapping, *path: str, prefix: str = "usage") -> int:
    value = _get(m, *path, default=0)
    _check_count(".".join((prefix, *path)) if prefix else ".".join(path), value)
    return value


def detect_shape(body: Any) -> str:
    """Which provider shape a response body (or its usage block) has. Taught in notebook ``01_token_billing``."""
    m = to_mapping(body)
    if "usageMetadata" in m or "usage_metadata" in m or "promptTokenCount" in m or "prompt_token_count" in m:
        return "gemini"
    if "prompt_eval_count" in m or ("eval_count" in m and "done" in m):
        return "ollama"
    u = to_mapping(m["usage"]) if isinstance(m.get("usage"), (Mapping,)) or hasattr(m.get("usage"), "model_dump") else m
    if "prompt_cache_hit_tokens" in u or "prompt_cache_miss_tokens" in u:
        return "deepseek"
    if "prompt_tokens" in u:
        return "llamacpp" if "timings" in m else "openai-chat"
    if "input_tokens" in u:
        if "input_tokens_details" in u or "output_tokens_details" in u:
            return "openai-responses"
        return "anthropic"
    keys = sorted(u)[:12] if isinstance(u, Mapping) else []
    raise ValueError(
        f"usage: unknown provider shape (keys {keys}); accepted shapes: {', '.join(SHAPES)}")


def normalize(body: Any, shape: str | None = None, model: str | None = None) -> Usage:
    """A :class:`Usage` from a raw response body, its ``usage`` block, or an SDK object.

    ``shape`` is one of :data:`SHAPES`; when omitted it is detected. Raises
    ``ValueError`` naming the field for anything malformed. Taught in notebook
    ``01_token_billing``.
    """
    m = to_mapping(body)
    if shape is None:
        shape = detect_shape(m)
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {SHAPES}, got {shape!r}")
    model = model or (m.get("model") if isinstance(m.get("model"), str) else None) \
        or (m.get("modelVersion") if isinstance(m.get("modelVersion"), str) else None)
    return _PARSERS[shape](m, model)


def _usage_block(m: Mapping, shape: str) -> Mapping:
    if "usage" in m and m["usage"] is not None:
        return to_mapping(m["usage"])
    if any(k in m for k in ("prompt_tokens", "input_tokens", "completion_tokens", "output_tokens")):
        return m  # the caller passed the usage block itself
    raise ValueError(f"usage: missing from the {shape} response")


def _openai_chat(m: Mapping, model: str | None, shape: str = "openai-chat") -> Usage:
    u = _usage_block(m, shape)
    return Usage(
        input_tokens=_required(u, shape, "prompt_tokens"),
        output_tokens=_required(u, shape, "completion_tokens"),
        cache_read_tokens=_optional(u, "prompt_tokens_details", "cached_tokens"),
        reasoning_tokens=_optional(u, "completion_tokens_details", "reasoning_tokens"),
        shape=shape, model=model,
    )


def _llamacpp(m: Mapping, model: str | None) -> Usage:
    return _openai_chat(m, model, "llamacpp")


def _openai_responses(m: Mapping, model: str | None) -> Usage:
    u = _usage_block(m, "openai-responses")
    return Usage(
        input_tokens=_required(u, "openai-responses", "input_tokens"),
        output_tokens=_required(u, "openai-responses", "output_tokens"),
        cache_read_tokens=_optional(u, "input_tokens_details", "cached_tokens"),
        reasoning_tokens=_optional(u, "output_tokens_details", "reasoning_tokens"),
        shape="openai-responses", model=model,
    )


def _anthropic(m: Mapping, model: str | None) -> Usage:
    u = _usage_block(m, "anthropic")
    uncached = _required(u, "anthropic", "input_tokens")
    read = _optional(u, "cache_read_input_tokens")
    write = _optional(u, "cache_creation_input_tokens")
    return Usage(
        input_tokens=uncached + read + write,  # Anthropic reports them outside input_tokens
        output_tokens=_required(u, "anthropic", "output_tokens"),
        cache_read_tokens=read, cache_write_tokens=write,
        shape="anthropic", model=model,
    )


def _gemini(m: Mapping, model: str | None) -> Usage:
    u = m.get("usageMetadata") or m.get("usage_metadata") or m
    u = to_mapping(u)
    camel = "promptTokenCount" in u or "candidatesTokenCount" in u
    k = (lambda c, s: c) if camel else (lambda c, s: s)
    prefix = "usageMetadata" if camel else "usage_metadata"
    prompt = _required(u, "gemini", k("promptTokenCount", "prompt_token_count"), prefix=prefix)
    tool = _optional(u, k("toolUsePromptTokenCount", "tool_use_prompt_token_count"), prefix=prefix)
    cands = _optional(u, k("candidatesTokenCount", "candidates_token_count"), prefix=prefix)
    thoughts = _optional(u, k("thoughtsTokenCount", "thoughts_token_count"), prefix=prefix)
    cached = _optional(u, k("cachedContentTokenCount", "cached_content_token_count"), prefix=prefix)
    return Usage(
        input_tokens=prompt + tool,        # tool-use prompt tokens are billed as input
        output_tokens=cands + thoughts,    # thinking tokens are billed as output
        cache_read_tokens=cached, reasoning_tokens=thoughts,
        shape="gemini", model=model,
    )


def _deepseek(m: Mapping, model: str | None) -> Usage:
    u = _usage_block(m, "deepseek")
    prompt = _required(u, "deepseek", "prompt_tokens")
    hit = _optional(u, "prompt_cache_hit_tokens")
    miss = _get(u, "prompt_cache_miss_tokens")
    if miss is not None:
        _check_count("usage.prompt_cache_miss_tokens", miss)
        if hit + miss != prompt:
            raise ValueError(
                f"usage.prompt_cache_hit_tokens: hit {hit} + miss {miss} != prompt_tokens {prompt}")
    return Usage(
        input_tokens=prompt,
        output_tokens=_required(u, "deepseek", "completion_tokens"),
        cache_read_tokens=hit,
        reasoning_tokens=_optional(u, "completion_tokens_details", "reasoning_tokens"),
        shape="deepseek", model=model,
    )


def _ollama(m: Mapping, model: str | None) -> Usage:
    if "prompt_eval_count" not in m:
        raise ValueError(
            "prompt_eval_count: missing from the ollama response (Ollama omits it when the "
            "whole prompt came from its cache, and in streamed chunks before the last one)")
    return Usage(
        input_tokens=_required(m, "ollama", "prompt_eval_count", prefix=""),
        output_tokens=_required(m, "ollama", "eval_count", prefix=""),
        shape="ollama", model=model,
    )


_PARSERS = {
    "openai-chat": _openai_chat, "openai-responses": _openai_responses,
    "anthropic": _anthropic, "gemini": _gemini, "deepseek": _deepseek,
    "ollama": _ollama, "llamacpp": _llamacpp,
}
