"""Record how a timestamp placed first in the prompt destroys prompt-cache hits (real llama.cpp server).

Sends the same system prompt and tool schemas five times with a changing timestamp,
once at the start of the prompt and once at the end, and keeps the server's usage.
Writes data/recorded/cache_timestamp_llamacpp.json (lesson 03 shows it).
"""
import json
import platform
from datetime import date, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

from course_lib.agent import SYSTEM_PROMPT, TOOLS
from course_lib.llama_server import LlamaServer

OUT = Path(__file__).resolve().parent.parent / "data" / "recorded" / "cache_timestamp_llamacpp.json"
STABLE = SYSTEM_PROMPT + "\nTools: " + json.dumps(TOOLS)
t0 = datetime(2026, 6, 15, 9, 0, 0)
runs = {}
for swa_full in (False, True):
  with LlamaServer(ctx=4096, swa_full=swa_full) as srv:
    for layout in ("timestamp first", "timestamp last"):
        key = f"{layout}, swa_full={swa_full}"
        runs[key] = []
        for i in range(5):
            stamp = f"Current time: {(t0 + timedelta(seconds=37 * i)).isoformat()}"
            system = stamp + "\n" + STABLE if layout == "timestamp first" else STABLE + "\n" + stamp
            body = srv.chat([{"role": "system", "content": system}, {"role": "user", "content": "Review PR #42."}],
                            max_tokens=1)
            runs[key].append(body["usage"])
record = {"what": "prompt-cache hits with a timestamp first vs last in the system prompt, 5 requests each, one layout after the other",
          "how": (f"scripts/record_cache_timestamp.py: llama.cpp server (xllamacpp {version('xllamacpp')}) with "
                  f"Gemma 3 270M on the CPU ({platform.machine()}), one slot, five requests "
                  "with the first layout, then five with the second; the timestamp changes every request. Gemma 3 has "
                  "sliding-window layers: without --swa-full llama.cpp cannot reuse a prefix whose suffix changed"),
          "recorded": str(date.today()), "usage": runs}
OUT.write_text(json.dumps(record, indent=1) + "\n")
for k, v in runs.items():
    print(k, [(u["prompt_tokens"], u["prompt_tokens_details"]["cached_tokens"]) for u in v])
