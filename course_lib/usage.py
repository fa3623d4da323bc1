"""One usage record from every provider's response (notebook ``01_token_billing``).

Providers report the same few numbers in different shapes, and the shapes
disagree on what each number *includes*. Each rule below is taken from the
provider's own API reference (the URL is beside the code that relies on it):

=====================  ==========================  =================================  ==========================
shape                  input field                 cache tokens are ...               reasoning is ...
=====================  ==========================  =================================  ==========================
openai-chat            ``prompt_tokens``           inside (read and write)            inside ``completion_tokens``
openai-responses       ``input_tokens``            inside (read and write)            inside ``output_tokens``
openai-embeddings      ``prompt_tokens``           (none)                             (no output)
anthropic              ``input_tokens``            **outside**: added here            inside ``output_tokens``
bedrock-converse       ``inputTokens``             **outside**: added here            inside ``outputTokens``
gemini                 ``promptTokenCount``        inside                             **outside**: added here
cohere                 ``billed_units``            not billed separately              inside
deepseek               ``prompt_tokens``           inside (hit + miss)                inside
mistral                ``prompt_tokens``           inside (``num_cached_tokens``)     inside
xai                    ``prompt_tokens``           inside                             **outside**: added here
dashscope              ``input_tokens``            inside                             inside
ollama                 ``prompt_eval_count``       not reported                       not reported
llamacpp               ``prompt_tokens``           inside (``timings.cache_n``)       not reported
=====================  ==========================  =================================  ==========================

:class:`Usage` always holds *all* input tokens, cached included, and all output
tokens, thinking included, so that nothing is counted twice or dropped.

A count the body does not report is ``None`` ("not reported"), never 0: the
billing layer prices it as 0 and says so (:attr:`Usage.unreported`).

Detection reads the whole body (its keys, its envelope, the model name), not
one field. Where two shapes fit and would give different numbers, it refuses
and names both; ``normalize(body, provider="anthropic")`` settles it.

Why not delegate to genai-prices' ``extract_usage``? It is the reference this
module is tested against (``tests/test_usage_dataset.py``, 1,577 real bodies),
but it needs the provider and API flavour named up front, turns "not reported"
into 0, and reads no streams, Ollama or llama.cpp bodies. Where the two
disagree, ``data/usage_dataset/disagreements.csv`` records who is right and the
provider document that decides it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Iterable, Mapping

SHAPES = ("openai-chat", "openai-responses", "openai-embeddings", "anthropic", "bedrock-converse",
          "gemini", "cohere", "deepseek", "mistral", "xai", "dashscope", "ollama", "llamacpp")

#: Provider names a caller may give, and the shapes their APIs answer in.
PROVIDERS: dict[str, tuple[str, ...]] = {
    "openai": ("openai-chat", "openai-responses", "openai-embeddings"),
    "azure": ("openai-chat", "openai-responses", "openai-embeddings"),
    "anthropic": ("anthropic",),
    "vertex-anthropic": ("anthropic",),
    "bedrock": ("bedrock-converse", "anthropic"),   # Converse, or InvokeModel with a Claude body
    "google": ("gemini",), "gemini": ("gemini",), "vertex": ("gemini",),
    "cohere": ("cohere",),
    "deepseek": ("deepseek", "openai-chat"),
    "mistral": ("mistral", "openai-chat"),
    "xai": ("xai", "openai-responses"),
    "qwen": ("openai-chat", "dashscope"), "dashscope": ("dashscope", "openai-chat"),
    "kimi": ("openai-chat",), "moonshot": ("openai-chat",),
    "glm": ("openai-chat",), "zhipu": ("openai-chat",), "zai": ("openai-chat",),
    "groq": ("openai-chat", "openai-responses"), "cerebras": ("openai-chat",),
    "together": ("openai-chat",), "fireworks": ("openai-chat",), "huggingface": ("openai-chat",),
    "openrouter": ("openai-chat", "openai-responses"),
    "ollama": ("ollama", "openai-chat"),            # native /api/chat, or its /v1 OpenAI-compatible API
    "vllm": ("openai-chat", "openai-responses"), "sglang": ("openai-chat",),
    "llamacpp": ("llamacpp", "openai-chat"),
}

_COUNTS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
           "reasoning_tokens", "cache_write_1h_tokens", "web_searches")
#: Counts that may be ``None`` (not reported by the body).
OPTIONAL_COUNTS = _COUNTS[2:]
#: The largest token count accepted: the pricing engines add counts as 64-bit integers (numpy int64,
#: DuckDB BIGINT); a larger one would overflow instead of being refused.
MAX_COUNT = 2 ** 63 - 1
#: Non-text parts of the counts (genai-prices' unit names), priced at their own rates where the price book has one.
MODALITY_KEYS = ("input_audio_tokens", "input_image_tokens", "input_video_tokens", "output_audio_tokens",
                 "output_image_tokens", "output_video_tokens", "cache_audio_read_tokens",
                 "cache_image_read_tokens", "cache_video_read_tokens")


class AmbiguousShapeError(ValueError):
    """Two provider shapes fit a body and read it differently; name the provider. Taught in notebook ``01_token_billing``."""


@dataclass(frozen=True)
class Usage:
    """Tokens of one call.

    ``input_tokens`` counts every input token, cached ones included;
    ``cache_read_tokens`` and ``cache_write_tokens`` are the parts of it read
    from and written to the prompt cache (缓存命中 / 缓存写入), and
    ``cache_write_1h_tokens`` the part of the writes kept for one hour.
    ``output_tokens`` counts every output token, ``reasoning_tokens`` (thinking,
    思考) included. ``web_searches`` counts server-side search requests.
    ``None`` means the body did not report that count; billing prices it as 0
    and lists it in :attr:`unreported`.
    Taught in notebook ``01_token_billing``.
    """

    input_tokens: int
    output_tokens: int
    cache_read_tokens: int | None = 0
    cache_write_tokens: int | None = 0
    reasoning_tokens: int | None = 0
    shape: str = "manual"
    model: str | None = None
    cache_write_1h_tokens: int | None = 0
    web_searches: int | None = None
    reported_cost_usd: float | None = None
    modalities: tuple = ()

    def __post_init__(self) -> None:
        if isinstance(self.modalities, Mapping):
            object.__setattr__(self, "modalities", tuple(sorted(self.modalities.items())))
        for key, value in self.modalities:
            if key not in MODALITY_KEYS:
                raise ValueError(f"modalities: unknown key {key!r}; accepted: {', '.join(MODALITY_KEYS)}")
            _check_count(f"modalities.{key}", value)
        for name in _COUNTS:
            value = getattr(self, name)
            if value is None and name in OPTIONAL_COUNTS:
                continue
            _check_count(name, value)
        read, write = self.cache_read_tokens or 0, self.cache_write_tokens or 0
        if read + write > self.input_tokens:
            raise ValueError(
                "cache_read_tokens: cached tokens (read "
                f"{read} + write {write}) exceed input_tokens {self.input_tokens}; "
                "input_tokens must include cached tokens")
        if (self.cache_write_1h_tokens or 0) > write:
            raise ValueError(f"cache_write_1h_tokens: {self.cache_write_1h_tokens} exceeds cache_write_tokens "
                             f"{write}; the 1-hour writes are part of the cache writes")
        if (self.reasoning_tokens or 0) > self.output_tokens:
            raise ValueError(
                f"reasoning_tokens: {self.reasoning_tokens} exceeds output_tokens "
                f"{self.output_tokens}; output_tokens must include reasoning tokens")
        if self.reported_cost_usd is not None and not (self.reported_cost_usd >= 0):
            raise ValueError(f"reported_cost_usd: expected a non-negative amount, got {self.reported_cost_usd!r}")

    @property
    def uncached_input_tokens(self) -> int:
        """Input tokens billed at the full input price."""
        return self.input_tokens - (self.cache_read_tokens or 0) - (self.cache_write_tokens or 0)

    @property
    def unreported(self) -> tuple[str, ...]:
        """The counts the body did not report (billed as 0)."""
        return tuple(n for n in ("cache_read_tokens", "cache_write_tokens", "reasoning_tokens")
                     if getattr(self, n) is None)

    def as_dict(self) -> dict:
        return asdict(self)

    def __add__(self, other: "Usage") -> "Usage":
        if not isinstance(other, Usage):
            return NotImplemented

        def add(name):
            a, b = getattr(self, name), getattr(other, name)
            return None if a is None and b is None else (a or 0) + (b or 0)
        cost = None if self.reported_cost_usd is None or other.reported_cost_usd is None \
            else self.reported_cost_usd + other.reported_cost_usd
        mods = dict(self.modalities)
        for k, v in other.modalities:
            mods[k] = mods.get(k, 0) + v
        return Usage(**{n: add(n) for n in _COUNTS},
                     shape=self.shape if self.shape == other.shape else "mixed",
                     model=self.model if self.model == other.model else None,
                     reported_cost_usd=cost, modalities=mods)


def usage_fields() -> tuple[str, ...]:
    """The field names of :class:`Usage`, in order (notebook ``01_token_billing``)."""
    return tuple(f.name for f in fields(Usage))


def _check_count(name: str, value: Any, given: Any = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name}: expected a non-negative integer token count, got {value!r}")
    if value < 0:
        raise ValueError(f"{name}: token counts cannot be negative, got {value}")
    if value > MAX_COUNT:
        raise ValueError(f"{name}: {given if given is not None else value!r} is more than the largest count the "
                         f"course can add up ({MAX_COUNT:,})")


def loads_json(text: str | bytes, what: str = "body"):
    """``json.loads`` for text from outside: JSON nested too deeply for Python's parser (a hostile or broken
    file thousands of levels deep) is a ``ValueError`` naming ``what``, not a ``RecursionError`` traceback;
    malformed JSON stays a ``json.JSONDecodeError`` (a ``ValueError`` too). The one JSON reader of the usage
    CLI, and for the exports' readers. Taught in notebook ``01_token_billing``."""
    import json
    import sys
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(f"{what}: JSON nested too deeply to read (more levels than Python's parser allows, "
                         f"{sys.getrecursionlimit():,}); no provider body is nested like this") from None


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
    if hasattr(obj, "__dict__") and not isinstance(obj, (str, bytes, int, float, list, tuple)):
        return {k: v for k, v in vars(obj).items() if not k.startswith("_")}
    raise ValueError(f"usage: expected a response body (dict) or SDK object, got {type(obj).__name__}")


def _map(v: Any) -> Mapping | None:
    if v is None:
        return None
    try:
        return to_mapping(v)
    except ValueError:
        return None


def _get(m: Mapping | None, *path: str) -> Any:
    cur: Any = m
    for key in path:
        cur = _map(cur)
        if cur is None:
            return None
        cur = cur.get(key)
    return cur


def _count(u: Mapping, *path: str, prefix: str = "usage", required: bool = False, shape: str = "") -> int | None:
    value = _get(u, *path)
    field = ".".join(p for p in (prefix, *path) if p)
    if value is None:
        if required:
            raise ValueError(f"{field}: missing from the {shape} usage")
        return None
    given = value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        value = int(value)
    _check_count(field, value, given)
    return value


def _first(*values):
    return next((v for v in values if v is not None), None)


def _model(m: Mapping) -> str | None:
    for key in ("model", "modelVersion", "model_version", "modelId"):
        if isinstance(m.get(key), str):
            return m[key]
    return None


# --- envelopes --------------------------------------------------------------------------------

def _unwrap(m: Mapping) -> Mapping:
    """The response inside a batch-result line or an event wrapper."""
    # Anthropic Message Batches results: {"custom_id", "result": {"type": "succeeded", "message": {...}}}
    # https://docs.anthropic.com/en/api/retrieving-message-batch-results
    result = _map(m.get("result"))
    if result is not None and "custom_id" in m:
        if result.get("type") != "succeeded":
            raise ValueError(f"result.type: batch request {m.get('custom_id')!r} is {result.get('type')!r}, "
                             "not 'succeeded'; an errored, canceled or expired request has no usage")
        return to_mapping(result.get("message"))
    # OpenAI Batch API output line: {"custom_id", "response": {"status_code", "body": {...}}}
    # https://platform.openai.com/docs/guides/batch
    resp = _map(m.get("response"))
    if resp is not None and "custom_id" in m:
        if resp.get("status_code") not in (None, 200):
            raise ValueError(f"response.status_code: batch request {m.get('custom_id')!r} failed "
                             f"with {resp.get('status_code')}; it has no usage")
        return to_mapping(resp.get("body"))
    # Responses API stream event / retrieve wrapper: {"type": "response.completed", "response": {...}}
    if resp is not None and ("usage" in resp) and "usage" not in m:
        return resp
    return _lift_choice_usage(m)


def _lift_choice_usage(ev: Mapping) -> Mapping:
    """A chunk whose ``choices[0].usage`` holds the usage (Kimi's stream), with it moved to the top."""
    if ev.get("usage") is None and isinstance(ev.get("choices"), list):
        for c in ev["choices"]:
            u = _get(c, "usage")
            if _map(u) is not None:
                return {**ev, "usage": u}
    return ev


def _usage_block(m: Mapping, shape: str) -> Mapping:
    u = _map(m.get("usage"))
    if u is not None:
        return u
    if any(k in m for k in ("prompt_tokens", "input_tokens", "completion_tokens", "output_tokens",
                            "inputTokens", "billed_units")):
        return m  # the caller passed the usage block itself
    raise ValueError(f"usage: missing from the {shape} response")


# --- detection --------------------------------------------------------------------------------

_ANTHROPIC_KEYS = {"cache_creation_input_tokens", "cache_read_input_tokens", "cache_creation",
                   "server_tool_use", "service_tier", "inference_geo", "iterations"}
_RESPONSES_KEYS = {"input_tokens_details", "total_tokens"}


def _candidates(m: Mapping) -> list[str]:
    if any(k in m for k in ("usageMetadata", "usage_metadata", "promptTokenCount", "prompt_token_count")):
        return ["gemini"]
    if "prompt_eval_count" in m or ("eval_count" in m and "done" in m):
        return ["ollama"]
    if _get(m, "meta", "billed_units") is not None:
        return ["cohere"]
    if "usage" not in m and not any(k in m for k in ("prompt_tokens", "input_tokens", "completion_tokens",
                                                     "output_tokens", "inputTokens", "billed_units")):
        return []
    u = _map(m.get("usage")) if m.get("usage") is not None else m
    if u is None:
        return []
    if "inputTokens" in u or "outputTokens" in u:
        return ["bedrock-converse"]
    if "billed_units" in u or isinstance(u.get("tokens"), Mapping):
        return ["cohere"]
    if "prompt_cache_hit_tokens" in u or "prompt_cache_miss_tokens" in u:
        return ["deepseek"]
    if "prompt_tokens" in u:
        if "num_cached_tokens" in u:
            return ["mistral"]
        if "timings" in m:
            return ["llamacpp"]
        # xAI's own API names its models "grok-…"; OpenRouter's "x-ai/grok-…" bodies follow OpenAI's rules
        if (_model(m) or "").lower().startswith("grok"):
            return ["xai"]
        # more reasoning than completion tokens is impossible under OpenAI's rule: xAI's convention
        reasoning = _get(u, "completion_tokens_details", "reasoning_tokens")
        if isinstance(reasoning, int) and isinstance(u.get("completion_tokens"), int) \
                and reasoning > u["completion_tokens"]:
            return ["xai"]
        if "completion_tokens" not in u and (m.get("object") == "list" or "data" in m or "total_tokens" in u):
            return ["openai-embeddings"]
        return ["openai-chat"]
    if "input_tokens" in u or "output_tokens" in u:
        if ("output" in m and "request_id" in m) or "prompt_tokens_details" in u:
            return ["dashscope"]
        anthropic = bool(_ANTHROPIC_KEYS & set(u)) or m.get("type") == "message" \
            or str(m.get("id", "")).startswith("msg_")
        responses = bool(_RESPONSES_KEYS & set(u)) or m.get("object") == "response"
        if anthropic and not responses:
            return ["anthropic"]
        if responses and not anthropic:
            return ["openai-responses"]
        return ["anthropic", "openai-responses"]
    return []


def detect_shape(body: Any, provider: str | None = None) -> str:
    """Which provider shape a response body (or its usage block) has. Taught in notebook ``01_token_billing``.

    Raises :class:`AmbiguousShapeError` when two shapes fit and read the body
    differently, and ``ValueError`` for a body no known shape fits.
    """
    m = _unwrap(to_mapping(body))
    cands = _candidates(m)
    if provider is not None:
        allowed = _provider_shapes(provider)
        fitting = [c for c in cands if c in allowed]
        if not fitting:
            # a provider's OpenAI-compatible body looks like openai-chat: accept its own dialect
            if "openai-chat" in cands and any(a in allowed for a in ("deepseek", "mistral", "xai", "llamacpp")):
                fitting = [next(a for a in allowed if a in ("deepseek", "mistral", "xai", "llamacpp"))]
            else:
                raise ValueError(
                    f"provider: a {provider} response has one of the shapes {allowed}, but this body "
                    f"looks like {cands or 'none of them'} (keys {sorted(m)[:10]})")
        if provider == "xai" and fitting == ["openai-chat"]:
            fitting = ["xai"]
        cands = fitting
    if not cands:
        u = _map(m.get("usage"))
        keys = sorted(u if u is not None else m)[:12]
        raise ValueError(f"usage: unknown provider shape (keys {keys}); accepted shapes: {', '.join(SHAPES)}")
    if len(cands) > 1:
        readings = {c: _PARSERS[c](m, None) for c in cands}
        counts = {c: tuple(getattr(u, n) or 0 for n in _COUNTS) for c, u in readings.items()}
        if len(set(counts.values())) > 1:
            desc = "; ".join(f"as {c}: input {u.input_tokens}, cache read {u.cache_read_tokens}, "
                             f"cache write {u.cache_write_tokens}" for c, u in readings.items())
            raise AmbiguousShapeError(
                f"usage: this body fits {' and '.join(cands)}, which read it differently ({desc}); "
                f"name the provider, e.g. normalize(body, provider='anthropic') or provider='openai'")
    return cands[0]


def _provider_shapes(provider: str) -> tuple[str, ...]:
    key = str(provider).lower().replace("_", "-").replace(" ", "")
    key = {"x-ai": "xai", "llama.cpp": "llamacpp", "llama-cpp": "llamacpp", "aws": "bedrock",
           "moonshotai": "moonshot", "zhipuai": "zhipu", "alibaba": "qwen"}.get(key, key)
    if key not in PROVIDERS:
        raise ValueError(f"provider must be one of {sorted(PROVIDERS)}, got {provider!r}")
    return PROVIDERS[key]


def service_tier_of(body) -> str | None:
    """The service tier (服务等级) a response body reports as the one that served the call, as written: OpenAI's
    ``service_tier`` (Chat Completions and Responses bodies, every chunk of a stream, a Responses event's
    ``response``), Anthropic's ``usage.service_tier``; ``None`` when the body says none. Price it with
    ``course_lib.billing.cost(..., tier=...)``. Taught in notebook ``06_your_own_bill``."""
    for part in body if isinstance(body, list) else [body]:
        if isinstance(part, Mapping):
            inner = part.get("response") if isinstance(part.get("response"), Mapping) else part
            for where in (inner, _map(inner.get("usage")) or {}):
                if isinstance(where.get("service_tier"), str):
                    return where["service_tier"]
    return None


def batch_or_tier(tier) -> tuple[str | None, bool]:
    """A reported service tier as (the tier to price, whether the call was batch): OpenAI's Usage API and
    Anthropic's usage write a batch call's tier as "batch", a call at no service tier of its own. Taught in notebook
    ``06_your_own_bill``."""
    if isinstance(tier, str) and tier.strip().lower() == "batch":
        return None, True
    return tier, False


def normalize(body: Any, shape: str | None = None, model: str | None = None, *,
              provider: str | None = None) -> Usage:
    """A :class:`Usage` from a raw response body, its ``usage`` block, an SDK object,
    a batch-result line, or a stream (a list of events: see :func:`normalize_stream`).

    ``provider`` (one of :data:`PROVIDERS`) or ``shape`` (one of :data:`SHAPES`)
    settles what detection cannot. Raises ``ValueError`` naming the field for
    anything malformed. Taught in notebook ``01_token_billing``.
    """
    if isinstance(body, (list, tuple)):
        return normalize_stream(body, provider=provider, model=model)
    m = _unwrap(to_mapping(body))
    if shape is None:
        shape = detect_shape(m, provider)
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {SHAPES}, got {shape!r}")
    return _PARSERS[shape](m, model or _model(m))


# --- parsers, one per shape -------------------------------------------------------------------

def _openai_chat(m: Mapping, model: str | None, shape: str = "openai-chat") -> Usage:
    # https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage :
    # prompt_tokens includes prompt_tokens_details.cached_tokens (and cache_write_tokens where a
    # provider reports them: OpenRouter, https://openrouter.ai/docs/use-cases/usage-accounting);
    # completion_tokens includes completion_tokens_details.reasoning_tokens.
    u = _usage_block(m, shape)
    read = _count(u, "prompt_tokens_details", "cached_tokens")
    if read is None:  # Kimi (Moonshot) and Hugging Face put it at the top of usage
        read = _count(u, "cached_tokens")
    if read is None and shape == "llamacpp":  # llama.cpp server: timings.cache_n prompt tokens reused
        read = _count(m, "timings", "cache_n", prefix="")
    reasoning = _count(u, "completion_tokens_details", "reasoning_tokens")
    if reasoning is None and "reasoning_tokens" in u:  # Databricks / some gateways: top level
        reasoning = _count(u, "reasoning_tokens")
    cost = u.get("cost")
    mods = {key: n for key, path in (("input_audio_tokens", ("prompt_tokens_details", "audio_tokens")),
                                     ("output_audio_tokens", ("completion_tokens_details", "audio_tokens")))
            if (n := _count(u, *path))}
    return Usage(
        modalities=mods,
        input_tokens=_count(u, "prompt_tokens", required=True, shape=shape),
        output_tokens=_count(u, "completion_tokens", required=True, shape=shape),
        cache_read_tokens=read,
        cache_write_tokens=_count(u, "prompt_tokens_details", "cache_write_tokens"),
        reasoning_tokens=reasoning, cache_write_1h_tokens=None,
        reported_cost_usd=float(cost) if isinstance(cost, (int, float)) and not isinstance(cost, bool) else None,
        shape=shape, model=model,
    )


def _llamacpp(m: Mapping, model: str | None) -> Usage:
    return _openai_chat(m, model, "llamacpp")


def _mistral(m: Mapping, model: str | None) -> Usage:
    # https://docs.mistral.ai/api/ : usage.num_cached_tokens (older) or prompt_tokens_details.cached_tokens,
    # both inside prompt_tokens.
    base = _openai_chat(m, model, "mistral")
    u = _usage_block(m, "mistral")
    read = _first(base.cache_read_tokens, _count(u, "num_cached_tokens"))
    return Usage(base.input_tokens, base.output_tokens, read, base.cache_write_tokens,
                 base.reasoning_tokens, "mistral", model, None)


def _xai(m: Mapping, model: str | None) -> Usage:
    # https://docs.x.ai/docs/guides/reasoning : "reasoning_tokens" are reported in
    # completion_tokens_details and are *not* part of completion_tokens; both are billed as output.
    u = _usage_block(m, "xai")
    reasoning = _count(u, "completion_tokens_details", "reasoning_tokens")
    completion = _count(u, "completion_tokens", required=True, shape="xai")
    return Usage(
        input_tokens=_count(u, "prompt_tokens", required=True, shape="xai"),
        output_tokens=completion + (reasoning or 0),
        cache_read_tokens=_count(u, "prompt_tokens_details", "cached_tokens"),
        cache_write_tokens=0,  # xAI caches automatically and bills no writes
        reasoning_tokens=reasoning, cache_write_1h_tokens=None, shape="xai", model=model)


def _openai_embeddings(m: Mapping, model: str | None) -> Usage:
    # https://platform.openai.com/docs/api-reference/embeddings/object : usage has prompt_tokens and
    # total_tokens only; an embedding has no output tokens and no prompt cache.
    u = _usage_block(m, "openai-embeddings")
    return Usage(_count(u, "prompt_tokens", required=True, shape="openai-embeddings"), 0, 0, 0, 0,
                 "openai-embeddings", model, 0)


def _input_output(m: Mapping, model: str | None, shape: str, read: tuple, write: tuple, reasoning: tuple) -> Usage:
    """A shape with ``input_tokens``/``output_tokens`` that *include* the cache and the reasoning counts found at
    the given paths (OpenAI Responses, DashScope)."""
    u = _usage_block(m, shape)
    return Usage(
        input_tokens=_count(u, "input_tokens", required=True, shape=shape),
        output_tokens=_count(u, "output_tokens", required=True, shape=shape),
        cache_read_tokens=_count(u, *read), cache_write_tokens=_count(u, *write),
        reasoning_tokens=_count(u, *reasoning), cache_write_1h_tokens=None, shape=shape, model=model,
    )


def _openai_responses(m: Mapping, model: str | None) -> Usage:
    # https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage :
    # input_tokens includes input_tokens_details.cached_tokens; output_tokens includes
    # output_tokens_details.reasoning_tokens.
    base = _input_output(m, model, "openai-responses", ("input_tokens_details", "cached_tokens"),
                         ("input_tokens_details", "cache_write_tokens"), ("output_tokens_details", "reasoning_tokens"))
    # Qwen (Alibaba Model Studio) Responses API with session cache reports the cache write only in
    # usage.x_details[].prompt_tokens_details.cache_creation_input_tokens, inside input_tokens
    # (https://www.alibabacloud.com/help/en/model-studio/context-cache, "Session cache", second-turn example).
    details = _x_details(_usage_block(m, "openai-responses"))
    if details is None:
        return base
    read = _first(base.cache_read_tokens, details.get("cached_tokens"))
    write = _first(base.cache_write_tokens, details.get("cache_creation_input_tokens"))
    return Usage(base.input_tokens, base.output_tokens, read, write, base.reasoning_tokens, "openai-responses",
                 model, details.get("ephemeral_1h_input_tokens"))


def _x_details(u: Mapping) -> dict | None:
    """The cache counts of DashScope's ``usage.x_details`` list (one entry per billing type), summed; None
    when there is no such list."""
    entries = u.get("x_details")
    if not isinstance(entries, list) or not entries:
        return None
    total: dict = {}
    for i, entry in enumerate(entries):
        for key, path in (("cached_tokens", ("prompt_tokens_details", "cached_tokens")),
                          ("cache_creation_input_tokens", ("prompt_tokens_details", "cache_creation_input_tokens")),
                          ("ephemeral_1h_input_tokens", ("prompt_tokens_details", "cache_creation",
                                                         "ephemeral_1h_input_tokens"))):
            n = _count(entry, *path, prefix=f"usage.x_details[{i}]")
            if n is not None:
                total[key] = total.get(key, 0) + n
    if len(entries) > 1:
        parts = [_count(e, "input_tokens", prefix=f"usage.x_details[{i}]") for i, e in enumerate(entries)]
        if None in parts or sum(parts) != _count(u, "input_tokens"):
            raise ValueError(f"usage.x_details: {len(entries)} entries whose input_tokens {parts} do not add up to "
                             f"usage.input_tokens {u.get('input_tokens')}; cannot tell the parts from copies")
    return total


def _anthropic(m: Mapping, model: str | None) -> Usage:
    # https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance :
    # "total input tokens = input_tokens + cache_creation_input_tokens + cache_read_input_tokens";
    # cache_creation.ephemeral_{5m,1h}_input_tokens split the writes by lifetime. Thinking tokens are
    # billed as output and are part of output_tokens
    # (https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#pricing).
    u = _usage_block(m, "anthropic")
    uncached = _count(u, "input_tokens", required=True, shape="anthropic")
    read = _count(u, "cache_read_input_tokens")
    write = _count(u, "cache_creation_input_tokens")
    w1h = _count(u, "cache_creation", "ephemeral_1h_input_tokens")
    if write is None and _get(u, "cache_creation") is not None:
        write = (_count(u, "cache_creation", "ephemeral_5m_input_tokens") or 0) + (w1h or 0)
    return Usage(
        input_tokens=uncached + (read or 0) + (write or 0),
        output_tokens=_count(u, "output_tokens", required=True, shape="anthropic"),
        cache_read_tokens=read, cache_write_tokens=write,
        reasoning_tokens=_count(u, "output_tokens_details", "thinking_tokens"),
        cache_write_1h_tokens=w1h if w1h is not None else (0 if write == 0 else None),
        web_searches=_count(u, "server_tool_use", "web_search_requests"),
        shape="anthropic", model=model,
    )


def _bedrock_converse(m: Mapping, model: str | None) -> Usage:
    # https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html and
    # https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html : inputTokens counts the
    # tokens neither read from nor written to the cache; cacheReadInputTokens and
    # cacheWriteInputTokens are reported beside it (some SDKs echo them as ...TokenCount: same number,
    # counted once); cacheDetails splits the writes by ttl.
    u = _usage_block(m, "bedrock-converse")
    read = _first(_count(u, "cacheReadInputTokens"), _count(u, "cacheReadInputTokenCount"))
    write = _first(_count(u, "cacheWriteInputTokens"), _count(u, "cacheWriteInputTokenCount"))
    w1h = None
    details = u.get("cacheDetails")
    if isinstance(details, list):
        w1h = sum(int(d.get("inputTokens") or 0) for d in details if isinstance(d, Mapping) and d.get("ttl") == "1h")
    elif write is not None:
        w1h = 0 if write == 0 else None
    return Usage(
        input_tokens=_count(u, "inputTokens", required=True, shape="bedrock-converse") + (read or 0) + (write or 0),
        output_tokens=_count(u, "outputTokens", required=True, shape="bedrock-converse"),
        cache_read_tokens=read, cache_write_tokens=write, reasoning_tokens=None,
        cache_write_1h_tokens=w1h, shape="bedrock-converse", model=model,
    )


def _gemini(m: Mapping, model: str | None) -> Usage:
    # https://ai.google.dev/api/generate-content#UsageMetadata : promptTokenCount includes
    # cachedContentTokenCount; toolUsePromptTokenCount and thoughtsTokenCount are separate counts,
    # billed as input and output. The JSON omits zero-valued counts (proto3 JSON mapping), so an
    # absent count is 0 here, not "not reported"; a body with no candidates has no candidatesTokenCount.
    u = _map(m.get("usageMetadata")) or _map(m.get("usage_metadata")) or m
    camel = not any(k in u for k in ("prompt_token_count", "candidates_token_count"))
    k = (lambda c, s: c) if camel else (lambda c, s: s)
    prefix = "usageMetadata" if camel else "usage_metadata"
    prompt = _count(u, k("promptTokenCount", "prompt_token_count"), prefix=prefix) or 0
    tool = _count(u, k("toolUsePromptTokenCount", "tool_use_prompt_token_count"), prefix=prefix) or 0
    cands = _count(u, k("candidatesTokenCount", "candidates_token_count"), prefix=prefix) or 0
    thoughts = _count(u, k("thoughtsTokenCount", "thoughts_token_count"), prefix=prefix) or 0
    cached = _count(u, k("cachedContentTokenCount", "cached_content_token_count"), prefix=prefix) or 0
    if not any(x in u for x in (k("promptTokenCount", "prompt_token_count"),
                                k("candidatesTokenCount", "candidates_token_count"))):
        raise ValueError(f"{prefix}.promptTokenCount: missing from the gemini usage")
    mods: dict[str, int] = {}
    for details, template in ((k("promptTokensDetails", "prompt_tokens_details"), "input_{}_tokens"),
                              (k("promptTokenDetails", "prompt_token_details"), "input_{}_tokens"),
                              (k("toolUsePromptTokensDetails", "tool_use_prompt_tokens_details"), "input_{}_tokens"),
                              (k("candidatesTokensDetails", "candidates_tokens_details"), "output_{}_tokens"),
                              (k("cacheTokensDetails", "cache_tokens_details"), "cache_{}_read_tokens")):
        for d in u.get(details) or ():
            d = _map(d) or {}
            modality = {"IMAGE": "image", "DOCUMENT": "image", "AUDIO": "audio", "VIDEO": "video"}.get(
                str(d.get("modality", "")).upper())
            count = d.get(k("tokenCount", "token_count")) or 0
            if modality and count:
                key = template.format(modality)
                mods[key] = mods.get(key, 0) + int(count)
    return Usage(
        input_tokens=prompt + tool, output_tokens=cands + thoughts,
        cache_read_tokens=cached, cache_write_tokens=0, reasoning_tokens=thoughts,
        cache_write_1h_tokens=0, shape="gemini", model=model, modalities=mods,
    )


def _cohere(m: Mapping, model: str | None) -> Usage:
    # https://docs.cohere.com/reference/chat#response.body.usage : billed_units are what is billed;
    # usage.tokens counts every token the model saw (system and template tokens included). Cohere
    # publishes no cache price, so cached_tokens are not billed apart (https://cohere.com/pricing).
    # Embeddings answer with meta.billed_units (https://docs.cohere.com/reference/embed).
    billed = _map(_get(m, "usage", "billed_units")) or _map(_get(m, "meta", "billed_units")) \
        or _map(m.get("billed_units"))
    if billed is None:
        raise ValueError("usage.billed_units: missing from the cohere usage")
    return Usage(
        input_tokens=_count(billed, "input_tokens", prefix="billed_units", required=True, shape="cohere"),
        output_tokens=_count(billed, "output_tokens", prefix="billed_units") or 0,
        cache_read_tokens=0, cache_write_tokens=0, reasoning_tokens=None, cache_write_1h_tokens=0,
        shape="cohere", model=model,
    )


def _deepseek(m: Mapping, model: str | None) -> Usage:
    # https://api-docs.deepseek.com/api/create-chat-completion : prompt_tokens =
    # prompt_cache_hit_tokens + prompt_cache_miss_tokens; the hit count is echoed in
    # prompt_tokens_details.cached_tokens (counted once). DeepSeek bills no cache writes.
    u = _usage_block(m, "deepseek")
    prompt = _count(u, "prompt_tokens", required=True, shape="deepseek")
    hit = _first(_count(u, "prompt_cache_hit_tokens"), _count(u, "prompt_tokens_details", "cached_tokens"))
    miss = _count(u, "prompt_cache_miss_tokens")
    if miss is not None and (hit or 0) + miss != prompt:
        raise ValueError(
            f"usage.prompt_cache_hit_tokens: hit {hit} + miss {miss} != prompt_tokens {prompt}")
    return Usage(
        input_tokens=prompt,
        output_tokens=_count(u, "completion_tokens", required=True, shape="deepseek"),
        cache_read_tokens=hit if hit is not None else (prompt - miss if miss is not None else None),
        cache_write_tokens=0,
        reasoning_tokens=_count(u, "completion_tokens_details", "reasoning_tokens"),
        cache_write_1h_tokens=0, shape="deepseek", model=model,
    )


def _dashscope(m: Mapping, model: str | None) -> Usage:
    # https://www.alibabacloud.com/help/en/model-studio/use-qwen-by-calling-api (DashScope native):
    # usage.input_tokens includes prompt_tokens_details.cached_tokens; output_tokens includes
    # output_tokens_details.reasoning_tokens. Some models (qwen3-vl-*, and every model in the Singapore region)
    # report the hit at the top, usage.cached_tokens, also inside input_tokens
    # (https://www.alibabacloud.com/help/en/model-studio/context-cache, "Cache hit examples", DashScope).
    base = _input_output(m, model, "dashscope", ("prompt_tokens_details", "cached_tokens"),
                         ("prompt_tokens_details", "cache_creation_input_tokens"),
                         ("output_tokens_details", "reasoning_tokens"))
    if base.cache_read_tokens is not None:
        return base
    read = _count(_usage_block(m, "dashscope"), "cached_tokens")
    return Usage(base.input_tokens, base.output_tokens, read, base.cache_write_tokens, base.reasoning_tokens,
                 "dashscope", model, None)


def _ollama(m: Mapping, model: str | None) -> Usage:
    # https://github.com/ollama/ollama/blob/main/docs/api.md : prompt_eval_count and eval_count, on the
    # final (done) message only; no cache or thinking count is reported, so both are None.
    if "prompt_eval_count" not in m:
        raise ValueError(
            "prompt_eval_count: missing from the ollama response (Ollama omits it when the "
            "whole prompt came from its cache, and in streamed chunks before the last one)")
    return Usage(
        input_tokens=_count(m, "prompt_eval_count", prefix="", required=True, shape="ollama"),
        output_tokens=_count(m, "eval_count", prefix="", required=True, shape="ollama"),
        cache_read_tokens=None, cache_write_tokens=0, reasoning_tokens=None, cache_write_1h_tokens=0,
        shape="ollama", model=model,
    )


_PARSERS = {
    "openai-chat": _openai_chat, "openai-responses": _openai_responses,
    "openai-embeddings": _openai_embeddings, "anthropic": _anthropic,
    "bedrock-converse": _bedrock_converse, "gemini": _gemini, "cohere": _cohere,
    "deepseek": _deepseek, "mistral": _mistral, "xai": _xai, "dashscope": _dashscope,
    "ollama": _ollama, "llamacpp": _llamacpp,
}


# --- streams ----------------------------------------------------------------------------------

def _event(e: Any) -> Mapping:
    if isinstance(e, (str, bytes)):
        import json
        text = e.decode() if isinstance(e, bytes) else e
        text = text.strip()
        if text.startswith("data:"):
            text = text[5:].strip()
        if text in ("", "[DONE]"):
            return {}
        try:
            return loads_json(text, "stream")
        except json.JSONDecodeError:
            raise ValueError(f"stream: an event is not JSON: {text[:60]!r}") from None
    return to_mapping(e)


class IncompleteStreamError(ValueError):
    """A stream that ended before its provider's final usage event: refused, never priced as complete.

    ``lower_bound`` is the :class:`Usage` the events so far report (the true counts are at least these; the
    output is usually far higher), or ``None`` where they report none. Taught in notebook ``01_token_billing``."""

    def __init__(self, message: str, lower_bound: Usage | None = None):
        super().__init__(message)
        self.lower_bound = lower_bound


def _incomplete(what: str, partial) -> IncompleteStreamError:
    try:
        bound = partial()
    except ValueError:
        bound = None
    seen = "" if bound is None else (f"; the events so far show at least {bound.input_tokens:,} input and "
                                     f"{bound.output_tokens:,} output tokens (a lower bound, not a price: "
                                     "IncompleteStreamError.lower_bound)")
    return IncompleteStreamError(f"stream: cut short, {what}{seen}", bound)


def _finish_reasons(ev: Mapping) -> list:
    """The finish reasons an OpenAI-style chunk (``choices[].finish_reason``) or a Gemini chunk
    (``candidates[].finishReason``, ``promptFeedback.blockReason``) carries."""
    out = []
    for key, reason in (("choices", "finish_reason"), ("candidates", "finishReason"), ("candidates", "finish_reason")):
        for c in ev.get(key) or ():
            c = _map(c) or {}
            if c.get(reason):
                out.append(c[reason])
    block = _get(ev, "promptFeedback", "blockReason") or _get(ev, "prompt_feedback", "block_reason")
    return out + ([block] if block else [])


def normalize_stream(events: Iterable[Any], provider: str | None = None, model: str | None = None) -> Usage:
    """The usage of a streamed response from its events, by each provider's rules.

    ``events`` are parsed SSE ``data:`` objects, raw ``data: ...`` lines, or SDK
    chunk objects. Anthropic: ``message_start`` carries input and cache counts,
    each ``message_delta`` the *cumulative* output count (the last one wins).
    OpenAI Responses: the ``response.completed`` event. OpenAI chat and the
    compatible servers: usage on the last chunk only, and only when the request
    set ``stream_options={"include_usage": true}`` (vLLM may send cumulative
    usage on every chunk: the last wins, never a sum; Kimi puts it inside
    ``choices[0]``). Gemini: cumulative ``usageMetadata`` on each chunk. Ollama:
    the final ``done`` chunk. Bedrock ConverseStream: the ``metadata`` event.
    Cohere: ``message-end``.

    A stream cut short (no ``message_delta`` and ``message_stop`` from Anthropic, no chunk with a
    ``finishReason`` from Gemini, no final usage chunk from an OpenAI-compatible server, an ``error``
    event) is refused with :class:`IncompleteStreamError`, which carries the counts seen so far as a
    labelled lower bound: the counts of its last chunk are not the call's.
    Taught in notebook ``01_token_billing``.
    """
    evs = [ev for ev in (_event(e) for e in events) if ev]
    if not evs:
        raise ValueError("stream: no events")
    model = model or next((x for x in (_model(ev) or _model(_map(ev.get("message")) or {})
                                       or _model(_map(ev.get("response")) or {}) for ev in evs) if x), None)
    types = [ev.get("type") for ev in evs]
    # Anthropic Messages stream: https://docs.anthropic.com/en/docs/build-with-claude/streaming
    # ("message_delta ... usage" carries the final cumulative output count; the stream ends with message_stop;
    # an "error" event, e.g. overloaded_error, can arrive mid-stream)
    if "message_start" in types:
        start = _map(_get(evs[types.index("message_start")], "message", "usage")) or {}
        usage = dict(start)
        deltas = 0
        for ev in evs:
            if ev.get("type") == "message_delta" and _map(ev.get("usage")) is not None:
                usage.update({k: v for k, v in to_mapping(ev["usage"]).items() if v is not None})
                deltas += 1

        def read():
            return normalize({"usage": usage, "type": "message"}, shape="anthropic", model=model)
        if "error" in types:
            err = _get(evs[types.index("error")], "error", "type")
            raise _incomplete(f"the Anthropic stream has an error event ({err}): its output count never came", read)
        if not deltas or "message_stop" not in types:
            missing = " and ".join(t for t, ok in (("message_delta", deltas), ("message_stop", "message_stop" in types))
                                   if not ok)
            raise _incomplete(f"the Anthropic stream has no {missing} (the final output count comes in "
                              "message_delta, the end in message_stop)", read)
        return read()
    # OpenAI Responses stream: https://platform.openai.com/docs/api-reference/responses-streaming
    done = [ev for ev in evs if str(ev.get("type", "")).startswith("response.")
            and _get(ev, "response", "usage") is not None]
    if done:
        return normalize(to_mapping(done[-1]["response"]), shape="openai-responses", model=model)
    if any(str(t or "").startswith("response.") for t in types):
        raise _incomplete("the Responses stream has no response.completed (or .incomplete/.failed) event: only "
                          "those carry usage", lambda: None)
    # Bedrock ConverseStream: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamMetadataEvent.html
    meta = [ev["metadata"] for ev in evs if _get(ev, "metadata", "usage") is not None]
    if meta:
        return normalize(to_mapping(meta[-1]), shape="bedrock-converse", model=model)
    # Cohere v2 stream: https://docs.cohere.com/reference/chat-stream ("message-end" delta.usage)
    ends = [ev for ev in evs if ev.get("type") == "message-end" and _get(ev, "delta", "usage") is not None]
    if ends:
        return normalize(to_mapping(ends[-1]["delta"]), shape="cohere", model=model)
    # Kimi (Moonshot) streams put usage inside the choice that finishes:
    # https://platform.kimi.ai/docs/guide/utilize-the-streaming-output-feature-of-kimi-api
    evs = [_lift_choice_usage(ev) for ev in evs]
    carrying = [ev for ev in evs if ev.get("usage") is not None or "usageMetadata" in ev
                or "usage_metadata" in ev or ev.get("done") is True]
    if not carrying:
        raise IncompleteStreamError(
            "stream: no event carries usage: the stream was cut short before its final usage event, or (OpenAI-"
            "compatible servers) the request did not set stream_options={'include_usage': True}, which adds usage "
            "on the last chunk")
    last = carrying[-1]

    def read_last():
        return normalize(last, model=model, provider=provider)
    finished = any(_finish_reasons(ev) for ev in evs)
    if "usageMetadata" in last or "usage_metadata" in last:
        # Gemini: https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent : every chunk
        # carries the usage so far; the last one has candidates[].finishReason
        if not finished:
            raise _incomplete("the Gemini stream has no chunk with a finishReason: its usageMetadata is the count "
                              "so far, not the call's", read_last)
    elif "done" in last and "usage" not in last:
        pass  # Ollama's final chunk (done: true) is checked by its parser
    elif not finished and (_map(last.get("usage")) is None or last.get("choices")):
        # OpenAI chat: https://platform.openai.com/docs/api-reference/chat-streaming : the usage chunk (choices
        # empty) comes last, after the chunk with finish_reason; cumulative usage on a chunk that has not finished
        # (vLLM's continuous usage stats) is the count so far
        raise _incomplete("the stream has no chunk with a finish_reason and no final usage chunk (choices empty)",
                          read_last)
    return read_last()


NOT_REPORTED = "not reported"


def usage_table(items: Mapping[str, Usage]):
    """A table of usages, one row per name, with counts the body did not give shown as "not reported"
    (never as 0). Taught in notebook ``01_token_billing``."""
    import pandas as pd
    rows = []
    for name, u in items.items():
        rows.append({"": name, "shape": u.shape, "input (all)": u.input_tokens,
                     "cache read": u.cache_read_tokens, "cache write": u.cache_write_tokens,
                     "output (all)": u.output_tokens, "reasoning": u.reasoning_tokens})
    df = pd.DataFrame(rows).set_index("")
    for col in ("cache read", "cache write", "reasoning"):
        df[col] = [NOT_REPORTED if v is None or v != v else f"{int(v):,}" for v in df[col]]
    for col in ("input (all)", "output (all)"):
        df[col] = [f"{int(v):,}" for v in df[col]]
    return df
