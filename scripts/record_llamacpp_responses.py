"""Record two real llama.cpp chat responses (the second hits the prompt cache) into data/responses/.

Run: .venv/bin/python scripts/record_llamacpp_responses.py
"""
import json
import platform
from datetime import date
from importlib.metadata import version
from pathlib import Path

from course_lib.llama_server import LlamaServer

OUT = Path(__file__).resolve().parent.parent / "data" / "responses"
MESSAGES = [
    {"role": "system", "content": "You are a careful code reviewer. Point out bugs in the diff."},
    {"role": "user", "content": "--- a/cart.py\n+++ b/cart.py\n@@\n-    return sum(i.price for i in items)\n"
                                "+    return sum(i.price * i.qty for i in items) - discount\n"},
]
with LlamaServer(ctx=2048) as srv:
    bodies = [srv.chat(MESSAGES, max_tokens=24) for _ in range(2)]
for i, body in enumerate(bodies, 1):
    record = {
        "shape": "llamacpp",
        "source": (f"recorded by scripts/record_llamacpp_responses.py: llama.cpp server (xllamacpp "
                   f"{version('xllamacpp')}) serving Gemma 3 270M Q4_K_M on CPU, {platform.machine()}, "
                   "temperature 0, seed 42; call %d of 2 with the same messages" % i),
        "recorded": str(date.today()),
        "body": body,
    }
    (OUT / f"llamacpp_chat_call{i}.json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
print("wrote", [f"llamacpp_chat_call{i}.json" for i in (1, 2)])
