"""course_lib: the tested library behind the course *LLM cost and deployment for web developers*.

A bill is unit price × tokens metered × workflow amplification. Each module is
one concern; every public function names the notebook that teaches it:

data                        where the data lives, its CSV and assumption readers (all)
prices, money               the dated price book and currencies                 (01_token_billing)
usage, billing, meter       usage from any provider, costs, metering            (01_token_billing, 03)
tokens, retrieval           offline tokenizers, BM25 retrieval                  (02_review_assistant)
review, agent, workflows    the review assistant V1/V2/V3 and per-turn profiles (02_review_assistant)
levers                      the five cost levers and the anti-patterns          (03_five_levers)
vram, live, llama_server    GPU memory; live Ollama / OpenAI-compatible servers (04_private_deployment)
tco                         API versus local, break-even                        (05_tco)
exports, logs               your own usage exports read, priced, reconciled     (06_your_own_bill)
env, exercises, widgets, plots  environment check, exercises, calculators, figures (all)
"""
__version__ = "0.1.0"
