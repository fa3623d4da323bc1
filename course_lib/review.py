"""The code-review assistant in three versions, on the course's sample change (notebook ``02_review_assistant``).

* **V1, single-turn chat**: system prompt + the diff, one call, an output budget.
* **V2, automatic RAG**: V1 plus the ``top_k`` project chunks that BM25 ranks
  highest for the diff; the index's embedding cost is counted too.
* **V3, agent loop**: :func:`course_lib.agent.run_agent`.

Token counts come from the model family's real tokenizer (an estimate, labelled,
for Claude and Gemini). One accounting for all three: each version is billed for the
text it returns. V1 and V2 return the review (the same review V3's agent finishes
with), V3 its every action and that review; ``output_budget=N`` bills N instead, as
the source page does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from . import tokens
from .agent import DEFAULT_CHANGE, MESSAGE_OVERHEAD_TOKENS, get_change, run_agent
from .billing import Bill, cost
from .prices import embedding_rate
from .retrieval import Index, chunk_files
from .usage import Usage

V1_SYSTEM = get_change("shop").v1_system
VERSIONS = ("v1", "v2", "v3")


@dataclass
class ReviewResult:
    """Tokens and bill of one version of the assistant on the sample change. Taught in notebook ``02_review_assistant``."""

    version: str
    model: str
    input_tokens: int
    output_tokens: int
    exact: bool
    bill: Bill
    extra_usd: float = 0.0          # V2: embedding the index, amortised per review
    calls: int = 1
    detail: dict = field(default_factory=dict)

    @property
    def total_usd(self) -> float:
        return self.bill.total_usd + self.extra_usd

    def as_dict(self) -> dict:
        return {"version": self.version, "model": self.model, "calls": self.calls,
                "input_tokens": self.input_tokens, "output_tokens": self.output_tokens,
                "tokens_exact": self.exact, "llm_usd": round(self.bill.total_usd, 10),
                "extra_usd": round(self.extra_usd, 10), "total_usd": round(self.total_usd, 10), **self.detail}


def _diff(change=DEFAULT_CHANGE) -> str:
    return get_change(change).diff.read_text(encoding="utf-8")


def review_text(change=DEFAULT_CHANGE) -> str:
    """The review the assistant returns for a change (the scripted agent's final answer). Taught in notebook
    ``02_review_assistant``."""
    return next(a["args"]["review"] for a in get_change(change).script if a["tool"] == "finish")


def _output_tokens(model: str, output_budget, change) -> int:
    if output_budget is None:
        return tokens.count(review_text(change), model).tokens
    if isinstance(output_budget, bool) or not isinstance(output_budget, int) or output_budget < 0:
        raise ValueError(f"output_budget: expected a non-negative whole number of tokens or None, got {output_budget!r}")
    return output_budget


def v1(model: str = "claude-sonnet-4-6", as_of=None, output_budget: int | None = None,
       change=DEFAULT_CHANGE) -> ReviewResult:
    """V1: one chat call with the diff (notebook ``02_review_assistant``)."""
    user = "Review this change:\n" + _diff(change)
    system = get_change(change).v1_system
    c_sys, c_user = tokens.count(system, model), tokens.count(user, model)
    n_in = c_sys.tokens + c_user.tokens + 2 * MESSAGE_OVERHEAD_TOKENS
    n_out = _output_tokens(model, output_budget, change)
    bill = cost(Usage(n_in, n_out), model, as_of)
    return ReviewResult("v1", model, n_in, n_out, c_user.exact, bill,
                        detail={"system_tokens": c_sys.tokens, "diff_tokens": c_user.tokens,
                                "change": get_change(change).name})


def v2(model: str = "claude-sonnet-4-6", as_of=None, output_budget: int | None = None, top_k: int = 6,
       chunk_lines: int = 30, reviews_per_index: int = 100, change=DEFAULT_CHANGE) -> ReviewResult:
    """V2: V1 plus retrieved project context (notebook ``02_review_assistant``).

    The index is embedded once per ``reviews_per_index`` reviews (text-embedding-3-small
    price from genai-prices); that share is ``extra_usd``.
    """
    if not isinstance(reviews_per_index, int) or reviews_per_index < 1:
        raise ValueError(f"reviews_per_index: expected a positive integer, got {reviews_per_index!r}")
    ch = get_change(change)
    index = _index(ch.project, chunk_lines)
    hits = index.search(_diff(ch), top_k)
    context = "\n\n".join(f"# {c.label}\n{c.text}" for c, _ in hits)
    user = "Relevant project files:\n" + context + "\n\nReview this change:\n" + _diff(ch)
    c_sys, c_user = tokens.count(ch.v1_system, model), tokens.count(user, model)
    c_ctx = tokens.count(context, model)
    n_in = c_sys.tokens + c_user.tokens + 2 * MESSAGE_OVERHEAD_TOKENS
    n_out = _output_tokens(model, output_budget, ch)
    bill = cost(Usage(n_in, n_out), model, as_of)
    index_tokens = _index_tokens(ch.project, chunk_lines)
    rate, source = embedding_rate(as_of=as_of)
    extra = index_tokens * rate / 1e6 / reviews_per_index
    return ReviewResult("v2", model, n_in, n_out, c_user.exact, bill, extra_usd=extra,
                        detail={"context_tokens": c_ctx.tokens, "retrieved": [c.label for c, _ in hits],
                                "index_tokens": index_tokens, "embedding": source, "change": ch.name})


@lru_cache(maxsize=8)
def _index(project, chunk_lines: int) -> Index:
    return Index(chunk_files(project, chunk_lines))


@lru_cache(maxsize=8)
def _index_tokens(project, chunk_lines: int) -> int:
    return sum(tokens.count(c.text, "o200k").tokens for c in _index(project, chunk_lines).chunks)


def v3(model: str = "claude-sonnet-4-6", as_of=None, caching: bool = True, policy=None, change=DEFAULT_CHANGE,
       **agent_kwargs) -> ReviewResult:
    """V3: the agent loop, every turn billed (notebook ``02_review_assistant``)."""
    run = run_agent(policy, model, caching=caching, change=change, **agent_kwargs)
    bills = [cost(Usage(t.input_tokens, t.output_tokens, t.cache_read_tokens, t.cache_write_tokens), model, as_of)
             for t in run.turns]
    bill = Bill(model, bills[0].as_of, sum(b.uncached_input_usd for b in bills), sum(b.cache_read_usd for b in bills),
                sum(b.cache_write_usd for b in bills), sum(b.output_usd for b in bills),
                run.input_tokens, run.output_tokens)
    exact = tokens.MODEL_FAMILY.get(model, model) not in tokens.ESTIMATED
    return ReviewResult("v3", model, run.input_tokens, run.output_tokens, exact, bill, calls=len(run.turns),
                        detail={"stop_reason": run.stop_reason, "retries": run.retries, "tests_pass": run.tests_pass,
                                "policy": run.policy, "caching": caching, "change": get_change(change).name,
                                "run": run})


def review(version: str, model: str = "claude-sonnet-4-6", as_of=None, **kwargs) -> ReviewResult:
    """One version of the assistant by name. Taught in notebook ``02_review_assistant``."""
    if version not in VERSIONS:
        raise ValueError(f"version must be one of {VERSIONS}, got {version!r}")
    from .prices import quote
    quote(model, as_of)  # an unknown model is named with the closest known ones, before any tokenizer is chosen
    return {"v1": v1, "v2": v2, "v3": v3}[version](model, as_of, **kwargs)


def amplification(models, as_of=None, change=DEFAULT_CHANGE) -> pd.DataFrame:
    """V1, V2 and V3 on each model, and V2/V1 and V3/V1 (notebook ``02_review_assistant``)."""
    rows = []
    for m in models:
        a, b = v1(m, as_of, change=change), v2(m, as_of, change=change)
        c = v3(m, as_of, change=change)
        rows.append({"model": m, "v1_usd": a.total_usd, "v2_usd": b.total_usd, "v3_usd": c.total_usd,
                     "v2/v1": b.total_usd / a.total_usd, "v3/v1": c.total_usd / a.total_usd,
                     "tokens": "exact" if a.exact else "estimate"})
    return pd.DataFrame(rows).set_index("model")


def live_runs(chat, v3_turns: int = 3, max_tokens: int = 48) -> dict:
    """V1 and a short V3 against a live server; returns the raw bodies (notebook ``02_review_assistant``).

    ``chat(messages, max_tokens=...)`` is a callable returning a response body,
    for example ``functools.partial(course_lib.live.openai_chat, base_url)``.
    """
    from .agent import LivePolicy, run_agent

    bodies = {"v1": chat([{"role": "system", "content": V1_SYSTEM},
                          {"role": "user", "content": "Review this change:\n" + _diff()}], max_tokens=max_tokens)}
    seen = []

    def recording_chat(messages, max_tokens):
        body = chat(messages, max_tokens=max_tokens)
        seen.append(body)
        return body

    policy = LivePolicy(recording_chat, max_tokens=max_tokens)
    run = run_agent(policy, "deepseek-v4-pro", max_turns=v3_turns, token_budget=10**9)
    bodies["v3"] = seen
    bodies["v3_fallbacks"] = policy.fallbacks
    bodies["v3_stop_reason"] = run.stop_reason
    return bodies


def price_live(bodies: dict, models, as_of=None) -> pd.DataFrame:
    """The real usage of live runs, billed at each API model's prices (notebook ``02_review_assistant``)."""
    from .usage import normalize

    v1u = normalize(bodies["v1"])
    v3u = [normalize(b) for b in bodies["v3"]]
    rows = []
    for m in models:
        rows.append({"model": m,
                     "v1_input": v1u.input_tokens, "v1_usd": cost(v1u, m, as_of).total_usd,
                     "v3_turns": len(v3u), "v3_input": sum(u.input_tokens for u in v3u),
                     "v3_cached": sum(u.cache_read_tokens or 0 for u in v3u),
                     "v3_usd": sum(cost(u, m, as_of).total_usd for u in v3u)})
    return pd.DataFrame(rows).set_index("model")
