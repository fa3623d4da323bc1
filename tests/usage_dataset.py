"""genai-prices' 1,577 recorded usage bodies (``data/usage_dataset/``, MIT) as an external test suite.

Each entry holds a reduced response body recorded from real provider traffic and, for every
provider/API flavour genai-prices could apply, the usage it extracted. The *reference* reading of a
body is the extraction of the provider that served it: named by the cassette's path (pydantic-ai
names its cassettes after the provider under test), else by the model's family. The choice uses the
recording's origin, never course_lib's detection, so a detection error shows as a disagreement.
"""
from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "usage_dataset"

# cassette-path word -> genai-prices provider ids whose extraction is the reference
_PATH_PROVIDERS = [
    ("bedrock", ("aws",)), ("openrouter", ("openrouter",)), ("cohere", ("cohere",)), ("groq", ("groq",)),
    ("mistral", ("mistral",)), ("huggingface", ("huggingface_together", "huggingface_sambanova", "huggingface")),
    ("test_hf_", ("huggingface_together", "huggingface_sambanova", "huggingface")),
    ("cerebras", ("cerebras",)), ("zai", ("zai",)), ("deepseek", ("deepseek",)), ("xai", ("x-ai",)),
    ("grok", ("x-ai",)), ("azure", ("azure",)), ("anthropic", ("anthropic",)), ("claude", ("anthropic",)),
    ("openai", ("openai",)), ("google", ("google",)), ("gemini", ("google",)), ("vertex", ("google",)),
]
_MODEL_PROVIDERS = [(r"^(gpt|o\d|text-embedding|chatgpt)", ("openai",)), (r"claude", ("anthropic",)),
                    (r"gemini|gemma", ("google",)), (r"^grok", ("x-ai",)), (r"deepseek", ("deepseek",)),
                    (r"^(qwen|moonshot|kimi)", ("openai",))]


# An embeddings flavour reads only the input of a chat body; Cohere's "tokens" flavour counts tokens
# that Cohere does not bill (its "billed_units" are the bill: https://docs.cohere.com/reference/chat).
_FLAVOUR_RANK = {"embeddings": 1, "tokens": 1}


@lru_cache(maxsize=1)
def entries() -> list[dict]:
    with gzip.open(DATA / "usages.json.gz", "rt", encoding="utf-8") as fh:
        return json.load(fh)


def _providers_for(body: dict) -> list[tuple[str, ...]]:
    f = (body.get("file") or "").lower()
    name, folder = f.rsplit("/", 1)[-1], f.rsplit("/", 1)[0] if "/" in f else ""
    out = []
    for text in (name, folder):
        for word, provs in _PATH_PROVIDERS:
            if word in text:
                out.append(provs)
                break
    model = (body.get("model") or body.get("modelVersion") or "").lower().split("/")[-1]
    for pattern, provs in _MODEL_PROVIDERS:
        if re.search(pattern, model):
            out.append(provs)
            break
    return out


def reference(entry: dict) -> tuple[str, dict] | None:
    """(provider id, genai-prices usage) of the provider that served the body, or None."""
    for provs in _providers_for(entry["body"]):
        groups = [(_FLAVOUR_RANK.get(ex["api_flavor"], 0), -len(g["usage"]), ex["provider_id"], g["usage"])
                  for g in entry["extracted"] for ex in g["extractors"] if ex["provider_id"] in provs]
        if groups:  # the provider's main API first, then the fullest reading
            return min(groups, key=lambda t: t[:2])[2:]
    return None


def reference_extractor(entry: dict) -> tuple[str, str] | None:
    """(provider id, api flavour) of the reference extraction: what genai-prices needs to be told."""
    for provs in _providers_for(entry["body"]):
        groups = [(_FLAVOUR_RANK.get(ex["api_flavor"], 0), -len(g["usage"]), ex["provider_id"], ex["api_flavor"])
                  for g in entry["extracted"] for ex in g["extractors"] if ex["provider_id"] in provs]
        if groups:
            return min(groups, key=lambda t: t[:2])[2:]
    return None


def as_reference(u) -> dict:
    """A course_lib Usage in genai-prices' terms (input includes cache; output includes reasoning)."""
    return {"input_tokens": u.input_tokens, "output_tokens": u.output_tokens,
            "cache_read_tokens": u.cache_read_tokens or 0, "cache_write_tokens": u.cache_write_tokens or 0,
            "web_searches": u.web_searches or 0}


def reference_counts(ref: dict) -> dict:
    return {k: int(ref.get(k, 0)) for k in ("input_tokens", "output_tokens", "cache_read_tokens",
                                            "cache_write_tokens", "web_searches")}


def body_key(entry: dict, index: int) -> str:
    return f"{index}:{entry['body'].get('file', '')}"
