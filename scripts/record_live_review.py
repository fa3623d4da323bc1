"""Record V1 and a short V3 of the review assistant against a real llama.cpp server.

Writes data/recorded/live_review_llamacpp.json, which lesson 02 shows (labelled)
when no local server is reachable. Run: .venv/bin/python scripts/record_live_review.py
"""
import functools
import json
import platform
from datetime import date
from importlib.metadata import version
from pathlib import Path

from course_lib.live import openai_chat
from course_lib.llama_server import LlamaServer
from course_lib.review import live_runs

OUT = Path(__file__).resolve().parent.parent / "data" / "recorded" / "live_review_llamacpp.json"
with LlamaServer(ctx=8192) as srv:
    bodies = live_runs(functools.partial(openai_chat, f"{srv.base_url}/v1"))
record = {
    "what": "V1 and a 3-turn V3 of the review assistant, real usage from a llama.cpp server",
    "how": (f"scripts/record_live_review.py: llama.cpp server (xllamacpp {version('xllamacpp')}) serving "
            f"Gemma 3 270M Q4_K_M on the CPU ({platform.machine()}, 2 threads), ctx 8192, temperature 0, seed 42. "
            "The base model writes no valid tool calls, so each V3 action came from the scripted policy; "
            "the tokens, cache hits and timings are the server's own."),
    "recorded": str(date.today()),
    "bodies": bodies,
}
OUT.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
print("wrote", OUT)
