"""Benchmark: a room of learners sharing one local model server.

    python benchmarks/classroom_load.py --learners 30 --json [--parallel 4] [--timeout 30]

Starts the course's own llama.cpp server (Gemma 3 270M on the CPU, course_lib.llama_server) on
127.0.0.1 with ``--parallel`` slots, then runs ``--learners`` concurrent learners through the live parts
of lessons 02 and 04 exactly as the notebooks call them: V1 and a three-turn V3 of the review assistant
(``review.live_runs``) and the server measurement (``live.openai_server_measure``). Every request is a
course call with its own deadline; the load is bounded (one pass per learner), loopback only, and the
server is stopped at the end. Reports requests, errors (with the message a learner would see), p50/p95
latency and the server's peak resident memory.
"""
from __future__ import annotations

import argparse
import functools
import json
import platform
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course_lib import live, review  # noqa: E402
from course_lib.llama_server import LlamaServer  # noqa: E402


def _rss_bytes(pid: int) -> int:
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learners", type=int, default=30)
    ap.add_argument("--parallel", type=int, default=4, help="server slots (llama.cpp -np)")
    ap.add_argument("--ctx", type=int, default=16384, help="total context, split across the slots")
    ap.add_argument("--timeout", type=float, default=live.CHAT_TIMEOUT_S, help="each call's deadline, seconds")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    latencies, errors, lock = [], [], threading.Lock()

    def timed_chat(base, messages, max_tokens=48):
        t0 = time.perf_counter()
        try:
            return live.openai_chat(base, messages, max_tokens=max_tokens, timeout=a.timeout)
        except ConnectionError as e:
            with lock:
                errors.append(str(e))
            raise
        finally:
            with lock:
                latencies.append(time.perf_counter() - t0)

    with LlamaServer(ctx=a.ctx, parallel=a.parallel, threads=2) as srv:
        base = srv.base_url + "/v1"
        peak = {"rss": _rss_bytes(srv.proc.pid)}
        stop = threading.Event()

        def watch():
            while not stop.is_set():
                peak["rss"] = max(peak["rss"], _rss_bytes(srv.proc.pid))
                time.sleep(0.2)
        threading.Thread(target=watch, daemon=True).start()

        def learner(i):
            done = {"lesson02": False, "lesson04": False}
            try:
                review.live_runs(functools.partial(timed_chat, base), v3_turns=3, max_tokens=48)
                done["lesson02"] = True
            except ConnectionError:
                pass
            t0 = time.perf_counter()
            try:
                live.openai_server_measure(base, max_tokens=32, timeout=a.timeout)
                done["lesson04"] = True
            except ConnectionError as e:
                with lock:
                    errors.append(str(e))
            finally:
                with lock:
                    latencies.append(time.perf_counter() - t0)
            return done

        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=a.learners) as pool:
            results = list(pool.map(learner, range(a.learners)))
        wall = time.perf_counter() - t0
        stop.set()
    lat = np.array(latencies) * 1000
    out = {"benchmark": "classroom_load", "learners": a.learners, "server_slots": a.parallel, "ctx_total": a.ctx,
           "call_deadline_s": a.timeout, "requests": len(latencies), "errors": len(errors),
           "error_examples": sorted(set(e[:140] for e in errors))[:3],
           "learners_with_lesson02_live": sum(r["lesson02"] for r in results),
           "learners_with_lesson04_live": sum(r["lesson04"] for r in results),
           "p50_ms": round(float(np.percentile(lat, 50)), 0), "p95_ms": round(float(np.percentile(lat, 95)), 0),
           "max_ms": round(float(lat.max()), 0), "wall_s": round(wall, 1),
           "server_peak_rss_mib": round(peak["rss"] / 2 ** 20, 0),
           "server": "llama.cpp (xllamacpp) + Gemma 3 270M Q4_K_M, CPU, 2 threads",
           "python": platform.python_version(), "machine": platform.machine()}
    print(json.dumps(out) if a.json else "\n".join(f"{k}: {v}" for k, v in out.items()))


if __name__ == "__main__":
    main()
