"""Checked exercises with feedback that teaches (every notebook's closing section).

Each exercise's answer is *computed* by ``course_lib`` (never typed in), and
the common wrong answers are computed too, so the feedback can say which
mistake a student most likely made.

One rule decides what counts as right, for every exercise: give at least two significant figures (three where
the question asks for them); the answer is accepted when the exact answer lies within half a unit of the last
figure you gave, so 5.1 is right for 5.09 and 3.1 for 3.12, but 5 and 3 ask for a second figure. Answers with
more than four figures are compared at four. An integer's trailing zeros count only as far as two figures (60,
140 and 100,000 are two figures; 101,600 is four). Counts of tokens are exact. A few questions also accept a
second reading of the same answer (whole cache reads: 2 for 1.11), and say so in the feedback. A string such as "2 reads" or "USD 3.11" is read for its
first number::

    from course_lib.exercises import check, hint, solution
    check("01.1", 0.04)     # ✘ ... you priced the output at the input price
    solution("01.1")        # the worked solution, when you want it
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
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
    exact: bool = False          # a count (tokens): only the exact integer is right
    figures: int = 2             # the fewest significant figures an answer must give
    mistakes: tuple = field(default_factory=tuple)  # (callable giving the wrong value, explanation)
    also: tuple = field(default_factory=tuple)      # (callable giving another right reading, explanation)


def _usd(x: float) -> str:
    return f"USD {x:.4f}"


def _v(model, i, o, cached=0, as_of=None, period="standard"):
    return cost_tokens(model, i, o, cached=cached, as_of=as_of, period=period).total_usd


def _assumption(name):
    from .levers import assumption
    return assumption(name)


def _quote(model, as_of=None, **kw):
    from .prices import quote
    return quote(model, as_of, **kw)


def _ds(when: str) -> float:
    """Exercise 01.3's V3 on DeepSeek V4-Pro with 480,000 cache hits: 'peak' or 'off-peak' on 2026-09-01, or 'june'."""
    if when == "june":
        return _v("deepseek-v4-pro", 600_000, 45_000, cached=480_000)
    return _v("deepseek-v4-pro", 600_000, 45_000, cached=480_000, as_of="2026-09-01", period=when)


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
                 f"{_usd(_v('claude-sonnet-4-6', 3200, 500))}: the same model, about "
                 f"{_v('claude-sonnet-4-6', 600_000, 45_000) / _v('claude-sonnet-4-6', 3200, 500):.0f} times the bill. "
                 "That factor is the workflow amplification (工作流放大系数)."),
    hint="Price both with course_lib.billing.cost_tokens and divide.",
    mistakes=((lambda: 600_000 / 3200, "that is the ratio of input tokens only; output is priced higher and grows "
               "less (45,000 ÷ 500) than input (600,000 ÷ 3,200)"),
              (lambda: 2.48 / 0.01, "that divides the page's rounded figures, USD 2.48 by USD 0.01; V1 is "
               "really about USD 0.017")),
))
_add(Exercise(
    id="01.1",
    question="What does V1 (3,200 input + 500 output tokens) cost on GPT-5.5 at the 2026-06-15 prices, in USD?",
    answer=lambda: _v("gpt-5.5", 3200, 500),
    why=lambda: (lambda p: f"3,200 × USD {p.input:g}/M + 500 × USD {p.output:g}/M = {_usd(3200 * p.input / 1e6)} + "
                           f"{_usd(500 * p.output / 1e6)} = {_usd(_v('gpt-5.5', 3200, 500))}.")(_quote("gpt-5.5")),
    hint="Input and output have separate prices (输入/输出分价); both are per million tokens.",
    mistakes=((lambda: 3700 * _quote("gpt-5.5").input / 1e6, "you priced the output at the input price; output costs "
               "more on GPT-5.5"),
              (lambda: 3200 * _quote("gpt-5.5").input / 1e6, "you left out the output tokens"),
              (lambda: _v("gpt-5.5", 3200, 500) * 1e3, "you divided by a thousand, not a million")),
))
_add(Exercise(
    id="01.2",
    question="V2 (automatic RAG) sends 25,000 input and 800 output tokens. On Claude Sonnet 4.6, V2's bill is "
             "how many times V1's? (The page says 9×.) Answer a number.",
    answer=lambda: _v("claude-sonnet-4-6", 25_000, 800) / _v("claude-sonnet-4-6", 3200, 500),
    why=lambda: (f"V2 is {_usd(_v('claude-sonnet-4-6', 25_000, 800))} and V1 {_usd(_v('claude-sonnet-4-6', 3200, 500))}, "
                 "so about 5.1×. The page's 9× divides its USD 0.09 by its rounded USD 0.01 for V1."),
    hint="Recompute V1 first: is it really USD 0.01?",
    mistakes=((lambda: 9.0, "that is the page's figure, which follows only from its V1 of USD 0.01"),
              (lambda: 25_000 / 3200, "that is the input-token ratio; output hardly grows from V1 to V2")),
))
_add(Exercise(
    id="01.3",
    question="V3 on DeepSeek V4-Pro with an 80% cache-hit rate (缓存命中): 600,000 input tokens of which 480,000 "
             "are cache hits, 45,000 output. What does it cost at the *peak* price on 2026-09-01, in USD?",
    answer=lambda: _v("deepseek-v4-pro", 600_000, 45_000, cached=480_000, as_of="2026-09-01", period="peak"),
    why=lambda: (lambda p: f"From 2026-08-17 DeepSeek V4-Pro costs USD {p.input:g}/M input, USD {p.cache_read:g}/M cache hit "
                           f"and USD {p.output:g}/M output at peak: 120,000 × {p.input:g} + 480,000 × {p.cache_read:g} + "
                           f"45,000 × {p.output:g}, per million = {_usd(_ds('peak'))}. Off-peak it is "
                           f"{_usd(_ds('off-peak'))}; at the June prices it was {_usd(_ds('june'))}.")(
        _quote("deepseek-v4-pro", "2026-09-01", period="peak")),
    hint="Three things decide the price: which price list applies on that date, whether the hour is peak, and "
         "that cache hits have their own price. The price book (course_lib.prices) answers all three.",
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
    exact=True,
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
    hint="Every turn is a billed request, and each request re-sends what came before it: the run's input is "
         "the sum over its turns, not the last turn's.",
    exact=True,
    mistakes=((_v3_last_input, "you took only the last turn's input; every turn is billed"),),
))
_add(Exercise(
    id="02.2",
    question="An agent re-sends its history: growing_profile(turns, 20_000, 3_000, 2_500). On Claude Sonnet 4.6 "
             "without caching, a 30-turn task costs how many times a 15-turn task? Answer a number.",
    answer=lambda: _grow(30) / _grow(15),
    why=lambda: (f"USD {_grow(30):.2f} against USD {_grow(15):.2f}: about {_grow(30) / _grow(15):.1f}×, not 2×. "
                 "Each extra turn re-sends a longer history, so cost grows roughly with the square of the turns; "
                 "a turn limit and history control (lesson 03) are cost controls."),
    hint="Price the 30-turn profile and the 15-turn profile on the same model and divide; course_lib.workflows "
         "prices a profile.",
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
    why=lambda: (f"{_est8b()}. About {_est8b().total_bytes / 2**30:.1f} GiB, not the page's 12–16 GB: an 8 GB card "
                 "is enough, with little room to spare."),
    hint="Four terms add up: the weights, the KV cache for the context, the compute buffer and the CUDA context. "
         "Give estimate() the model, context, quantisation, KV type, one sequence and flash attention off.",
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
    hint="The weights and the fixed buffers take their share of the 12 GiB first; what is left holds the KV cache, "
         "whose size per token depends on the KV type. course_lib.vram searches for the longest context that fits.",
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
    question="Claude Sonnet 4.6 charges USD 3/M input, USD 6/M for a one-hour cache write and USD 0.30/M for a cache read. "
             "How many cache reads of a prefix must follow its one-hour write before caching it has paid off?",
    answer=lambda: _reads(True),
    why=lambda: (lambda p: f"The write costs USD {p.cache_write_1h - p.input:.2f}/M more than plain input; each read saves "
                           f"USD {p.input - p.cache_read:.2f}/M: {_reads(True):.2f} reads, so two reads within the hour. A "
                           f"five-minute write (USD {p.cache_write:.2f}/M) pays back after {_reads(False):.2f} of a read: one "
                           "reuse is enough, if it comes within five minutes.")(_quote("claude-sonnet-4-6")),
    hint="Writing costs more than plain input; every read costs less. How many reads' savings cover the write's "
         "extra cost?",
    mistakes=((lambda: _reads(False), "that is the five-minute cache write (USD 3.75/M), not the one-hour one (USD 6/M)"),),
    also=((lambda: math.ceil(_reads(True)), "reads come whole, so the break-even of 1.11 reads means two reads"),),
))
_add(Exercise(
    id="03.2",
    question="On the course's task set, what per cent of the baseline's daily bill does output control "
             "(lever 3) save when applied alone? (course_lib.levers.alone)",
    answer=lambda: _alone("3 output control"),
    why=lambda: (f"{_alone('3 output control'):.1f}% alone. In the source's order it saves "
                 f"{_step('3 output control'):.1f}% of the baseline, because routing and context control came first: "
                 "a lever's saving depends on what was applied before it. Thinking at "
                 f"{_assumption('thinking_tokens'):,} tokens a call on a USD {_quote('gpt-5.5').output:g}/M output price is "
                 "why it ranks first here."),
    hint="Apply only lever 3 to the baseline and compare the two daily bills; course_lib.levers has a function "
         "that does this for each lever on its own.",
    mistakes=((lambda: _step("3 output control"), "that is its step in the source's order, after routing and context control"),),
))


def _be(ops=None, model="deepseek-v4-flash"):
    from .tco import LocalBox, Workload, break_even_tasks_per_day
    box = LocalBox() if ops is None else LocalBox(ops_hours_month=ops)
    return break_even_tasks_per_day(Workload(model=model), box)


def _box_capacity() -> float:
    """Tasks a day one default RTX 4090 box serves with qwen2.5-14b at the lesson's latency target (notebook 05)."""
    from .tco import LocalBox, Workload, box_curve, capacity_at_slo, default_slo
    return capacity_at_slo(box_curve(LocalBox(), "qwen2.5-14b", Workload()), *default_slo())["capacity_tasks_per_day"]


def _hyb(share):
    from .tco import LocalBox, Workload, hybrid
    return hybrid(Workload(), LocalBox(), share, Workload(model="claude-sonnet-4-6"), local_model="qwen2.5-14b",
                  capacity_tasks_per_day=_box_capacity())["total_cny"]


def _hyb_no_capacity(share):
    from .tco import LocalBox, Workload, hybrid
    return hybrid(Workload(), LocalBox(), share, Workload(model="claude-sonnet-4-6"))["total_cny"]


_add(Exercise(
    id="05.1",
    question="At equal capability: the default workload (25,000 input + 800 output tokens per task, 2026-06-15 "
             "prices) on DeepSeek V4-Flash, the API model of the 14B class one RTX 4090 box runs, against that box "
             "with the course's default inputs: above how many tasks per day does the API cost more than the box? "
             "(course_lib.tco.break_even_tasks_per_day)",
    answer=_be,
    why=lambda: (f"About {_be():,.0f} tasks per day. Without the 4 hours a month of operations time it would be "
                 f"{_be(0):,.0f}: people's time is often the biggest line of a small box's TCO. And one box serves "
                 f"only about {_box_capacity():,.0f} reviews a day at the lesson's latency target, so on working-day "
                 "traffic the break-even is never reached: capacity before cost."),
    hint="The box costs the same every month whatever it serves; the API bill grows with every task. Find the "
         "volume where the two monthly costs meet (course_lib.tco has the function, with the course's defaults).",
    mistakes=((lambda: _be(0), "you left out the operations hours; a box needs looking after"),
              (lambda: _be(model="deepseek-v4-pro"), "that is against V4-Pro, a much stronger model than the 14B "
                                                      "the box runs: not equal capability")),
))
_add(Exercise(
    id="05.2",
    question="Hybrid (混合架构): 1,000 tasks a day, 80% meant for one RTX 4090 box running qwen2.5-14b and 20% sent to "
             "Claude Sonnet 4.6 as the fallback for hard tasks; what the box cannot serve at the lesson's latency "
             "target also goes to Sonnet. What is the monthly total in CNY? (course_lib.tco.hybrid with local_model "
             "and the box's capacity at the target)",
    answer=lambda: _hyb(0.8),
    why=lambda: (f"¥{_hyb(0.8):,.0f} a month, against ¥{_hyb(0.0):,.0f} with every task on Sonnet. The box serves "
                 f"{_box_capacity():,.0f} of the 800 tasks a day meant for it at the target; the rest overflows to "
                 "Sonnet with the hard fifth. Check that the local model really handles its share."),
    hint="The box's monthly cost does not shrink with the share it serves, and it serves no more than its capacity "
         "at the target; the fallback's API bill covers every task the box does not. Add the two "
         "(course_lib.tco prices a hybrid).",
    mistakes=((lambda: _hyb(0.0), "that is the bill with every task sent to Sonnet"),
              (lambda: _hyb_no_capacity(0.8), "that counts all 800 tasks a day as served by one box; at the latency "
                                               "target it serves fewer, and the rest go to Sonnet")),
))



def _bucket(per_request_tier: bool = True) -> float:
    """A 10-request Usage API bucket on GPT-5.5 (300,000 input, 5,000 output), priced through course_lib.logs."""
    import pandas as pd

    from . import logs
    row = {"timestamp": "2026-10-28", "model": "gpt-5.5", "input_tokens": 300_000, "output_tokens": 5_000,
           "requests": 10 if per_request_tier else 1}
    return float(logs.price_rows(pd.DataFrame([row]))[0]["total_usd"].iloc[0])


def _logged_day() -> float:
    """The day of exercise 06.1 priced request by request through course_lib.logs: one of 291,000 input tokens and
    nine of 1,000, each with 500 output tokens."""
    import pandas as pd

    from . import logs
    sizes = [291_000] + [1_000] * 9
    rows = [{"timestamp": "2026-10-28", "model": "gpt-5.5", "input_tokens": n, "output_tokens": 500, "requests": 1}
            for n in sizes]
    return float(logs.price_rows(pd.DataFrame(rows))[0]["total_usd"].sum())


def _share(model: str = "claude-sonnet-4-6") -> float:
    from . import logs
    from .data import DATA_DIR
    by = logs.bill(DATA_DIR / "own_logs" / "team_calls.csv").by("model")["total_usd"]
    return float(by[model] / by.sum())


_add(Exercise(
    id="06.1",
    question="OpenAI's Usage API gives one daily bucket on GPT-5.5: 10 requests, 300,000 input tokens in all, none "
             "cached, 5,000 output tokens. Your own request log for the day shows what the bucket hides: one "
             "request of 291,000 input tokens and nine of 1,000, each with 500 output tokens. GPT-5.5 bills every "
             "token of a request above 272K input at its long-context rates. What did the day cost, in USD "
             "(prices of 2026-10-28)?",
    answer=_logged_day,
    why=lambda: (f"{_usd(_logged_day())}: the 291,000-token request crosses 272K, so all of it is billed at the "
                 "long-context rates, and the nine small ones at the base rates. Priced as ten equal requests of "
                 f"30,000 the bucket would be {_usd(_bucket(True))}; as one request of 300,000, {_usd(_bucket(False))}. "
                 "The bucket alone cannot say which: that is why lesson 06's reconciliation flags buckets of many "
                 "requests, and why a request log is worth keeping."),
    hint="The tier is chosen request by request: price the big request and the nine small ones apart.",
    mistakes=((lambda: _bucket(True), "you priced the bucket as ten equal requests of 30,000 tokens; the log "
               "shows one request above 272K"),
              (lambda: _bucket(False), "you read the bucket as one request of 300,000 tokens; only one of its "
               "ten requests crossed the tier"),
              (lambda: 291_000 * 10 / 1e6 + 9 * 1_000 * 5 / 1e6, "you left out the output tokens")),
))
_add(Exercise(
    id="06.2",
    question="Load the team's week (data/own_logs/team_calls.csv) with course_lib.logs.bill. What share of the "
             "week's bill is the agent's model, claude-sonnet-4-6? Answer a fraction between 0 and 1, to three "
             "significant figures.",
    answer=lambda: _share(),
    why=lambda: (f"{_share():.1%}: the agent makes half of the week's calls, and every turn re-reads a growing "
                 "context, mostly from cache. It is the line to look at first, and the cache levers are already "
                 "pulled: its next lever is the model, or fewer turns."),
    hint="Group the week's bill by model; the agent's line over the whole bill is its share.",
    figures=3,  # its share of the calls differs in the third figure
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


def _number(answer) -> float:
    """The learner's answer as a number: a number, or the first number in a string ("2 reads", "USD 3.11")."""
    if isinstance(answer, str):
        m = re.search(r"[-+]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?", answer)
        if m is None:
            raise ValueError(answer)
        return float(m.group().replace(",", ""))
    if isinstance(answer, bool):
        raise ValueError(answer)
    return float(answer)


def _figures(value: float) -> tuple[int, float]:
    """How many significant figures ``value`` gives, and half a unit of its last figure. An integer's trailing zeros
    count only as far as two figures (60 and 140 are two figures, 100,000 too; 101,600 is four); a decimal gives the
    figures of its shortest repr (0.031 is two)."""
    if value == 0:
        return 1, 0.5
    if value.is_integer() and abs(value) < 1e15:
        digits = str(int(abs(value)))
        figures = max(len(digits.rstrip("0")), min(2, len(digits)))
        return figures, 0.5 * 10.0 ** (len(digits) - figures)
    d = Decimal(repr(abs(value))).normalize()
    return len(d.as_tuple().digits), 0.5 * 10.0 ** d.as_tuple().exponent


def _rounds_to(value: float, target: float) -> bool:
    """True when ``target`` lies within half a unit of ``value``'s last figure, compared at four figures at most."""
    _, half = _figures(value)
    at_four = 0.5 * 10.0 ** (math.floor(math.log10(abs(target))) - 3) if target else 0.0
    return abs(value - target) <= max(half, at_four) * (1 + 1e-9)


def check(exercise_id: str, answer) -> Feedback:
    """Check a student's answer; the feedback explains, and names the likely mistake (the rule: module docstring).

    Taught in every lesson's exercises.
    """
    ex = _get(exercise_id)
    if answer is None or answer is Ellipsis:
        return Feedback(False, f"Replace `...` with your answer. Hint: {ex.hint}")
    try:
        value = _number(answer)
    except (TypeError, ValueError):
        return Feedback(False, f"Answer with a number, not {answer!r}. Hint: {ex.hint}")
    target = ex.answer()
    if ex.exact and value == target:
        return Feedback(True, ex.why())
    for other, reading in ex.also:
        if value == other():
            return Feedback(True, f"Yes: {reading}. {ex.why()}")
    mistakes = [(wrong(), explanation) for wrong, explanation in ex.mistakes]
    for w, explanation in mistakes:  # the mistake's own value, as a learner who made it would type it
        if value == w:
            return Feedback(False, f"It looks like {explanation}. Hint: {ex.hint}")
    if not ex.exact:
        figures = _figures(value)[0]
        if figures < ex.figures:
            word = {2: "two", 3: "three"}.get(ex.figures, str(ex.figures))
            return Feedback(False, f"Give at least {word} significant figures: {value:g} gives {figures}.")
        if _rounds_to(value, target):
            return Feedback(True, ex.why())
        for w, explanation in mistakes:
            if _rounds_to(value, w):
                return Feedback(False, f"It looks like {explanation}. Hint: {ex.hint}")
    direction = "high" if value > target else "low"
    if not ex.exact and abs(value - target) <= 0.05 * abs(target):
        return Feedback(False, f"Close, but {value:g} is a little too {direction}: the exact answer does not round to "
                               "it. Check your rounding, or give one more figure.")
    return Feedback(False, f"{value:g} is too {direction}. Hint: {ex.hint}")
