# %% [markdown]
# # 01 · Token billing: how one call becomes a bill
#
# **After this lesson you will be able to**
#
# - read a dated price book and say where each price comes from;
# - price a call from its input and output tokens, with prompt caching, long-context tiers and batch;
# - read `usage` from any provider's response in code, cached tokens included, and price it;
# - say why the same task costs different amounts on different dates, and in USD or CNY;
# - reproduce the source page's V1 / V2 / V3 figures, and show where the page is off.
#
# Everything is computed by `course_lib` from the files in `data/`; no figure below is typed in by hand.
#
# **Words used throughout.** A **token** (Token) is the unit a model reads and writes: a word, part of a
# word, or a few characters, as the model's tokenizer cuts the text; APIs meter and bill tokens (Token
# 计量). **Input** (输入) is everything sent with a request, **output** (输出) everything the model writes
# back, including its hidden **reasoning** or thinking tokens (思考 token), which are billed as output. A
# **cache hit** (缓存命中) is input the provider recognises from a recent request and bills at a lower price.

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from course_lib import billing, money, plots, prices, usage
from course_lib.billing import cost_tokens

pd.set_option("display.width", 120)
pd.set_option("display.max_colwidth", None)  # never cut a source or a reason short
print("prices as of", prices.DEFAULT_AS_OF, "from genai-prices", prices.GENAI_PRICES_VERSION)

# %% [markdown]
# ## 1. A dated price book
#
# Prices change, so every price here has a date. The course's default date is **2026-06-15**, the month
# of the source page's price snapshot (价格快照). Prices come from
# [genai-prices](https://pypi.org/project/genai-prices/), which bundles a dated price history offline,
# and from `data/course_prices.csv` for the two models it lacks. All prices are USD per million tokens.

# %%
prices.price_table()[["provider", "input", "output", "cache_read", "cache_write", "long_context_above", "source"]]

# %% [markdown]
# The source page printed its own table. Here it is beside the price book; `check` says whether the
# book's price falls in the page's range, with no tolerance. Two rows are no check at all: the book has
# no other source for Qwen3.5-Plus and Kimi K2.7 than the page itself, and says so.

# %%
prices.source_page_table()

# %% [markdown]
# ## 2. Input and output are priced apart (输入/输出分价)
#
# Output costs more than input: generating a token is sequential work, reading one is not. How much more depends
# on the provider:

# %%
table = prices.price_table()
ratio = (table["output"] / table["input"]).rename("output ÷ input")
display(ratio.round(1).to_frame().T)
display(Markdown(f"On the price book's models output costs **{ratio.min():.1f}–{ratio.max():.1f}×** input: "
                 f"{ratio.idxmin()} the least, {ratio.idxmax()} the most. (Rules of thumb such as \"3–8×\" do not "
                 "hold for every provider: price output with each model's own rate.)"))

# %%
plots.price_bars()
plt.show()

# %% [markdown]
# ## 3. Everything you send is input (全部 prompt 计 Input)
#
# The system prompt, the conversation history, retrieved documents (RAG), tool results and even the
# JSON schemas of the tools are all input tokens, billed on **every** call. Here is one agent turn,
# with sizes assumed for illustration (lesson 02 measures real ones):

# %%
turn = pd.Series({
    "system prompt": 1_500,
    "tool schemas": 2_500,
    "conversation history": 24_000,
    "retrieved files (RAG)": 8_000,
    "tool results fed back": 4_000,
}, name="input tokens (assumed)")
price = prices.quote("claude-sonnet-4-6")
per_part = (turn * price.input / 1e6).rename("USD on Sonnet 4.6")
pd.concat([turn, per_part.round(5)], axis=1)

# %%
b = cost_tokens("claude-sonnet-4-6", int(turn.sum()), 3_000)
print(b)

# %% [markdown]
# ## 4. Prompt caching (缓存命中)
#
# When the start of a prompt repeats a recent request exactly (a *stable prefix*), providers bill those
# tokens at a **cache-read** price (the ratios are printed below). Anthropic also charges a **cache write**
# for the tokens it stores: 125% of input for its default five-minute cache, 200% for a one-hour cache.
# Two rules decide whether a prefix is cached at all:
#
# - a **minimum length**: a prefix shorter than the provider's minimum is never cached, so a 600-token system
#   prompt is never a hit. The minimum differs by provider and model, and the pages change; each rule below
#   with its source and the date the course read it (`data/cache_rules.csv`);
# - a **lifetime**: the entry lives about five minutes after its last use (Anthropic refreshes it on every
#   hit; the one-hour cache costs more to write; OpenAI offers a 24-hour retention), so a workload with gaps
#   longer than that pays again.

# %%
rules = pd.DataFrame(prices.data_rows("cache_rules.csv"))
rules.assign(model=rules["model"].replace("", "(others)")).set_index(["provider", "model"])

# %% [markdown]
# An agent is billed turn by turn, so the curve prices **15 turns of 40K input and 3K output** (the page's
# V3). The first turn finds nothing in the cache; each later turn reads the chosen share of its input from it
# and, on Claude, writes the rest for the next turn. Each model's dashed line is the same task with caching off:

# %%
for m in ("claude-sonnet-4-6", "gpt-5.5", "deepseek-v4-pro"):
    p = prices.quote(m)
    print(f"{m:18} cache read {p.cache_read / p.input:.1%} of input"
          + (f", cache write {p.cache_write / p.input:.0%}" if p.cache_write else ", no write charge"))
plots.cache_hit_curve(15, 40_000, 3_000, ["claude-sonnet-4-6", "gpt-5.5", "deepseek-v4-pro", "deepseek-v4-flash"])
plt.show()

# %%
off, zero, high = (plots.cache_hit_cost(15, 40_000, 3_000, "claude-sonnet-4-6", r) for r in (None, 0.0, 0.9))
display(Markdown(f"On Claude Sonnet 4.6, caching with **no hits** costs {money.md(zero)} against {money.md(off)} "
                 f"with caching off: every write pays the premium and nothing is read back. Caching pays only once "
                 f"hits come: at 90% from turn 2 the task costs {money.md(high)}. Providers without a write charge "
                 "(OpenAI, DeepSeek) cost the same as caching off at 0% hits."))

# %% [markdown]
# ## 5. Long-context tiers (长上下文阶梯价)
#
# Some prices depend on the size of the *whole request* (阶梯价). GPT-5.5 has two tiers: up to a threshold
# of input tokens one price per million, and one token more bills **every** token of the request at the
# higher price. Domestic Chinese platforms commonly tier by context length too (Qwen below).

# %%
p55 = prices.quote("gpt-5.5")
limit, high = p55.tiers[0]
display(Markdown(f"GPT-5.5 charges {money.md(p55.input, 0)} / {money.md(p55.output, 0)} per million up to "
                 f"{limit:,} input tokens, and {money.md(high['input'], 0)} / {money.md(high['output'], 0)} for "
                 "every token of a longer request."))
for n in (272_000, 272_001):
    print(f"{n:,} input + 2,000 output on gpt-5.5: {money.fmt(cost_tokens('gpt-5.5', n, 2_000).total_usd)}")

# %%
plots.long_context_cliff()
plt.show()

# %% [markdown]
# **A domestic model tiers too.** Qwen3.5-Plus bills by input length. The one dated, versioned record of its
# tiers the course can cite is OpenRouter's listing of Alibaba's model as genai-prices records it (USD, from
# 2026-10-19); Alibaba Cloud's own domestic tiers, in CNY, are not in a versioned dataset here, so the source
# page's warning stands: check the vendor's page before relying on a Qwen price.

# %%
qwen = prices.quote("qwen/qwen3.5-plus-02-15", "2026-11-01", provider="openrouter")
q_limit, q_high = qwen.tiers[0]
below, above = (cost_tokens(qwen, n, 2_000).total_usd for n in (q_limit, q_limit + 1))
display(Markdown(f"Qwen3.5-Plus (via OpenRouter, {qwen.source}) charges {money.md(qwen.input, 3)} / "
                 f"{money.md(qwen.output, 2)} per million up to {q_limit:,} input tokens and "
                 f"{money.md(q_high['input'], 3)} / {money.md(q_high['output'], 2)} for every token of a longer "
                 f"request: {q_limit:,} input + 2,000 output costs {money.md(below)}, one token more "
                 f"{money.md(above)} (+{above / below - 1:.0%}). GPT-5.5's step at {limit:,} doubles the input "
                 f"price; Qwen's at {q_limit:,} raises it by {q_high['input'] / qwen.input - 1:.0%}."))

# %% [markdown]
# ## 6. Batch (~50% off)
#
# Work that can wait hours (nightly reviews, evaluations, back-fills) can go through a batch API at about
# half price. genai-prices carries batch prices from 2026-10-14; before that the course applies each
# provider's published discount (`data/batch_discounts.csv`). DeepSeek has no batch API, and the book
# says so rather than inventing a price.

# %%
for model in ("gpt-5.5", "claude-sonnet-4-6", "gemini-2.5-flash-lite"):
    p = prices.quote(model, batch=True)
    print(f"{model:24} batch {p.input:>6} / {p.output:>6} USD per M\n    source: {p.source.split('; ')[-1]}")
try:
    prices.quote("deepseek-v4-pro", batch=True)
except ValueError as e:
    print("deepseek-v4-pro:", e)

# %% [markdown]
# ## 7. Reading `usage` in code, cached tokens included
#
# The source page reads usage like this (JavaScript, OpenAI's shape):
#
# ```js
# const u = response.usage;
# const cost =
#   (u.prompt_tokens - (u.prompt_tokens_details?.cached_tokens ?? 0)) * inputPrice +
#   (u.prompt_tokens_details?.cached_tokens ?? 0) * cachedPrice +
#   u.completion_tokens * outputPrice;
# metrics.record('llm.cost_usd', cost, { model, feature: 'code-review' });
# ```
#
# That formula is right for OpenAI's chat shape, and wrong as soon as a provider puts its counts
# somewhere else or defines them differently. Providers disagree on the shape;
# `course_lib.usage.normalize` turns any of them into one record where `input_tokens` always includes
# the cached tokens and `output_tokens` the thinking tokens (思考 token). It detects the shape from the
# whole body, refuses a body that two shapes would read differently, and keeps a count the body does
# not give as **not reported**, never as zero. Here are the bodies in `data/responses/`, each labelled
# by what it is: recorded from real traffic, recorded here from a local server, a test fixture from
# genai-prices' unit tests (written by hand, not traffic), a vendor's example, or shaped after a vendor's
# documentation.

# %%
import json
from pathlib import Path

recs = {p.stem: json.loads(p.read_text()) for p in sorted(Path("../data/responses").glob("*.json"))}
table = usage.usage_table({name: usage.normalize(r["body"]) for name, r in recs.items()})
SHORT = {"recorded (real traffic)": "real traffic", "recorded here (real local server)": "local server",
         "test fixture": "test fixture", "vendor documentation example": "vendor example",
         "shaped after vendor documentation": "doc-shaped"}
table.insert(0, "what it is", [next(v for k, v in SHORT.items() if recs[n]["kind"].startswith(k)) for n in table.index])
table

# %% [markdown]
# The rules behind each column are the providers' own, cited beside the code in `course_lib/usage.py`.
# The same library is checked against **1,577 bodies recorded from real provider traffic**
# (genai-prices' dataset, copied with its MIT licence to `data/usage_dataset/`): every body is read, and
# every reading agrees with genai-prices' own extraction or falls under a documented rule that names the
# provider document deciding who is right:

# %%
import csv
with open("../data/usage_dataset/disagreements.csv", encoding="utf-8") as fh:
    rules = pd.DataFrame(csv.DictReader(line for line in fh if not line.startswith("#")))
rules[["rule", "bodies", "right", "source"]].set_index("rule")

# %% [markdown]
# ### Four traps, on real bodies
#
# **Trap 1: Anthropic keeps the cache outside `input_tokens`.** This Claude call (recorded traffic)
# sent 21,023 input tokens: 6 uncached, 20,443 read from the cache (缓存命中), 574 written to it.
# The page's OpenAI-style formula reads `input_tokens` and sees 6:

# %%
u = usage.normalize(recs["anthropic_thinking"]["body"])
p = prices.quote("claude-sonnet-4-6")
naive = (u.uncached_input_tokens * p.input + u.output_tokens * p.output) / 1e6
right = billing.cost(u, p)
print(f"input tokens: naive {u.uncached_input_tokens:,}, normalised {u.input_tokens:,}")
print(f"naive bill {money.fmt(naive, digits=6)}, right bill {money.fmt(right.total_usd, digits=6)} "
      f"({right.total_usd / naive:.1f}x)")

# %% [markdown]
# **Trap 2: cache writes inside `prompt_tokens`.** OpenAI's newer models (and OpenRouter) report
# the tokens written to the cache in `prompt_tokens_details.cache_write_tokens`, *inside*
# `prompt_tokens`. A reader that knows only `cached_tokens` bills them as plain input; where the
# provider charges a write premium (Anthropic models behind OpenRouter: 1.25× input) that is an
# under-bill. The recorded body:

# %%
w = usage.normalize(recs["openai_chat_cache_write"]["body"])
print(f"{w.model}: prompt_tokens {w.input_tokens:,} of which written to the cache {w.cache_write_tokens:,}, "
      f"read {w.cache_read_tokens:,}, uncached {w.uncached_input_tokens:,}")
print(billing.cost(w, "claude-sonnet-4-6"))

# %% [markdown]
# **Trap 3: in a stream, usage comes once, at the end, or cumulatively.** OpenAI sends usage only on
# the last chunk and only if the request set `stream_options={"include_usage": True}`; Anthropic sends
# input and cache counts in `message_start` and a *cumulative* output count in each `message_delta`;
# Gemini repeats its cumulative `usageMetadata` on every chunk. Summing chunks double-counts; reading
# the first misses the output. `normalize_stream` applies each provider's rule, and refuses a stream cut
# short (a dropped connection, a timeout) that lacks its provider's final usage event: the counts so far
# are only a lower bound, which the error carries, labelled as one:

# %%
for name in ("openai_chat_stream", "anthropic_stream_cached", "gemini_stream"):
    s = usage.normalize_stream(recs[name]["body"])
    print(f"{name:24} {len(recs[name]['body'])} events -> input {s.input_tokens:,}, output {s.output_tokens:,}")
try:
    usage.normalize_stream(recs["openai_chat_stream"]["body"][:-1])
except ValueError as e:
    print("without the last chunk:", e)
real = recs["anthropic_stream_recorded"]["body"]  # a real recorded Claude stream
print(f"anthropic_stream_recorded {len(real)} events -> output {usage.normalize_stream(real).output_tokens:,}")
try:
    usage.normalize_stream(real[:1])
except usage.IncompleteStreamError as e:
    print("cut after message_start:", e)

# %% [markdown]
# **Thinking is output.** A reasoning model's hidden thinking (思考 token) is billed at the output price
# even though you never see it; Gemini reports it beside the visible output, OpenAI and Anthropic inside it.
# This recorded Gemini call wrote 89 visible tokens and thought for 167:

# %%
g = usage.normalize(recs["gemini_cached"]["body"])
gp = prices.quote("gemini-2.5-flash")
thinking_usd = g.reasoning_tokens * gp.output / 1e6
print(f"output {g.output_tokens} tokens, of which thinking {g.reasoning_tokens} ({g.reasoning_tokens / g.output_tokens:.0%})")
print(f"on gemini-2.5-flash the thinking costs {money.fmt(thinking_usd, digits=6)} of the call's "
      f"{money.fmt(billing.cost(g, gp).total_usd, digits=6)}")

# %% [markdown]
# **Trap 4: "not reported" is not zero.** Ollama reports no cache and no thinking count, even for a
# thinking model. The bill prices what it cannot see as 0 and says so, instead of pretending:

# %%
o = usage.normalize(recs["ollama_chat"]["body"])
print("reasoning tokens:", o.reasoning_tokens, "| not reported:", o.unreported)
print(billing.cost(o, "gpt-5.5"))

# %% [markdown]
# And where two shapes fit one body and would bill it differently, the library asks instead of guessing:

# %%
both = {"usage": {"input_tokens": 100, "output_tokens": 5, "cache_read_input_tokens": 50,
                  "input_tokens_details": {"cached_tokens": 50}}}
try:
    usage.normalize(both)
except usage.AmbiguousShapeError as e:
    print(e)
print("told the provider:", usage.normalize(both, provider="anthropic").input_tokens, "input tokens")

# %% [markdown]
# The Python counterpart of the page's snippet, for any provider:

# %%
from course_lib.meter import CostMeter

body = recs["anthropic_messages"]["body"]
u = usage.normalize(body)                 # Anthropic: 504 uncached + 123 written to the cache
bill = billing.cost(u, "claude-sonnet-4-6")
print(bill)

meter = CostMeter()
meter.record(u, "claude-sonnet-4-6", feature="code-review", task="PR-42")
meter.metrics.frame()

# %% [markdown]
# Two more traps the normaliser closes:
#
# - **DeepSeek reports cache hits twice**, as `prompt_cache_hit_tokens` and as
#   `prompt_tokens_details.cached_tokens`. Adding both double-counts.
# - **Handing the wrong object to a pricing library can silently price a call at zero dollars.**
#   genai-prices reads usage by attribute name; given OpenAI's raw usage dict it finds no
#   `input_tokens` and returns zero without complaint. `course_lib` refuses instead:

# %%
from genai_prices import calc_price

raw = recs["openai_chat"]["body"]["usage"]
print("genai-prices on the raw dict:", calc_price(raw, "gpt-4o").total_price, "USD  <- silently zero")
print("course_lib:", money.fmt(billing.cost(usage.normalize(raw), "gpt-4o").total_usd))
try:
    billing.cost(raw, "gpt-4o")
except ValueError as e:
    print("course_lib on the raw dict:", e)

# %% [markdown]
# ## 8. Dates and currencies
#
# DeepSeek changed its prices on **2026-08-17** and introduced peak and off-peak prices (Beijing
# 09:00–12:00 and 14:00–18:00 are peak). The same V3 task, with 80% cache hits:

# %%
ds_v3 = {}
for as_of, period in [("2026-06-15", "standard"), ("2026-08-20", "off-peak"), ("2026-08-20", "peak")]:
    b = cost_tokens("deepseek-v4-pro", 600_000, 45_000, cached=480_000, as_of=as_of, period=period)
    ds_v3[period] = b.total_usd
    print(f"{as_of} {period:9} {money.both(b.total_usd, as_of)}")
print(f"June → off-peak: {ds_v3['off-peak'] / ds_v3['standard']:.1f}x; June → peak: "
      f"{ds_v3['peak'] / ds_v3['standard']:.1f}x; off-peak → peak: {ds_v3['peak'] / ds_v3['off-peak']:.1f}x")

# %%
plots.price_timeline("deepseek-v4-pro", "2026-07-01", "2026-10-01", 600_000, 45_000, cached=480_000)
plt.show()

# %% [markdown]
# Money is shown in USD and CNY. The rate is dated and sourced (`data/fx_rates.csv`), and you can pass
# your own:

# %%
v3_page = 15 * cost_tokens("claude-sonnet-4-6", 40_000, 3_000).total_usd  # the page's V3: 15 turns of 40K in, 3K out
print(money.fx_rate())
print(f"V3 on Sonnet ({money.fmt(v3_page)}) at the course rate:", money.fmt(v3_page, "CNY"))
print("at a rate of your own, 7.25:", money.fmt(v3_page, "CNY", rate=7.25))

# %% [markdown]
# ## 9. The source page's figures, recomputed
#
# The page quotes four bills. Recomputed from the price book at its own prices:

# %%
figs = pd.read_csv("../data/source_page_figures.csv")
rows = []
for f in figs.itertuples():
    b = cost_tokens(f.model, f.input_tokens, f.output_tokens, cached=int(f.input_tokens * f.cache_hit_rate))
    page = f"USD {f.page_usd_low}" if f.page_usd_low == f.page_usd_high else f"USD {f.page_usd_low}–{f.page_usd_high}"
    rows.append({"case": f.case, "model": f.model, "page says": page, "recomputed USD": round(b.total_usd, 4),
                 "recomputed CNY": round(b.total("CNY"), 3)})
pd.DataFrame(rows)

# %%
v1 = cost_tokens("claude-sonnet-4-6", 3_200, 500).total_usd
v2 = cost_tokens("claude-sonnet-4-6", 25_000, 800).total_usd
print(f"V1 = {money.fmt(v1)}, not $0.01: the page is {1 - 0.01 / v1:.0%} low")
print(f"V2 / V1 = {v2 / v1:.1f}x, not 9x: the 9x divides $0.09 by the rounded $0.01")

# %% [markdown]
# **Where the page is off, and why** (every figure below is computed in the cell, not typed):

# %%
sonnet = prices.quote("claude-sonnet-4-6")
v3 = v3_page
ds = {(d, per): cost_tokens("deepseek-v4-pro", 600_000, 45_000, cached=480_000, as_of=d, period=per).total_usd
      for d, per in [("2026-06-15", "standard"), ("2026-08-20", "off-peak"), ("2026-08-20", "peak")]}
display(Markdown(f"""
- V1 is **{money.md(v1)}**, not "about USD 0.01": 3,200 × {money.md(sonnet.input, 0)}/M =
  {money.md(3_200 * sonnet.input / 1e6)} of input plus 500 × {money.md(sonnet.output, 0)}/M =
  {money.md(500 * sonnet.output / 1e6)} of output. Rounding it to a cent hides {1 - 0.01 / v1:.0%} of the bill.
- So V2 is about **{v2 / v1:.0f}×** V1, not 9×. The 9× follows only from the rounded V1.
- V3 at **{money.md(v3, 3)}** is right.
- DeepSeek V4-Pro at 80% cache hits was **{money.md(ds[("2026-06-15", "standard")], 3)}** at the June prices,
  inside the page's USD 0.09–0.12. From 2026-08-17 it is **{money.md(ds[("2026-08-20", "off-peak")], 3)} off-peak
  and {money.md(ds[("2026-08-20", "peak")], 3)} peak**: check the date of any price you quote.
"""))

# %% [markdown]
# ## 10. Cost per task, not per token
#
# A price per million tokens says little about a feature. What a product owner needs is the cost of a
# *task* (one review, one ticket), which is what the meter groups by:

# %%
meter = CostMeter(thresholds={"task": 1.00})
meter.record(usage.Usage(3_200, 500), "claude-sonnet-4-6", feature="code-review", task="PR-1 (chat)")
meter.record(usage.Usage(25_000, 800), "claude-sonnet-4-6", feature="code-review", task="PR-2 (RAG)")
for _ in range(15):
    meter.record(usage.Usage(40_000, 3_000), "claude-sonnet-4-6", feature="code-review", task="PR-3 (agent)")
meter.per_task()[["calls", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "cost_usd"]]

# %%
for alert in meter.alerts:
    print(alert)

# %% [markdown]
# ## Recap

# %%
ratios = prices.price_table()
ratios = (ratios["output"] / ratios["input"])


def cache_discount(as_of):
    """The largest input ÷ cache-read ratio among the price book's models on a date."""
    return max(p.input / p.cache_read for p in (prices.quote(m, as_of) for m in prices.SOURCE_PAGE_MODELS)
               if p.cache_read)


display(Markdown(f"""
- A bill is input tokens × input price + output tokens × output price, with cached tokens at the
  cache-read price (缓存命中) and cache writes at the write price, at the rates of the request's tier.
- Everything sent is input, on every call: system prompt, history, RAG context, tool results, tool schemas.
- Output costs {ratios.min():.1f}–{ratios.max():.1f}× input on the price book's models; caching makes repeated
  prefixes up to {cache_discount("2026-06-15"):.0f}× cheaper at the June prices ({cache_discount("2026-08-20"):.0f}×
  after DeepSeek's change of 2026-08-17), and costs more than no caching where writes are billed and nothing is
  read back; batch halves the bill.
- Prices have dates: from 2026-08-17 DeepSeek V4-Pro's V3 task costs {ds_v3["off-peak"] / ds_v3["standard"]:.1f}× its
  June price off-peak and {ds_v3["peak"] / ds_v3["standard"]:.1f}× at peak. Quote a price with its date and source.
- Read `usage` from the response, normalise it (Anthropic counts cache apart; DeepSeek reports it twice; a
  count the body does not give is *not reported*, not zero), and track cost per task.
- The page's V1 is {money.md(v1)} (not USD 0.01), so V2 is {v2 / v1:.0f}× V1 (not 9×); V3 is {money.md(v3, 3)}.
"""))

# %% [markdown]
# ## Exercises
#
# Replace `...` with your answer. `hint(id)` gives a hint; `solution(id)` the worked answer.

# %%
from course_lib.exercises import check, hint, question, solution

print(question("01.1"))
check("01.1", ...)

# %%
print(question("01.2"))
check("01.2", ...)

# %%
print(question("01.3"))
check("01.3", ...)

# %%
print(question("01.4"))
check("01.4", ...)

# %% [markdown]
# A wrong answer gets feedback about the likely mistake. For instance, pricing GPT-5.5's output at the
# input price:

# %%
check("01.1", 3_700 * 5 / 1e6)
