"""Checked exercises with feedback that teaches (every notebook's closing section).

Each exercise's answer is *computed* by ``course_lib`` (never typed in), and
the common wrong answers are computed too, so the feedback can say which
mistake a student most likely made::

    from course_lib.exercises import check, hint, solution
    check("01.1", 0.04)     # ✘ ... you priced the output at the input price
    solution("01.1")        # the worked solution, when you want it
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from .billing import cost_tokens


@dataclass(frozen=True)
class Feedback:
    correct: bool
    message: str

    def __str__(self) -> str:
        return ("✔ Correct. " if self.correct else "✘ Not yet. ") + self.message

    def _repr_markdown_(self) -> str:
        # "$0.01 ... $0.09" in one paragraph would be typeset as maths in JupyterLab: write the currency out
        text = re.sub(r"\$(?=\d)", "USD ", self.message)
        return ("**✔ Correct.** " if self.correct else "**✘ Not yet.** ") + text

    def __repr__(self) -> str:
        return str(self)

    def __bool__(self) -> bool:
        return self.correct


@dataclass(frozen=True)
class Exercise:
    id: str
    question: str
    answer: Callable[[], float]
    why: Callable[[], str]
    hint: str
    rel_tol: float = 0.02
    mistakes: tuple = field(default_factory=tuple)  # (callable giving the wrong value, explanation)


def _usd(x: float) -> str:
    return f"${x:.4f}"


def _v(model, i, o, cached=0, as_of=None, period="standard"):
    return cost_tokens(model, i, o, cached=cached, as_of=as_of, period=period).total_usd


EXERCISES: dict[str, Exercise] = {}


def _add(ex: Exercise) -> None:
    EXERCISES[ex.id] = ex


_add(Exercise(
    id="00.1",
    question="The source page says the bill is unit price × tokens metered × workflow amplification. "
             "V1 sends 3,200 input and 500 output tokens; V3 sends 600,000 and 45,000. On Claude Sonnet 4.6 "
             "(2026-06-15), V3's bill is how many times V1's? Answer a number.",
    answer=lambda: _v("claude-sonnet-4-6", 600_000, 45_000) / _v("claude-sonnet-4-6", 3200, 500),
    why=lambda: (f"V3 costs {_usd(_v('claude-sonnet-4-6', 600_000, 45_000))} and V1 "
                 f"{_usd(_v('claude-sonnet-4-6', 3200, 500))}: the same model, about 145 times the bill. "
                 "That factor is the workflow amplification (工作流放大系数)."),
    hint="Price both with course_lib.billing.cost_tokens and divide.",
    mistakes=((lambda: 600_000 / 3200, "that is the ratio of input tokens only; output is priced 5× higher and "
               "V3's output grows 90×, not 187×"),
              (lambda: 2.48 / 0.01, "that uses the page's rounded $0.01 for V1, which is 40% low")),
))
_add(Exercise(
    id="01.1",
    question="What does V1 (3,200 input + 500 output tokens) cost on GPT-5.5 at the 2026-06-15 prices, in USD?",
    answer=lambda: _v("gpt-5.5", 3200, 500),
    why=lambda: "3,200 × $5/M + 500 × $30/M = $0.0160 + $0.0150 = $0.0310.",
    hint="Input and output have separate prices (输入/输出分价); both are per million tokens.",
    rel_tol=0.01,
    mistakes=((lambda: 3700 * 5 / 1e6, "you priced the output at the input price; output costs 6× more on GPT-5.5"),
              (lambda: 3200 * 5 / 1e6, "you left out the output tokens"),
              (lambda: (3200 * 5 + 500 * 30) / 1e3, "you divided by a thousand, not a million")),
))
_add(Exercise(
    id="01.2",
    question="V2 (automatic RAG) sends 25,000 input and 800 output tokens. On Claude Sonnet 4.6, V2's bill is "
             "how many times V1's? (The page says 9×.) Answer a number.",
    answer=lambda: _v("claude-sonnet-4-6", 25_000, 800) / _v("claude-sonnet-4-6", 3200, 500),
    why=lambda: (f"V2 is {_usd(_v('claude-sonnet-4-6', 25_000, 800))} and V1 {_usd(_v('claude-sonnet-4-6', 3200, 500))}, "
                 "so about 5.1×. The page's 9× divides its $0.09 by its rounded $0.01 for V1."),
    hint="Recompute V1 first: is it really $0.01?",
    mistakes=((lambda: 9.0, "that is the page's figure, which follows only from its V1 of $0.01"),
              (lambda: 25_000 / 3200, "that is the input-token ratio; output hardly grows from V1 to V2")),
))
_add(Exercise(
    id="01.3",
    question="V3 on DeepSeek V4-Pro with an 80% cache-hit rate (缓存命中): 600,000 input tokens of which 480,000 "
             "are cache hits, 45,000 output. What does it cost at the *peak* price on 2026-09-01, in USD?",
    answer=lambda: _v("deepseek-v4-pro", 600_000, 45_000, cached=480_000, as_of="2026-09-01", period="peak"),
    why=lambda: ("From 2026-08-17 DeepSeek V4-Pro costs $1.32/M input, $0.044/M cache hit and $3.96/M output at "
                 "peak: 120,000 × 1.32 + 480,000 × 0.044 + 45,000 × 3.96, per million = $0.3577. "
                 "Off-peak it is half: $0.1789; at the June prices it was $0.0931."),
    hint="Use cost_tokens(..., cached=480_000, as_of='2026-09-01', period='peak').",
    rel_tol=0.01,
    mistakes=((lambda: _v("deepseek-v4-pro", 600_000, 45_000, cached=480_000), "those are the June prices; "
               "DeepSeek's prices changed on 2026-08-17"),
              (lambda: _v("deepseek-v4-pro", 600_000, 45_000, cached=480_000, as_of="2026-09-01"),
               "that is the off-peak price; the question asks for peak"),
              (lambda: _v("deepseek-v4-pro", 600_000, 45_000, as_of="2026-09-01", period="peak"),
               "you billed the cache hits at the full input price")),
))
_add(Exercise(
    id="01.4",
    question="An Anthropic response reports usage {input_tokens: 50, cache_read_input_tokens: 9000, "
             "cache_creation_input_tokens: 0, output_tokens: 200}. How many input tokens did the call send "
             "in all, cached included?",
    answer=lambda: 9050,
    why=lambda: ("Anthropic reports cached tokens *outside* input_tokens, so all input is 50 + 9,000 = 9,050. "
                 "OpenAI, Gemini, DeepSeek and llama.cpp report them inside the input count. "
                 "course_lib.usage.normalize handles both."),
    hint="Does Anthropic's input_tokens include the cache reads?",
    rel_tol=0.0,
    mistakes=((lambda: 50, "Anthropic's input_tokens excludes cache reads: this would drop 9,000 tokens"),
              (lambda: 9250, "output tokens are not input")),
))


def _v3_input(model="gpt-5.5"):
    from .agent import run_agent
    return run_agent(model=model).input_tokens


def _v3_last_input(model="gpt-5.5"):
    from .agent import run_agent
    return run_agent(model=model).turns[-1].input_tokens


def _grow(n):
    from .workflows import growing_profile, total
    return total(growing_profile(n, 20_000, 3_000, 2_500), "claude-sonnet-4-6")


_add(Exercise(
    id="02.1",
    question="Run the V3 agent on gpt-5.5 (course_lib.agent.run_agent(model='gpt-5.5')). How many input "
             "tokens does it send over all its turns?",
    answer=_v3_input,
    why=lambda: (f"{_v3_input():,} input tokens over the run, although the last request alone is only "
                 f"{_v3_last_input():,}: every turn re-sends the system prompt, the tool schemas and the whole "
                 "history. That is why an agent's input bill grows with the square of its turns."),
    hint="Sum input_tokens over run.turns (or read run.input_tokens).",
    rel_tol=0.0,
    mistakes=((_v3_last_input, "you took only the last turn's input; every turn is billed"),),
))
_add(Exercise(
    id="02.2",
    question="An agent re-sends its history: growing_profile(turns, 20_000, 3_000, 2_500). On Claude Sonnet 4.6 "
             "without caching, a 30-turn task costs how many times a 15-turn task? Answer a number.",
    answer=lambda: _grow(30) / _grow(15),
    why=lambda: (f"${_grow(30):.2f} against ${_grow(15):.2f}: about {_grow(30) / _grow(15):.1f}×, not 2×. "
                 "Each extra turn re-sends a longer history, so cost grows roughly with the square of the turns; "
                 "a turn limit and history control (lesson 03) are cost controls."),
    hint="course_lib.workflows.total(growing_profile(...), 'claude-sonnet-4-6') for 30 and for 15 turns.",
    mistakes=((lambda: 2.0, "you assumed cost grows linearly with turns; the re-sent history makes it grow faster"),),
))


def _est8b():
    from .vram import estimate
    return estimate("llama-3.1-8b", 8192, "Q4_K_M", "f16", 1, False)


_add(Exercise(
    id="04.1",
    question="Llama 3.1 8B, Q4_K_M weights, 8K context, f16 KV cache, flash attention off, on a CUDA GPU: "
             "how many GiB does it need in all? (course_lib.vram.estimate)",
    answer=lambda: _est8b().total_bytes / 2**30,
    why=lambda: (f"{_est8b()}. About 6.8 GiB, not the page's 12–16 GB: an 8 GB card is enough."),
    hint="estimate('llama-3.1-8b', 8192, 'Q4_K_M', 'f16', 1, False).total_bytes / 2**30",
    rel_tol=0.05,
    mistakes=((lambda: 14.0, "that is the source page's figure; its terms (weights, KV cache, compute buffer, CUDA context) add up to about 6-7 GiB"),
              (lambda: 12.0, "that is the source page's figure; its terms (weights, KV cache, compute buffer, CUDA context) add up to about 6-7 GiB"),
              (lambda: 16.0, "that is the source page's figure; its terms (weights, KV cache, compute buffer, CUDA context) add up to about 6-7 GiB"),
              (lambda: _est8b().weights_bytes / 2**30, "that is the weights alone"),
              (lambda: (_est8b().weights_bytes + _est8b().kv_bytes) / 2**30,
               "you left out the compute buffer and the CUDA context")),
))


def _maxctx(kv):
    from .vram import max_context
    return max_context("llama-3.1-8b", "RTX 4070", kv_type=kv)


_add(Exercise(
    id="04.2",
    question="What is the longest context (tokens) at which Llama 3.1 8B Q4_K_M fits on a 12 GiB RTX 4070 "
             "with flash attention on and a q8_0 KV cache? (course_lib.vram.max_context)",
    answer=lambda: _maxctx("q8_0"),
    why=lambda: (f"{_maxctx('q8_0'):,} tokens with a q8_0 cache, against {_maxctx('f16'):,} with f16: a q8_0 cache "
                 "stores 34 bytes per 32 values instead of 64, so nearly twice the context fits."),
    hint="max_context('llama-3.1-8b', 'RTX 4070', kv_type='q8_0')",
    rel_tol=0.02,
    mistakes=((lambda: _maxctx("f16"), "that is the answer with an f16 KV cache"),
              (lambda: 131072, "that is the model's own context limit, not what fits in 12 GiB")),
))


def _reads(one_hour):
    from .levers import cache_break_even_reads
    return cache_break_even_reads("claude-sonnet-4-6", one_hour=one_hour)


def _alone(name):
    from .levers import alone
    return float(alone()[name])


def _step(name):
    from .levers import waterfall
    return float(waterfall().loc[name, "saving_pct_of_baseline"])


_add(Exercise(
    id="03.1",
    question="Claude Sonnet 4.6 charges $3/M input, $6/M for a one-hour cache write and $0.30/M for a cache read. "
             "How many cache reads of a prefix must follow its one-hour write before caching it has paid off?",
    answer=lambda: _reads(True),
    why=lambda: (f"The write costs $3/M more than plain input; each read saves $2.70/M: {_reads(True):.2f} reads, so "
                 f"two reads within the hour. A five-minute write ($3.75/M) pays back after {_reads(False):.2f} of a read: "
                 "one reuse is enough, if it comes within five minutes."),
    hint="premium ÷ saving per read: (6 − 3) ÷ (3 − 0.30). course_lib.levers.cache_break_even_reads(one_hour=True)",
    mistakes=((lambda: _reads(False), "that is the five-minute cache write ($3.75/M), not the one-hour one ($6/M)"),),
))
_add(Exercise(
    id="03.2",
    question="On the course's task set, what per cent of the baseline's daily bill does output control "
             "(lever 3) save when applied alone? (course_lib.levers.alone)",
    answer=lambda: _alone("3 output control"),
    why=lambda: (f"{_alone('3 output control'):.1f}% alone. In the source's order it saves "
                 f"{_step('3 output control'):.1f}% of the baseline, because routing and context control came first: "
                 "a lever's saving depends on what was applied before it. Thinking at 1,000 tokens a call on a $30/M "
                 "output price is why it ranks first here."),
    hint="Apply only lever 3 to the baseline and compare the two daily bills; course_lib.levers has a function "
         "that does this for each lever on its own.",
    mistakes=((lambda: _step("3 output control"), "that is its step in the source's order, after routing and context control"),),
))


def _be(ops=None):
    from .tco import LocalBox, Workload, break_even_tasks_per_day
    box = LocalBox() if ops is None else LocalBox(ops_hours_month=ops)
    return break_even_tasks_per_day(Workload(), box)


def _hyb(share):
    from .tco import LocalBox, Workload, hybrid
    return hybrid(Workload(), LocalBox(), share, Workload(model="claude-sonnet-4-6"))["total_cny"]


_add(Exercise(
    id="05.1",
    question="Default workload (25,000 input + 800 output tokens per task on DeepSeek V4-Pro, 2026-06-15 prices) "
             "against one RTX 4090 box with the course's default inputs: above how many tasks per day does the API "
             "cost more than the box? (course_lib.tco.break_even_tasks_per_day)",
    answer=_be,
    why=lambda: (f"About {_be():,.0f} tasks per day. Without the 4 hours a month of operations time it would be "
                 f"{_be(0):,.0f}: people's time is often the biggest line of a small box's TCO."),
    hint="break_even_tasks_per_day(Workload(), LocalBox())",
    mistakes=((lambda: _be(0), "you left out the operations hours; a box needs looking after"),),
))
_add(Exercise(
    id="05.2",
    question="Hybrid (混合架构): 1,000 tasks a day, 80% served by the RTX 4090 box and 20% sent to Claude Sonnet 4.6 "
             "as the fallback for hard tasks. What is the monthly total in CNY? (course_lib.tco.hybrid)",
    answer=lambda: _hyb(0.8),
    why=lambda: (f"¥{_hyb(0.8):,.0f} a month, against ¥{_hyb(0.0):,.0f} with every task on Sonnet: the box takes the bulk, "
                 "the strong API only the hard fifth. Check that the local model really handles that 80%."),
    hint="hybrid(Workload(), LocalBox(), 0.8, Workload(model='claude-sonnet-4-6'))['total_cny']",
    mistakes=((lambda: _hyb(0.0), "that is the bill with every task sent to Sonnet"),),
))



def _bucket(per_request_tier: bool = True) -> float:
    """A 10-request Usage API bucket on GPT-5.5 (300,000 input, 5,000 output), priced through course_lib.logs."""
    import pandas as pd

    from . import logs
    row = {"timestamp": "2026-10-28", "model": "gpt-5.5", "input_tokens": 300_000, "output_tokens": 5_000,
           "requests": 10 if per_request_tier else 1}
    return float(logs.price_rows(pd.DataFrame([row]))[0]["total_usd"].iloc[0])


def _share(model: str = "claude-sonnet-4-6") -> float:
    from . import logs
    from .data import DATA_DIR
    by = logs.bill(DATA_DIR / "own_logs" / "team_calls.csv").by("model")["total_usd"]
    return float(by[model] / by.sum())


_add(Exercise(
    id="06.1",
    question="OpenAI's Usage API gives one daily bucket on GPT-5.5: 10 requests, 300,000 input tokens in all, none "
             "cached, 5,000 output tokens. GPT-5.5 bills every token of a request above 272K input at its "
             "long-context rates. What does the bucket cost, in USD (prices of 2026-10-28)?",
    answer=lambda: _bucket(True),
    why=lambda: (f"{_usd(_bucket(True))}: ten requests of 30,000 tokens on average, far below 272K, so the base "
                 "rates apply: 300,000 × $5/M + 5,000 × $30/M. Read as one request of 300,000 tokens it would be "
                 f"{_usd(_bucket(False))}. A bucket cannot say whether one of its requests crossed the tier: "
                 "that is why lesson 06's reconciliation flags buckets of many requests."),
    hint="The tier is chosen per request: divide by the number of requests first.",
    rel_tol=0.01,
    mistakes=((lambda: _bucket(False), "you read the bucket as one request of 300,000 tokens, which crosses the "
               "272K tier; the tier applies per request"),
              (lambda: 300_000 * 5 / 1e6, "you left out the output tokens")),
))
_add(Exercise(
    id="06.2",
    question="Load the team's week (data/own_logs/team_calls.csv) with course_lib.logs.bill. What share of the "
             "week's bill is the agent's model, claude-sonnet-4-6? Answer a fraction between 0 and 1, to three decimals.",
    answer=lambda: _share(),
    why=lambda: (f"{_share():.1%}: the agent makes half of the week's calls, and every turn re-reads a growing "
                 "context, mostly from cache. It is the line to look at first, and the cache levers are already "
                 "pulled: its next lever is the model, or fewer turns."),
    hint="bill(...).by('model')['total_usd'], then divide one line by the sum.",
    rel_tol=0.002,
    mistakes=((lambda: 2800 / 5696, "that is its share of the calls, not of the bill"),
              (lambda: _share("gpt-5.5"), "that is GPT-5.5's share (the code reviews)")),
))

def _get(exercise_id: str) -> Exercise:
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        raise ValueError(f"exercise_id: unknown exercise {exercise_id!r}; known: {', '.join(EXERCISES)}") from None


def question(exercise_id: str) -> str:
    """The exercise's question."""
    return _get(exercise_id).question


def hint(exercise_id: str) -> str:
    """A hint that does not give the answer away."""
    return _get(exercise_id).hint


def solution(exercise_id: str) -> str:
    """The worked solution, with the computed answer."""
    ex = _get(exercise_id)
    return f"Answer: {ex.answer():.6g}. {ex.why()}"


def check(exercise_id: str, answer) -> Feedback:
    """Check a student's answer; the feedback explains, and names the likely mistake.

    Taught in every lesson's exercises.
    """
    ex = _get(exercise_id)
    if answer is None or answer is Ellipsis:
        return Feedback(False, f"Replace `...` with your answer. Hint: {ex.hint}")
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(False, f"Answer with a number, not {answer!r}. Hint: {ex.hint}")
    target = ex.answer()
    close = abs(value - target) <= max(ex.rel_tol * abs(target), 1e-12)
    if close:
        return Feedback(True, ex.why())
    for wrong, explanation in ex.mistakes:
        w = wrong()
        if abs(value - w) <= max(ex.rel_tol * abs(w), 1e-12):
            return Feedback(False, f"It looks like {explanation}. Hint: {ex.hint}")
    direction = "high" if value > target else "low"
    return Feedback(False, f"{value:g} is too {direction}. Hint: {ex.hint}")
