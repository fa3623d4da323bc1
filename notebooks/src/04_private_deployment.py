# %% [markdown]
# # 04 · Private deployment: the GPU-memory equation, checked against real runs
#
# **After this lesson you will be able to**
#
# - estimate the GPU memory a local model needs, term by term, and say which term dominates;
# - read a model's architecture from a catalog, a Hugging Face `config.json`, a GGUF file or Ollama's `show()`;
# - say when "double the context, double the KV cache" holds (full attention) and when it does not
#   (sliding-window and latent attention);
# - tell whether a model fits a GPU, the longest context that fits, and what happens when it does not;
# - check the estimate against a live local server, or against recorded measurements when none is running.
#
# The source page writes GPU 显存 ≈ 量化权重 + KV Cache + 框架开销(0.5–2 GB) and gives a table of
# configurations. Several of its rows do not survive measurement; this lesson shows which, and why.

# %%
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from course_lib import live, plots, vram

pd.set_option("display.width", 120)
pd.set_option("display.max_colwidth", None)  # never cut an explanation short
GIB, MIB = vram.GIB, vram.MIB

# %% [markdown]
# ## 1. The equation, with its missing term
#
# $$\text{memory} = \text{weights} + \text{KV cache} + \text{compute buffer} + \text{runtime overhead}$$
#
# - **weights**: parameters × bits per weight of the quantisation;
# - **KV cache** (KV 缓存): keys and values of every token in context, for every layer;
# - **compute buffer**: the scratch space of one forward pass. The source page folds it into a fixed
#   "0.5–2 GB"; without flash attention it grows with context;
# - **runtime overhead**: the CUDA context, about 0.61 GiB per GPU (measured on an H200).
#
# ## 2. Weights
#
# Parameters follow from the architecture (embeddings, attention, dense or mixture-of-experts MLPs, tied or
# untied output). The course's catalog, derived against published counts:

# %%
cat = vram.catalog()
rows = []
for name in cat.index:
    a = vram.from_catalog(name)
    rows.append({"model": name, "derived params (B)": round(vram.param_count(a) / 1e9, 3),
                 "published (B)": round(a.published_params / 1e9, 3),
                 "attention": "MLA" if a.mla else (f"GQA, window {a.sliding_window} on {a.sliding_layers}/{a.layers} layers"
                                                    if a.sliding_window else "GQA, full"),
                 "MoE": f"{a.experts_active}/{a.experts} experts" if a.experts else "dense"})
pd.DataFrame(rows).set_index("model")

# %%
bits = pd.Series(vram.quant_bits(), name="bits per weight")
weights = pd.DataFrame({q: {m: round(vram.weights_bytes(m, q) / GIB, 1) for m in ("llama-3.1-8b", "qwen2.5-32b", "llama-3.1-70b")}
                        for q in ("F16", "Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q4_0")})
print(bits.to_string())
weights.rename_axis("weights, GiB")

# %% [markdown]
# ## 3. The KV cache, and "double the context, double the KV"
#
# For grouped-query attention the cache is $\text{layers} \times 2 \times \text{kv\_heads} \times \text{head\_dim}
# \times \text{ctx} \times \text{bytes}$. Two architectures break the rule:
#
# - **sliding-window layers** (Gemma 2/3, gpt-oss) only keep the last window of tokens (llama.cpp keeps
#   window + one batch: 512 + 512 cells for Gemma 3 270M);
# - **latent attention** (MLA, DeepSeek V3) caches one compressed 576-value vector per token and layer.

# %%
plots.kv_growth(["llama-3.1-8b", "gemma-3-27b", "gpt-oss-20b", "deepseek-v3"])
plt.show()

# %%
pd.DataFrame([{"model": m, "KV at 32K (GiB)": round(vram.kv_bytes(m, 32768) / GIB, 2),
               "KV at 64K (GiB)": round(vram.kv_bytes(m, 65536) / GIB, 2),
               "64K ÷ 32K": round(vram.kv_bytes(m, 65536) / vram.kv_bytes(m, 32768), 2),
               "plain formula at 32K (GiB)": round(vram.kv_bytes_plain_formula(m, 32768) / GIB, 2)}
              for m in ("llama-3.1-8b", "qwen2.5-32b", "gemma-3-27b", "gpt-oss-20b", "deepseek-v3")]).set_index("model")

# %%
kv = lambda m, c: vram.kv_bytes(m, c)  # noqa: E731
plain = lambda m: vram.kv_bytes_plain_formula(m, 32768)  # noqa: E731
display(Markdown(
    f"Doubling holds for full attention (Llama, Qwen) and for MLA, though MLA starts about "
    f"{plain('deepseek-v3') / kv('deepseek-v3', 32768):.0f}× smaller than the plain formula says. Gemma 3's "
    f"sliding-window layers grow less: {kv('gemma-3-27b', 65536) / kv('gemma-3-27b', 32768):.2f}× from 32K to 64K, "
    f"and it sits about {plain('gemma-3-27b') / kv('gemma-3-27b', 32768):.0f}× below the plain formula at 32K. "
    f"gpt-oss has full attention on half its layers: it grows {kv('gpt-oss-20b', 65536) / kv('gpt-oss-20b', 32768):.2f}× "
    f"from {kv('gpt-oss-20b', 32768) / plain('gpt-oss-20b'):.0%} of the plain figure."))

# %% [markdown]
# A quantised KV cache (llama.cpp's `q8_0`, `q4_0`) stores 34 or 18 bytes per 32 values instead of 64.

# %% [markdown]
# ## 4. The compute buffer, measured
#
# The course measured llama.cpp's own accounting with the real server on this course's CPU: Gemma 3 270M,
# several contexts, KV types, flash attention on and off, 1–4 sequences (`data/measured/`, with how it
# was measured). The estimator against those logs:

# %%
cpu = pd.read_csv("../data/measured/llamacpp_cpu_gemma3_270m.csv", comment="#")
cpu["estimate_kv_mib"] = [vram.kv_bytes("gemma-3-270m", r.ctx, r.kv_type, r.parallel) / MIB for r in cpu.itertuples()]
cpu["estimate_compute_mib"] = [vram.compute_bytes("gemma-3-270m", r.ctx, r.flash_attention == "on", r.parallel) / MIB
                               for r in cpu.itertuples()]
print(Path("../data/measured/llamacpp_cpu_gemma3_270m.csv").read_text().splitlines()[0][2:])
cpu[["ctx", "parallel", "kv_type", "flash_attention", "kv_mib", "estimate_kv_mib", "compute_mib", "estimate_compute_mib",
     "decode_tok_s"]].round(2)

# %%
f16 = cpu[(cpu.kv_type == "f16") & (cpu.parallel == 1)]
plots.measured_vs_estimate(f16, "ctx", "compute_mib", "estimate_compute_mib", group="flash_attention",
                           title="llama.cpp compute buffer, flash attention on/off (measured vs estimate)")
plt.show()

# %% [markdown]
# One small model is not enough to fit a formula: the same measurement on **three 8B-class geometries**
# (Llama 3.1 8B, Qwen2.5 7B, Gemma 3 4B shapes, written as GGUF files with the real shapes and zero weights,
# since a buffer's size does not depend on the weights' values) across context, flash attention, `n_ubatch`
# and parallel slots (`scripts/measure_compute_buffer.py`):

# %%
geo = pd.read_csv("../data/measured/llamacpp_compute_buffer.csv", comment="#")
geo["estimate_mib"] = [vram.compute_bytes(r.model, r.ctx // r.parallel, r.flash_attention == "on",
                                          n_ubatch=r.n_ubatch) / MIB for r in geo.itertuples()]
geo["error"] = (geo["estimate_mib"] / geo["compute_mib"] - 1).map(lambda e: f"{e:+.1%}")
print(f"largest error: {(geo['estimate_mib'] / geo['compute_mib'] - 1).abs().max():.1%} over {len(geo)} runs")
geo.drop(columns="layers_written").round(1)

# %% [markdown]
# Without flash attention llama.cpp materialises the attention scores of one batch against every cell:
# `n_ubatch × ctx × (heads + 1) × 4` bytes. For a 32B model with 40 heads at 32K that is 2.6 GiB; at 64K,
# 5.1 GiB. With flash attention it is a 2-byte mask. The "0.5–2 GB framework overhead" breaks at long
# context exactly here.
#
# ## 5. Checked against GPU measurements
#
# On an H200 with PyTorch (bf16), weights and KV cache tensors were measured for four models at three
# contexts (`data/measured/vram_measured_h200.csv`). The estimator's PyTorch mode:

# %%
h200 = pd.read_csv("../data/measured/vram_measured_h200.csv")
h200["estimate_weights"] = [vram.estimate(r.model, r.ctx, runtime="pytorch").weights_bytes for r in h200.itertuples()]
h200["estimate_kv"] = [vram.estimate(r.model, r.ctx, runtime="pytorch").kv_bytes for r in h200.itertuples()]
pd.DataFrame({"model": h200.model, "ctx": h200.ctx,
              "weights: estimate ÷ measured": (h200.estimate_weights / h200.weights_bytes).round(4),
              "KV: estimate ÷ measured": (h200.estimate_kv / h200.kv_tensor_bytes).round(4),
              "peak GiB measured": (h200.peak_alloc_bytes / GIB).round(2)})

# %% [markdown]
# The KV formula is exact for these caches. Weights come out 0.2–1.2% below what PyTorch allocates (its
# allocator and buffers add a little); the estimator does not hide that difference.

# %% [markdown]
# ## 6. The source page's table, rebuilt
#
# Each row estimated for Ollama/llama.cpp with Q4_K_M weights, term by term. Each term rests on a check: the KV
# formula is exact against the H200's allocations (section 5), the compute buffer is refitted to llama.cpp's
# own buffer sizes (`scripts/measure_compute_buffer.py`), the CUDA context was measured on the H200, and the
# weights agree with the sizes llama.cpp printed for the same GGUFs in public logs
# (`data/measured/published_gguf_weights.csv`, URL per row):

# %%
page = vram.source_page_table()
page

# %%
pub = pd.read_csv("../data/measured/published_gguf_weights.csv", comment="#")
pub["estimate GiB"] = [round(vram.estimate(r.model, 8192, r.quant).weights_bytes / GIB, 2) for r in pub.itertuples()]
pub[["model", "quant", "weights_gib", "estimate GiB", "runtime", "url"]].rename(columns={"weights_gib": "printed GiB"})

# %% [markdown]
# **Where the page is off, and why**
#
# - *7–8B Q4 at 8K needs a 12–16 GB GPU*: the estimate is about **6–7 GiB**; an 8 GB card runs it.
# - *32B Q4 at 8K on a 24 GB 4090*: right, about 21–22 GiB.
# - *32B Q4 at 32K needs 48 GB*: it needs **24–31 GiB** depending on KV type and flash attention: a 32 GB
#   card (RTX 5090) runs it with flash attention; a 24 GB card does with a `q8_0` KV cache.
# - *OOM usually comes from the KV cache*: in every row above the weights dominate. And Ollama rarely
#   runs out of memory at all: it moves layers to the CPU (a CPU/GPU split in `ollama ps`), and decoding slows:

# %%
est = vram.estimate("qwen2.5-32b", 32768, flash_attention=False)
print(est)
print(vram.offload(est, "RTX 4090"))
print("longest context on an RTX 4090, FA on, f16 KV:", vram.max_context("qwen2.5-32b", "RTX 4090"))
print("longest context on an RTX 4090, FA on, q8_0 KV:", vram.max_context("qwen2.5-32b", "RTX 4090", kv_type="q8_0"))

# %%
ests = [vram.estimate("llama-3.1-8b", 8192, flash_attention=False), vram.estimate("qwen2.5-32b", 8192, flash_attention=False),
        vram.estimate("qwen2.5-32b", 32768, flash_attention=False), vram.estimate("qwen2.5-32b", 32768),
        vram.estimate("qwen2.5-32b", 32768, kv_type="q8_0")]
plots.memory_stack(ests, ["8B 8K", "32B 8K", "32B 32K\nFA off", "32B 32K\nFA on", "32B 32K\nq8_0 KV"], gpu_gib=24,
                   title="The page's rows, term by term, against a 24 GiB RTX 4090")
plt.show()

# %% [markdown]
# ## 6b. Serving several users: what "parallel" means in each runtime
#
# The same two numbers, a context length and a number of parallel sequences, mean different things in the
# three runtimes the page recommends (Ollama for a team's trial, vLLM or SGLang for production):
#
# - **llama.cpp**: `-c` is the **total** KV cache, split across `-np` slots (each slot gets `c / np`);
# - **Ollama**: `num_ctx` is **per slot**, and it starts llama.cpp with `num_ctx × OLLAMA_NUM_PARALLEL`;
# - **vLLM**: reserves `gpu_memory_utilization` (90% by default) of the GPU **up front**, loads the weights
#   (BF16 unless a quantised checkpoint is given) and fills the rest with KV blocks; it refuses to start when
#   one sequence of `max_model_len` does not fit, and serves at most `kv tokens ÷ max_model_len` of its
#   `max_num_seqs` at full length. Its activation memory is not modelled here (stated in the output).
#
# Qwen2.5-7B, 8K per user, 4 users, on a 24 GiB RTX 4090 (`python -m course_lib vram --runtime ...`):

# %%
rows = []
for runtime in vram.SERVERS:
    r = vram.serve("qwen2.5-7b", 8192, 4, runtime, gpu_name="RTX 4090")
    rows.append({"runtime": runtime, "GPU memory held (GiB)": round(r["total_bytes"] / GIB, 2),
                 "context per sequence": r["per_sequence_ctx"], "what the numbers mean": r["note"]})
pd.DataFrame(rows).set_index("runtime")

# %% [markdown]
# So "8K for 4 users" is one quarter of that per user on llama.cpp unless you pass `-c 32768`; on Ollama it is
# already four full contexts; on vLLM the whole card is taken at start and the question is how many full-length
# sequences fit in what the weights leave.
#
# ## 7. Speed: decode is bound by memory bandwidth
#
# Two phases make every answer. **Prefill** (预填充) reads the whole prompt in one pass: every weight is read
# once and used for all prompt tokens together, so it is bound by arithmetic and runs at thousands of tokens/s.
# **Decode** (解码) writes the answer one token per step, and every step reads every (active) weight again plus
# the sequence's KV cache. So one stream can decode at most
#
# > tokens/s ≤ memory bandwidth ÷ bytes read per token
#
# (`data/gpus.csv` has each GPU's bandwidth). The share of that limit a runtime reaches is its **MBU**, model
# bandwidth utilisation (内存带宽利用率). Measured single-stream decode beside the limit: llama.cpp on an H200
# (llama-bench, `data/measured/h200_llamacpp/`), the published llama.cpp run on an RTX 4090 (URL in the table),
# eager PyTorch on the H200, and the course's own CPU server:

# %%
from course_lib import speed

dec_limit = speed.decode_vs_limit()
show = dec_limit[["runtime", "gpu", "model", "weights", "bytes_per_token_GB", "measured_tok_s", "spread",
                  "limit_tok_s", "share_of_limit", "read_GB_s", "source"]].copy()
show["limit_tok_s"] = show["limit_tok_s"].map(lambda x: "unknown" if pd.isna(x) else round(x))
show["share_of_limit"] = show["share_of_limit"].map(lambda x: "unknown" if pd.isna(x) else f"{x:.1%}")
show.round({"measured_tok_s": 1, "bytes_per_token_GB": 2, "read_GB_s": 1})

# %% [markdown]
# - **llama.cpp on the H200** reaches about a quarter to a third of the limit for one stream: a small model's
#   step is too short to keep 4.8 TB/s busy (kernel launches and synchronisation take a fixed time per step), and
#   the share rises with the model's size.
# - **The RTX 4090** run reaches about 60% of its much lower limit: this is the figure behind lesson 05's
#   `decode_efficiency` assumption (`data/tco_defaults.csv`).
# - **The CPU server** reads `read_GB_s` (bytes per token × tokens/s) from memory; this machine's memory
#   bandwidth is not recorded, so its share of the limit is *unknown*, not zero.
#
# **Why the eager-PyTorch row is not a serving figure.** It runs the model from Python one operation at a time
# (hundreds of small GPU kernels per token, each launched and waited for), with no fused kernels and no CUDA
# graphs. Its time per step hardly moves with the batch: the step is **overhead**, not memory. So it uses about
# 3% of the bandwidth or less for one stream and its total grows almost linearly with the batch
# (`data/measured/decode_batch_h200.csv`). It shows how memory grows with the batch; it is not how fast a
# model serves. A serving engine (llama.cpp, vLLM, SGLang) is the figure to plan with.

# %%
dec = pd.read_csv("../data/measured/decode_batch_h200.csv")
dec["bandwidth bound tok/s"] = [round(vram.decode_tokens_per_s_bound(vram.estimate(r.model, r.ctx, runtime="pytorch", parallel=r.batch),
                                                                     "H200 SXM", batch=r.batch)) for r in dec.itertuples()]
dec["share of bound"] = (dec["agg_tok_s"] / dec["bandwidth bound tok/s"]).map("{:.1%}".format)
dec[["model", "batch", "step_ms", "agg_tok_s", "bandwidth bound tok/s", "share of bound"]]

# %% [markdown]
# **Prefill against decode.** The same llama-bench runs read a 4,096-token prompt at tens of times the decode
# speed: each weight read serves thousands of tokens, so the limit is arithmetic, not memory. The last column is
# the arithmetic that implies (about 2 × parameters operations per token):

# %%
speed.prefill_vs_decode().round(1)

# %% [markdown]
# This split drives serving cost (lesson 05): decode is cheap to **batch** (a step for eight streams reads the
# weights once, as for one), while prefill is not; a workload of long prompts and short answers gains less from
# serving many requests at once than a chat does. Lesson 05 measures that with a concurrency sweep: time to first
# token (TTFT) against time per output token (TPOT) as the load grows.

# %% [markdown]
# ## 8. Live: your own server
#
# With Ollama reachable (`OLLAMA_HOST`), the course loads a model at several `num_ctx` values, reads `size`
# and `size_vram` from `ps()`, measures decode speed from `eval_count / eval_duration`, and sets each beside
# the estimate. Any OpenAI-compatible server (`COURSE_LLM_BASE_URL`: llama.cpp, vLLM, SGLang) gets the
# same speed measurement. Without either, the recorded llama.cpp run above stands in, labelled.

# %%
ollama_probe = live.probe_ollama()
openai_probe = live.probe_openai()
if ollama_probe.reachable:
    client = live.ollama_client()
    models = [m.model for m in client.list().models]
    print(f"LIVE: {ollama_probe}; models: {models}")
    if models:
        display(live.ollama_ctx_sweep(models[0], (2048, 8192, 32768), client=client))
elif openai_probe.reachable:
    print(f"LIVE: {openai_probe}")
    print(live.openai_server_measure(live.openai_base_url()))
else:
    print("No local server reachable:")
    print(" -", ollama_probe)
    print(" -", openai_probe)
    print("Using the RECORDED llama.cpp run of section 4 (Gemma 3 270M on the CPU):",
          f"decode {cpu.decode_tok_s.median():.0f} tokens/s, prompt {cpu.prompt_tok_s.median():.0f} tokens/s.")

# %% [markdown]
# ## 9. Try it: the memory calculator
#
# Move the controls; the estimate, the verdict for the GPU and the stacked bar follow.

# %% tags=["nbval-ignore-output"]
from course_lib.widgets import vram_calculator

vram_calculator()

# %% [markdown]
# From the command line: `python -m course_lib vram --model qwen2.5-32b --ctx 32768 --flash-attention off --gpu "RTX 4090"`.
#
# ## Recap
#
# - memory = weights + KV cache + compute buffer + runtime overhead; at everyday contexts the weights dominate.
# - KV cache = 2 × layers × kv_heads × head_dim × ctx × bytes for full attention; sliding windows and MLA
#   break "double the context, double the KV".
# - Without flash attention the compute buffer grows with context: the page's fixed "0.5–2 GB" does not hold.
# - A 7–8B Q4 model at 8K needs 6–7 GiB, not 12–16 GB; a 32B Q4 model at 32K needs 24–31 GiB, not 48 GB.
# - Ollama spills layers to the CPU rather than failing; the cost is speed.
#
# ## Exercises

# %%
from course_lib.exercises import check, hint, question, solution

print(question("04.1"))
check("04.1", ...)

# %%
print(question("04.2"))
check("04.2", ...)

# %% [markdown]
# Taking the page's figure for 04.1 gets this feedback:

# %%
check("04.1", 14)
