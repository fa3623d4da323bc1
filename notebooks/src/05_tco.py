# %% [markdown]
# # 05 · API versus local: total cost of ownership and break-even
#
# **After this lesson you will be able to**
#
# - compute a monthly API bill from a workload at a dated price, with caching, batch and peak shares;
# - compute a local box's monthly TCO (total cost of ownership, 总拥有成本) from hardware, power, hosting and
#   operations, each input with a source;
# - read a measured curve of throughput against concurrency, and take a box's **capacity** from it at a latency
#   target (time to first token, time per output token), sized for the peak hour, not the daily average;
# - find the break-even (回本点) at equal capability *and* equal latency, as a verdict that depends on the traffic and
#   says how many boxes it needs; set an owned box beside a GPU rented by the hour;
# - work through the source page's RTX 4090 example: reconstruct its ¥570 a month and resolve its contradiction.
#
# The source page's rule: consider a proof of concept when 月 API 费用 > 月 TCO(本地 + 运维 + 电费).

# %%
import matplotlib.pyplot as plt
import pandas as pd

from course_lib import money, plots, tco

pd.set_option("display.width", 120)
pd.set_option("display.max_colwidth", None)  # never cut a source or a reason short
# a curve's columns, named so that they wrap and the table fits the notebook's width
CURVE_COLUMNS = {"ttft_p50_s": "p50 TTFT, s", "ttft_p95_s": "p95 TTFT, s", "tpot_p50_ms": "p50 TPOT, ms",
                 "tpot_p95_ms": "p95 TPOT, ms", "output_tok_s": "output tokens/s", "requests_per_s": "requests/s (λ)",
                 "time_in_system_s": "time in system, s (W)", "little_L": "λ × W"}

# %% [markdown]
# ## 1. The inputs, each with a source
#
# Every default is in `data/tco_defaults.csv`. Where no public number applies (your host, your tariff, your
# people) the file says *assumption*: change it to yours.

# %%
tco.defaults()

# %% [markdown]
# ## 2. The API side
#
# A workload is tasks per day and the tokens of one task. Here: 1,000 code reviews a day at V2's profile
# (25K input, 800 output), on DeepSeek V4-Pro at the June prices; then with caching (a lever of lesson 03); at
# DeepSeek's later prices (the rows dated 2026-09-01: higher standard prices, and a peak-hour price on top for the
# share sent at peak); and on Claude Sonnet 4.6, with and without the batch API:

# %%
w = tco.Workload(tasks_per_day=1_000, input_tokens=25_000, output_tokens=800, model="deepseek-v4-pro")
rows = []
for label, wk in [("standard", w), ("80% cache hits", tco.Workload(**{**w.__dict__, "cache_hit_rate": 0.8})),
                  ("prices of 2026-09-01", tco.Workload(**{**w.__dict__, "as_of": "2026-09-01"})),
                  ("prices of 2026-09-01, 30% at peak", tco.Workload(**{**w.__dict__, "as_of": "2026-09-01", "peak_share": 0.3})),
                  ("on Claude Sonnet 4.6", tco.Workload(**{**w.__dict__, "model": "claude-sonnet-4-6"})),
                  ("Sonnet, half via batch", tco.Workload(**{**w.__dict__, "model": "claude-sonnet-4-6", "batch_share": 0.5}))]:
    a = tco.api_monthly(wk)
    rows.append({"workload": label, "USD per task": round(a["per_task_usd"], 5), "USD per month": round(a["monthly_usd"]),
                 "CNY per month": round(a["monthly_cny"])})
pd.DataFrame(rows).set_index("workload")

# %% [markdown]
# ## 3. The local side
#
# One RTX 4090 server: the card and a host amortised over three years, power at a utilisation and PUE,
# hosting, and the hours someone spends keeping it running (运维).

# %%
box = tco.LocalBox(gpu="RTX 4090")
local = tco.local_monthly(box)
pd.Series({k: round(v, 1) for k, v in local.items()}, name="1× RTX 4090").to_frame()

# %% [markdown]
# ## 4. Capability: which models fit
#
# A box is only a saving if it can do the work. **Capability**: which models fit a 24 GiB card at 8K context
# (from lesson 04's estimator)?

# %%
tco.runnable_models(box)

# %% [markdown]
# ## 5. Capacity under load: a measured curve, a latency target
#
# How many tasks a day can the box finish? Not "one request at a time, all day": a server holds several requests
# at once, and the question is how many it can take **while each still answers in time**. Five terms, for a web
# developer who knows request latency and throughput:
#
# | term | what it is | the web analogue |
# |---|---|---|
# | **prefill** (预填充) | the model reads the whole prompt in one pass; compute-bound, thousands of tokens/s | parsing the request body |
# | **decode** (解码) | the model writes one token per step, reading every weight each step; memory-bound, tens to hundreds of tokens/s | streaming the response |
# | **TTFT**, time to first token (首 token 延迟) | request sent → first token back: queueing + prefill | time to first byte (TTFB) |
# | **TPOT**, time per output token (每个输出 token 的时间) | the gap between tokens while streaming: one decode step, shared with every request in the batch | bytes per second of the stream |
# | **continuous batching** (连续批处理) | each decode step serves every request in flight; a finished request leaves and a waiting one joins at the next step, not at the end of a batch | an event loop serving many connections |
# | **goodput** (有效吞吐) | requests per second that *meet* the latency target; throughput that misses it does not count | requests/s within your SLO |
#
# Decode reads all the weights for every step, whether one request is in the batch or eight, so a batch of
# eight costs little more per step than one: total tokens per second grow with concurrency. Prefill already
# keeps the GPU's arithmetic busy, so prompts queue behind each other: TTFT grows with concurrency.
#
# **A measured curve.** One llama.cpp server (b11434, CUDA) on one NVIDIA H200 with 32 slots, 1 to 32
# streaming requests at once, each a distinct 1,024-token prompt and 128 generated tokens
# (`data/measured/h200_llamacpp/`, the exact shapes of the models with zero weights: the folder's README says
# what that changes). Each level sends its requests at the same moment, so the last waits for every other prompt
# to be read: a burst, the pessimistic case for TTFT (arrivals spread over time queue less).

# %%
curves = {m: tco.load_curve(model=m) for m in ("llama-3.1-8b", "qwen2.5-32b", "llama-3.1-70b")}
fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.4))
for m, c in curves.items():
    t = c.table()
    a1.plot(t["concurrency"], t["output_tok_s"], marker="o", label=m)
    a2.plot(t["concurrency"], t["ttft_p95_s"], marker="o", label=m)
a1.set(xscale="log", xlabel="requests at once", ylabel="output tokens/s (all requests)", title="throughput")
a2.set(xscale="log", yscale="log", xlabel="requests at once", ylabel="p95 TTFT, s", title="time to first token")
a1.legend(fontsize=8)
fig.tight_layout()
plt.show()
t8 = curves["llama-3.1-8b"].table()
t8.round({"ttft_p50_s": 2, "ttft_p95_s": 2, "tpot_p50_ms": 1, "tpot_p95_ms": 1, "requests_per_s": 2,
          "time_in_system_s": 2, "little_L": 2}).set_index("concurrency").rename(columns=CURVE_COLUMNS)

# %%
from IPython.display import Markdown, display

lo, hi = t8.iloc[0], t8.iloc[-1]
display(Markdown(
    f"Read the 8B row by row: {hi['concurrency']:.0f} requests at once give {hi['output_tok_s'] / lo['output_tok_s']:.1f}× "
    f"the output of one, while the p95 time to first token grows {hi['ttft_p95_s'] / lo['ttft_p95_s']:.0f}-fold. "
    "The last column is **Little's law** (利特尔法则), which holds for any stable queue: *requests in the system = "
    "arrival rate × time each spends in it* (L = λ × W). With requests/s as λ and the p50 TTFT + "
    f"{curves['llama-3.1-8b'].output_tokens - 1} × the p50 TPOT as W, λ × W gives back the concurrency the sweep held "
    f"({t8['little_L'].min():.2f} to {t8['little_L'].max():.2f} for 1 to {hi['concurrency']:.0f}): the measured rate "
    "and latency agree. Turned round, it is the capacity question: at a target time in system W, the box can take "
    "λ = L ÷ W."))

# %% [markdown]
# **Capacity at a latency target** is then read at the level that meets the target (p95 TTFT, and TPOT) with the
# most requests/s: on a curve that still rises, the busiest such level. That is the box's goodput, not its raw
# throughput.
# Two more decisions, both labelled assumptions in `data/tco_defaults.csv`:
#
# - **peak, not average**: traffic is not spread evenly over 24 hours. If the day's tasks arrive in 8 working
#   hours, the peak rate is 3× the daily average (`peak_factor`); a box sized for the average misses the target
#   every afternoon. Read yours from your logs: busiest hour × 24 ÷ tasks per day.
# - **headroom**: keep a share of the measured rate free (`headroom`, 20%) for bursts within the hour.
#
# On the H200 curve with a chat-like target, p95 TTFT ≤ 2 s, one request at a time against the whole curve:

# %%
rows = []
for m, c in curves.items():
    cap_c = tco.capacity_at_slo(c, slo_ttft_s=2)
    one = tco.capacity_at_slo(c.__class__(c.levels.head(1), c.prompt_tokens, c.output_tokens, c.source), slo_ttft_s=2)
    rows.append({"model (H200)": m, "requests at once": cap_c["concurrency"], "p95 TTFT, s": round(cap_c["ttft_p95_s"], 2),
                 "requests/s": round(cap_c["requests_per_s"], 2), "one at a time, requests/s": round(one["requests_per_s"], 2),
                 "tasks/day, sized for the peak": round(cap_c["capacity_tasks_per_day"]),
                 "one at a time, tasks/day": round(one["capacity_tasks_per_day"])})
pd.DataFrame(rows).set_index("model (H200)")

# %% [markdown]
# ### The lesson's box: an RTX 4090 serving the review workload
#
# No one measured a 4090 here. The course builds its curve from three things it has, each stated:
#
# 1. the box's speed for **one** request: decode at the memory-bandwidth limit × a tuned server's share of it, and
#    prefill at the published prompt ÷ decode ratio of llama.cpp on an RTX 4090 (both in `data/tco_defaults.csv`;
#    lesson 04 §7 sets these against measurements);
# 2. the **shape** of the measured H200 curve (how TTFT and TPOT grow with concurrency, as multiples of one
#    request's), carried over to 25,000-token prompts and 800-token answers, then corrected by what the same H200
#    server gave at exactly that request shape (below: long prompts slow every level down);
# 3. how many such requests **fit** at once: each llama.cpp slot must hold 25,800 tokens of KV cache (lesson 04).

# %%
model_14b = "qwen2.5-14b"
flash = tco.Workload(**{**w.__dict__, "model": "deepseek-v4-flash"})
slo_ttft, slo_tpot = tco.default_slo()
n_fit = tco.max_concurrency(box, model_14b, w.input_tokens, w.output_tokens)
n_fit_q8 = tco.max_concurrency(box, model_14b, w.input_tokens, w.output_tokens, kv_type="q8_0")
curve_4090 = tco.box_curve(box, model_14b, flash)
print(f"{model_14b} on the {box.gpu}: {n_fit} requests of {w.input_tokens + w.output_tokens:,} tokens fit at once "
      f"with an f16 KV cache, {n_fit_q8} with q8_0; the measured levels that fit: "
      f"{list(curve_4090.levels['concurrency'])}")
print(curve_4090.source)
curve_4090.table().round(2).set_index("concurrency").rename(columns=CURVE_COLUMNS)

# %% [markdown]
# **Does a curve's shape carry over?** The H200 sweep can check that step against itself: the 8B curve's shape at
# the 32B's (and the 70B's) own speed alone, beside the curves measured for those models:

# %%
transfer = pd.concat({m: tco.shape_transfer_check("llama-3.1-8b", m)[["requests/s, measured ÷ predicted",
                                                                        "p95 TTFT, measured ÷ predicted"]]
                      for m in ("qwen2.5-32b", "llama-3.1-70b")})
transfer.round(2)

# %%
rps_r, ttft_r = transfer["requests/s, measured ÷ predicted"], transfer["p95 TTFT, measured ÷ predicted"]
display(Markdown(
    f"Across models at one request shape, the carried-over shape gets the throughput right or low (measured "
    f"{rps_r.min():.2f}–{rps_r.max():.2f}× the prediction: the bigger models gain a little more from batching) and "
    f"TTFT within about a fifth ({ttft_r.min():.2f}–{ttft_r.max():.2f}×). **The request shape is another matter.** "
    "The same H200 server was measured at the review's own 25,000 + 800 tokens "
    "(`data/measured/h200_llamacpp/conc_review.jsonl`); the short-request curve carried to that shape, beside it "
    "(the same direction: measured ÷ predicted):"))

# %%
check = tco.request_shape_check("llama-3.1-8b")
check.round(3).T  # one column per level: fits the page

# %%
r = check["requests/s, measured ÷ predicted"]
print(f"At 25,000-token prompts the server gave {r.min():.0%}-{r.max():.0%} of the requests/s the carried curve "
      f"promised (levels {', '.join(map(str, check.index))} at once), and its p95 time per token was "
      f"{check['p95 TPOT, measured ÷ predicted'].min():.1f}-{check['p95 TPOT, measured ÷ predicted'].max():.1f}x longer.")

# %% [markdown]
# Two reasons, both visible in the run: one request decodes more slowly behind a 25,000-token context than behind
# 1,024 (more KV cache to read per token), and with several long prompts in flight each prefill stalls the other
# slots' decoding, so throughput stops growing with concurrency. The box curve above therefore applies these
# measured ratios level by level (`tco.correct_for_long_prompts`; requests/s then follows from Little's law), and
# uses no level the long-prompt run did not measure. One run per level on one GPU: treat the correction as the
# size of the effect, not a constant.

# %% [markdown]
# A 25,000-token prompt takes seconds to read even alone, so a chat target of 2 s is out of reach for this
# workload on this box, whatever the concurrency. A code review is read when it is done: the lesson's target is
# **p95 TTFT ≤ 30 s and p95 TPOT ≤ 100 ms** (an assumption, in `data/tco_defaults.csv`). "Equal latency" means the
# API must meet the same target; for a 25K-token prompt it usually does, but that is not measured here. Capacity
# against the target:

# %%
levels_4090 = curve_4090.table().set_index("concurrency")
next_measured = min((n for n in check.index if n > n_fit), default=None)


def why_not_more(c, t_s):
    """Why the capacity is read at this level and not a busier one, from the curve itself."""
    if c["concurrency"] is None:
        return c["reason"]
    busier = levels_4090[levels_4090.index > c["concurrency"]]
    if busier.empty:
        return (f"no busier level fits: {n_fit} requests fit with an f16 KV cache, and the next level measured at long "
                f"prompts is {next_measured}")
    n, b = busier.index[0], busier.iloc[0]
    if b["ttft_p95_s"] > t_s or b["tpot_p95_ms"] > slo_tpot:
        return f"{n} at once misses the target: p95 TTFT {b['ttft_p95_s']:.1f} s, p95 TPOT {b['tpot_p95_ms']:.0f} ms"
    return (f"{n} at once meets the target but serves fewer requests/s ({b['requests_per_s']:.4f} against "
            f"{c['requests_per_s']:.4f})")


rows = []
for t_s in (2, 10, 20, 30, 60):
    c = tco.capacity_at_slo(curve_4090, t_s, slo_tpot)
    rows.append({"p95 TTFT target, s": t_s, "requests at once": c["concurrency"] or "none",
                 "p95 TTFT at it, s": None if c["ttft_p95_s"] is None else round(c["ttft_p95_s"], 1),
                 "tasks/day per box": round(c["capacity_tasks_per_day"]), "why not more": why_not_more(c, t_s)})
pd.DataFrame(rows).set_index("p95 TTFT target, s")

# %%
cap_slo = tco.capacity_at_slo(curve_4090, slo_ttft, slo_tpot)
one_at_a_time = tco.capacity_at_slo(tco.Curve(curve_4090.levels.head(1), curve_4090.prompt_tokens,
                                              curve_4090.output_tokens, curve_4090.source), slo_ttft, slo_tpot)
cap = cap_slo["capacity_tasks_per_day"]
old = tco.capacity(box, model_14b, w)
print(f"at p95 TTFT ≤ {slo_ttft:g} s and p95 TPOT ≤ {slo_tpot:g} ms, sized for a peak {cap_slo['peak_factor']:g}× the "
      f"average with {cap_slo['headroom']:.0%} headroom:")
print(f"  one request at a time: {one_at_a_time['capacity_tasks_per_day']:,.0f} tasks/day per box")
print(f"  the curve, {cap_slo['concurrency']} at once (p95 TTFT {cap_slo['ttft_p95_s']:.1f} s): {cap:,.0f} tasks/day per box")
print(f"  Little's law at that level: {cap_slo['requests_per_s']:.4f} requests/s × {cap_slo['time_in_system_s']:.1f} s "
      f"in the system = {cap_slo['little_L']:.2f} requests in flight")
print(f"  (the earlier rule, one at a time for half of every day: {old['tasks_per_day']:,.0f}; it ignored the peak and the target)")
u = tco.utilisation(w.tasks_per_day, cap_slo)
print(f"at {w.tasks_per_day:,.0f} tasks/day the box runs at {u['peak_utilisation']:.0%} of its measured rate in the peak "
      f"hour and {u['average_utilisation']:.0%} on the daily average")

# %%
one_l, two_l = levels_4090.iloc[0], levels_4090.iloc[1]
display(Markdown(
    f"More requests at once do not help here, unlike on the H200's short chats: at {levels_4090.index[1]} at once the "
    f"box curve serves {'fewer' if two_l['requests_per_s'] < one_l['requests_per_s'] else 'hardly more'} requests/s "
    f"than one alone ({two_l['requests_per_s']:.4f} against {one_l['requests_per_s']:.4f}), and its p95 TTFT of "
    f"{two_l['ttft_p95_s']:.1f} s misses the {slo_ttft:g}-s target. With 25,000-token prompts, reading the prompt "
    "(prefill) is a large share of each request's time, prefill does not batch for free, and each long prefill "
    f"stalls the other slot's decoding. Memory caps it too: {n_fit} requests of "
    f"{w.input_tokens + w.output_tokens:,} tokens fit with an f16 KV cache, so the next level the long-prompt run "
    f"measured, {next_measured} at once, needs a q8_0 cache ({n_fit_q8} fit), and the course has not measured what "
    "an 8-bit cache does to review quality (lesson 04 covers its memory, not its quality): test it on your own tasks "
    "before you count on it."))

# %% [markdown]
# ## 6. Break-even at equal capability and equal latency
#
# The local cost is fixed per **box**; the API cost grows with every task. A break-even only means something
# when both sides do the same work at the same latency: the box runs a 14B-class model at the target above, so
# the headline compares it with an API model of that class, DeepSeek V4-Flash. Past one box's capacity the local
# side needs a second box, then a third: the verdict depends on the traffic.

# %%
traffic = [250, 500, 800, 1_000, 2_000, 5_000, 10_000, 20_000]
vf = tco.verdict_by_traffic(flash, box, cap, traffic)
vp = tco.verdict_by_traffic(w, box, cap, traffic)
fx = money.fx_rate(w.as_of)
print(f"monthly amounts in CNY, the source page's currency; in USD at {fx.rate} CNY per USD ({fx.day}): one box's "
      f"month is {money.both(local['monthly_usd'])}, and V4-Flash at {traffic[0]:,} tasks/day "
      f"{money.both(vf['api_cny'].iloc[0] / fx.rate)}")
pd.DataFrame({"tasks/day": traffic, "boxes": vf["boxes"], "local CNY/month": vf["local_cny"].round(0),
              "V4-Flash API CNY/month": vf["api_cny"].round(0), "cheaper (equal capability)": vf["cheaper"],
              "V4-Pro API CNY/month": vp["api_cny"].round(0), "cheaper (against V4-Pro)": vp["cheaper"]}).set_index("tasks/day")

# %%
eq, uneq = tco.local_pays_from(flash, box, cap), tco.local_pays_from(w, box, cap)
print(f"equal capability ({model_14b} box against deepseek-v4-flash): {eq['reason']}")
print(f"against deepseek-v4-pro (a much stronger model): {uneq['reason']}")
if uneq["intervals"]:
    print("  local cheaper at " + "; ".join(f"{lo:,.0f}-{'∞' if hi == float('inf') else f'{hi:,.0f}'}"
                                           for lo, hi in uneq["intervals"]) + " tasks/day")
    print("a saving against V4-Pro only if the 14B model's reviews are as good, which is the question, not the answer")
plots.break_even_chart(tco.break_even_curve(flash, box, max_tasks_per_day=6_000, points=241, capacity_tasks_per_day=cap),
                       title="Equal capability: DeepSeek V4-Flash API against RTX 4090 boxes running a 14B model")
plt.show()

# %% [markdown]
# The equal-capability verdict turns on one assumption above all: how peaked the traffic is. A review queue that
# may run round the clock (nightly jobs, batch reviews) has a peak factor near 1; reviews requested during a
# working day near 3. The same box, target and prices:

# %%
rows = []
for pf in (1.0, 1.5, 2.0, 3.0):
    for hr in (0.0, 0.2):
        c = tco.capacity_at_slo(curve_4090, slo_ttft, slo_tpot, peak_factor=pf, headroom=hr)["capacity_tasks_per_day"]
        f = tco.local_pays_from(flash, box, c)
        rows.append({"peak factor": pf, "headroom": f"{hr:.0%}", "tasks/day per box": round(c),
                     "local beats V4-Flash from": "never" if f["flips_at_tasks_per_day"] is None else round(f["flips_at_tasks_per_day"])})
pd.DataFrame(rows).set_index(["peak factor", "headroom"])

# %% [markdown]
# Per task, the comparison is one line: a box full to capacity costs its TCO ÷ the tasks it serves. Above the API's
# price per task, adding boxes never helps; below it, local wins from the break-even on, box after box. A million
# tokens (input + output) cost, at the traffic each row names (the third row is one box full to its capacity):

# %%
rows = []
for tasks in (250, 500, cap, 2_000):
    r = tco.local_cost_per_mtok(box, tasks, flash, cap)
    rows.append({"tasks/day": round(tasks), "boxes": r["boxes"], "local USD per M tokens": round(r["usd_per_mtok"], 3)})
api_mtok = {m: tco.api_cost_per_task(tco.Workload(**{**w.__dict__, "model": m})) / (w.input_tokens + w.output_tokens) * 1e6
            for m in ("deepseek-v4-flash", "deepseek-v4-pro")}
print("API, USD per M tokens of this workload: " + ", ".join(f"{m} {v:.3f}" for m, v in api_mtok.items()))
pd.DataFrame(rows).set_index("tasks/day")

# %% [markdown]
# **A local token's price, for the bill.** A local model is not free: at a measured load its TCO gives it a dated
# price per token, so a log of mixed API and local calls can be priced in one bill (lesson 06) instead of counting
# local calls at USD 0. The month's TCO of the boxes the traffic needs, split between input and output by the box time
# each takes (prefill and decode at one request alone), over the tokens served:

# %%
at_800 = tco.Workload(**{**flash.__dict__, "tasks_per_day": 800})
pd.Series(tco.local_price_row(box, at_800, curve_4090, cap_slo), name="local price row").to_frame()

# %% [markdown]
# ## 7. Owned or rented by the hour
#
# A GPU rented by the hour needs no card, host or power bill, but the same people's time. Dated on-demand prices
# (`data/gpu_rental_prices.csv`: each row says which public page printed it and when; the pages could not be read
# from the machine that built this course, so check them before you decide):

# %%
rent = tco.rental_prices()
rent[["gpu", "provider", "offer", "usd_per_gpu_hour", "price_date", "provider_url"]]

# %% [markdown]
# Each option at the same latency target, at full (peak-sized) load. The 4090 rows use the box curve above; the
# H200 row uses the curve **measured** on the H200 for Qwen2.5-32B at this very request shape (25,000 + 800
# tokens, 4 slots; `conc_review.jsonl`):

# %%
from course_lib.data import DATA_DIR

h200_32b = tco.load_curve(DATA_DIR / tco.H200_REVIEW_CURVE, model="qwen2.5-32b", gpu="H200 SXM")
assert (h200_32b.prompt_tokens, h200_32b.output_tokens) == (w.input_tokens, w.output_tokens)
cap_h200 = tco.capacity_at_slo(h200_32b, slo_ttft, slo_tpot)
price = rent.set_index(["gpu", "provider"])["usd_per_gpu_hour"].astype(float)
options = [("owned RTX 4090 (course defaults)", model_14b, cap, local["monthly_cny"]),
           ("rented RTX 4090, RunPod", model_14b, cap, tco.rented_monthly(price[("RTX 4090", "RunPod")])["monthly_cny"]),
           ("rented H200, RunPod", "qwen2.5-32b", cap_h200["capacity_tasks_per_day"],
            tco.rented_monthly(price[("H200 SXM", "RunPod")])["monthly_cny"])]
rows = []
for name, m, c, monthly in options:
    per_task = monthly / (c * flash.days_per_month) if c else float("nan")
    rows.append({"option": name, "model": m, "tasks/day per GPU at the target": round(c),
                 "CNY per month": round(monthly), "CNY per task, full": round(per_task, 4),
                 **{f"cheaper than {k}": per_task < money.convert(tco.api_cost_per_task(tco.Workload(**{**w.__dict__, "model": k})), "CNY", w.as_of)
                    for k in ("deepseek-v4-flash", "deepseek-v4-pro")},
                 "USD per M tokens, full": round(per_task / money.fx_rate(w.as_of).rate
                                                 / (w.input_tokens + w.output_tokens) * 1e6, 3)})
print(f"H200 with qwen2.5-32b: {cap_h200['concurrency']} at once, p95 TTFT {cap_h200['ttft_p95_s']:.1f} s ({h200_32b.source})")
pd.DataFrame(rows).set_index("option")

# %% [markdown]
# Read the two "cheaper than" columns: a GPU pays against an API model only where its cost per task, full to the
# target, is below the API's. Renting the same card costs more than owning it busy for three years, but it is the way to
# **test** a local model on your own tasks before buying anything, and to cover a peak.
#
# Which inputs move the (one-box) break-even most, at equal capability? Each moved by ±50% (fractions by ±50
# points, kept between 0 and 1: the cache hit rate starts with no hits, so its bar goes one way only); the dotted
# line is one box's capacity at the target: a break-even to its right means one box never pays.

# %%
sens = tco.sensitivity(flash, box)
fig = plots.tornado(sens, title="What moves the break-even (V4-Flash against one RTX 4090 box)")
fig.axes[0].axvline(cap, color="darkred", linestyle=":")
fig.axes[0].annotate("one box's capacity", (cap, 0), xytext=(3, 3), textcoords="offset points", fontsize=8, color="darkred")
plt.show()
sens.round(0)

# %% [markdown]
# ## 8. The source page's 4090 example
#
# The page says a 1×4090 server costs about ¥570 a month, *and* that a ¥8,000 monthly API bill at
# DeepSeek-level prices is hard to beat locally. First, what can ¥570 have counted? The page does not say; each
# line adds parts at the course's defaults:

# %%
rec = tco.source_570_reconstruction()
rec.round(2)

# %% [markdown]
# So ¥570 is about the hardware alone (card and host over three years): it leaves little for power and nothing for
# the people who run it (the second row below works it out). Then the page's two figures side by side, with
# capability, latency and capacity made explicit:

# %%
tco.source_4090_example()

# %% [markdown]
# So the comparison is not ¥570 against ¥8,000. ¥8,000 a month at V4-Flash's prices buys the reviews a day in the
# table's fifth row; at the lesson's latency target one 4090 serves far fewer, so the local side is a rack of
# boxes, not one. A 4090 runs 14–32B models; DeepSeek V3/V4-class models need hundreds of GiB. A fair
# break-even compares **equal capability, equal latency and enough boxes**: either the workload can use a
# 14–32B-class model (then compare with an API model of that class, as in §6), or it needs the frontier model
# (then the local alternative is several data-centre GPUs, far from ¥570).

# %% [markdown]
# ## 9. The hybrid architecture (混合架构)
#
# The source calls it the most common: local for the bulk, a cloud API as fallback for hard tasks.

# %%
strong = tco.Workload(**{**w.__dict__, "model": "claude-sonnet-4-6"})
hy = pd.DataFrame([tco.hybrid(w, box, s, strong, local_model=model_14b, capacity_tasks_per_day=cap)
                   for s in (0.0, 0.5, 0.8, 0.9, 1.0)]).set_index("local_share")
hy.round(0)

# %%
print(f"at {w.tasks_per_day:,.0f} tasks a day one box serves at most {hy['local_tasks_per_day'].max():,.0f} of them at "
      f"the latency target; at 3,000 a day, 100% local on one box would overflow "
      f"{tco.hybrid(tco.Workload(**{**w.__dict__, 'tasks_per_day': 3_000}), box, 1.0, strong, local_model=model_14b, capacity_tasks_per_day=cap)['overflow_tasks_per_day']:,.0f} "
      "tasks a day to the API")

# %% [markdown]
# One box serves at most its capacity: above it the "local" share overflows to the API
# (`overflow_tasks_per_day`), so a plan that sends every task to one 4090 pays the API for the rest, or buys
# the boxes §6 counts.

# %% [markdown]
# ## 10. Beyond cost: the decision checklist
#
# | driver (驱动信号) | ask |
# |---|---|
# | data compliance (数据合规) | may code or user data leave the network at all? If not, cost is secondary. |
# | stable scale (成本规模) | is the API bill stable above ¥30–50K a month, and is it rising? |
# | a fixed model (模型固定) | would an open Qwen/GLM model, frozen for months, meet the quality bar? |
# | capability | does a model that fits your hardware match the API model on *your* tasks? |
# | capacity | can the box serve the peak hour at your latency target, not just the daily average? How many boxes? |
# | people | who patches, monitors and is on call for it? |
#
# ## 11. Try it: the break-even widget
#
# The local side is as many boxes as the traffic needs at the lesson's latency target; the answer says how many.

# %% tags=["nbval-ignore-output"]
from course_lib.widgets import break_even_widget

break_even_widget()

# %% [markdown]
# From the command line: `python -m course_lib tco --tasks-per-day 2000 --api-model deepseek-v4-flash --gpu "RTX 4090"
# --local-model qwen2.5-14b --slo-ttft 30 --slo-tpot 100` (add `--json` for the capacity, the concurrency it used and
# the latency at it; `--curve FILE` takes a curve you measured with `python -m course_lib loadtest --json`).
#
# ## Recap
#
# - API monthly = tasks × cost per task (dated price, caching, batch, peak); local monthly = hardware ÷ life +
#   power + hosting + operations, per box.
# - Capacity comes from a measured curve of throughput against concurrency at a latency target (p95 TTFT and
#   TPOT), sized for the peak hour with headroom; Little's law (L = λ × W) links requests in flight, rate and latency.
# - A break-even compares equal capability at equal latency, and counts the boxes the traffic needs: for this
#   review workload on working-day traffic, 4090 boxes beat neither DeepSeek V4-Flash nor, at the capacity the
#   long-prompt measurement leaves them, V4-Pro; traffic spread round the clock can change that (the peak factor
#   decides).
# - A capacity carried from short requests to long prompts is optimistic: measure at your own request shape
#   (`python -m course_lib loadtest`).
# - The page's ¥570 is about the hardware alone; its ¥8,000 of V4-Flash is a rack of 4090 boxes' work, not one box's.
# - Hybrid: local for the bulk, API for the hard share and the overflow.
#
# ## Exercises

# %%
from course_lib.exercises import check, hint, question, solution

print(question("05.1"))
check("05.1", ...)

# %%
print(question("05.2"))
check("05.2", ...)

# %% [markdown]
# Forgetting the operations time in 05.1 gets this feedback:

# %%
check("05.1", tco.break_even_tasks_per_day(flash, tco.LocalBox(ops_hours_month=0)))
