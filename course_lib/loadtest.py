"""Load-test a model server: speed, latency and goodput against concurrency (notebook ``05_tco``).

Any OpenAI-compatible server (``/v1/completions`` or ``/v1/chat/completions``, streaming: llama.cpp,
vLLM, SGLang, Ollama, LM Studio, ...) and llama.cpp's own server::

    python -m course_lib loadtest --url http://127.0.0.1:8080 --concurrency 1,2,4,8 \\
        --prompt-tokens 256 --output-tokens 64 --requests 16 --slo-ttft 2 --slo-tpot 100 --json

Per concurrency level ``c``: ``c`` streaming requests in flight at once (closed loop: a new one starts as
soon as one ends), or arrivals at ``--rate`` requests/s (Poisson, seeded) capped at ``c`` in flight.
Every request carries a distinct prompt of random common words (no shared prefix; ``cache_prompt: false``
for llama.cpp), asks for exactly ``--output-tokens`` (``ignore_eos`` where the server has it) and is
timed from the moment it is sent:

- **TTFT** (time to first token, 首字延迟): until the first streamed text; queueing in the server included.
- **TPOT** (time per output token): (end - first token) / (output tokens - 1), in ms.
- **e2e**: until the end of the stream. Percentiles p50/p95 by linear interpolation over the successful requests.
- **output tok/s, input tok/s, requests/s**: totals of the successful requests over the level's wall time
  (first send to last end), token counts from the server's own ``usage`` (llama.cpp: also ``timings``),
  never from counting chunks unless the server reports nothing.
- **goodput** (有效吞吐): requests/s that met the latency targets (TTFT <= ``--slo-ttft`` s and TPOT <=
  ``--slo-tpot`` ms); ``null`` when no target was given (goodput needs a target).

Bounded: every request ends within ``timeout_s``; no request starts after ``deadline_s`` (levels not
reached are listed as skipped), so the run ends within ``deadline_s + timeout_s``. Every failure is one line on stderr (refused
connection, HTTP status with the start of the body, timeout); a refused port stops the run before the
first level.

How it differs from the well-kept load generators, and why it is written by hand:

- ``vllm bench serve`` (vLLM's benchmark) is the reference for TTFT/TPOT/ITL/goodput definitions, but it
  comes with vLLM itself (GBs, torch) and needs the model's Hugging Face tokenizer to build prompts;
  nothing of it installs on the course's 2-core CPU machine without a GPU stack.
- **guidellm** (vllm-project) sweeps rates (synchronous, throughput, concurrent, constant, Poisson) and
  reports the same metrics with a rich console; it needs a Hugging Face tokenizer to synthesise prompts
  and pulls in transformers, torch and datasets (guidellm 0.8.1 installed here from PyPI in a throwaway
  venv: 6 GB). Its "TPOT" is end-to-end latency per output token (first token included); what vLLM and
  this tool call TPOT, guidellm calls ITL. Its synthetic prompts come from a fixed seed (42 by default)
  and it leaves llama.cpp's prompt cache on, so a second run with the same seed is served from the cache.
- **llmperf** (ray-project) runs on Ray and is installed from GitHub; the PyPI name ``llmperf`` (0.0.1) is
  an unrelated 2 kB placeholder.

Both were run on the same CPU llama.cpp server, alternating, 4 rounds at 2 concurrent requests of 128
prompt + 32 output tokens (``benchmarks/serving.py --guidellm``, ``benchmarks/results/serving_compare.json``):
they agree on TPOT within the machine's noise, and guidellm measured less throughput and a longer TTFT in
3 of 4 rounds, as its own CPU use predicts on 2 shared cores (about 21-24 CPU-seconds per 4-request run,
against 0.03-0.06 for this tool). Run again with its last seed, guidellm's requests made the server compute
3.7% of their prompt tokens (llama.cpp's ``/metrics``), and its TTFT fell to a fraction of the round before.

This tool is stdlib plus tqdm (threads and ``http.client``, no async client, nothing to download), sizes
prompts with the server's own ``/tokenize`` (llama.cpp, vLLM) instead of a local tokenizer, turns off
llama.cpp's prompt cache, and reads llama.cpp's ``/props`` (slots, context, build) and ``timings``. It
does not replay datasets, sweep rates automatically or measure inter-token latency per chunk.
"""
from __future__ import annotations

import http.client
import json
import math
import random
import socket
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .live import http_json

LEVEL_KEYS = ("concurrency", "requests", "errors", "ttft_p50_s", "ttft_p95_s", "tpot_p50_ms", "tpot_p95_ms",
              "e2e_p50_s", "e2e_p95_s", "output_tok_s", "input_tok_s", "requests_per_s", "goodput_rps")
ENDPOINTS = ("completions", "chat")
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_DEADLINE_S = 600.0
MAX_ERROR_LINES = 5  # per level; the rest are counted

# Common English words; each is one token with its leading space in most tokenizers. Prompts are random
# sequences of them: distinct per request, no shared prefix, no content for a cache to reuse.
WORDS = """time year people way day man thing woman life child world school state family student group country
problem hand part place case week company system program question work government number night point home water
room mother area money story fact month lot right study book eye job word business issue side kind head house
service friend father power hour game line end member law car city community name president team minute idea kid
body information back parent face others level office door health person art war history party result change
morning reason research girl guy moment air teacher force education foot boy age policy process music market sense
nation plan college interest death experience effect use class control care field development role effort rate
heart drug show leader light voice wife police mind price report decision son view relationship town road arm
difference value building action model season society tax director position player record paper space ground form
event official matter center couple site project activity star table need court oil situation cost industry figure
street image phone data picture practice piece land product doctor wall patient worker news test movie north love
support technology step baby computer type attention film tree source organization hair window evidence population
site truth song energy table garden river summer winter paper green blue small large quick slow bright quiet""".split()


@dataclass
class RequestResult:
    """What one streamed request did; times in seconds from its send. Taught in notebook ``05_tco``."""

    ok: bool
    error: str | None = None
    ttft_s: float | None = None
    e2e_s: float | None = None
    output_tokens: int | None = None
    input_tokens: int | None = None
    tokens_from: str | None = None  # "usage", "timings" or "chunks"

    @property
    def tpot_ms(self) -> float | None:
        """Time per output token after the first, in ms (None with fewer than 2 output tokens)."""
        if not self.ok or self.ttft_s is None or self.e2e_s is None or not self.output_tokens or self.output_tokens < 2:
            return None
        return (self.e2e_s - self.ttft_s) / (self.output_tokens - 1) * 1000


def percentile(values, q: float) -> float | None:
    """The ``q`` quantile (0..1) by linear interpolation between order statistics (numpy's default);
    None for no values. Taught in notebook ``05_tco``."""
    v = sorted(x for x in values if x is not None)
    if not v:
        return None
    if not 0 <= q <= 1:
        raise ValueError(f"q: expected a quantile between 0 and 1, got {q!r}")
    k = (len(v) - 1) * q
    lo = math.floor(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def meets_slo(r: RequestResult, slo_ttft_s: float | None, slo_tpot_ms: float | None) -> bool:
    """Did one request meet the latency targets? A failed request never does; with a TPOT target, a
    request whose TPOT is unknown (one output token) does not count as meeting it. Taught in notebook ``05_tco``."""
    if not r.ok:
        return False
    if slo_ttft_s is not None and (r.ttft_s is None or r.ttft_s > slo_ttft_s):
        return False
    if slo_tpot_ms is not None and (r.tpot_ms is None or r.tpot_ms > slo_tpot_ms):
        return False
    return True


def summarize(results: list[RequestResult], wall_s: float, concurrency: int,
              slo_ttft_s: float | None = None, slo_tpot_ms: float | None = None) -> dict:
    """One level's row (the keys of ``LEVEL_KEYS``) from its requests and its wall time.

    Rates are totals of the successful requests over ``wall_s``; percentiles are over the successful
    requests (None when none succeeded; input tok/s None when the server reported no prompt tokens);
    goodput is None without a latency target. Taught in notebook ``05_tco``."""
    if not wall_s > 0:
        raise ValueError(f"wall_s: expected a positive number of seconds, got {wall_s!r}")
    ok = [r for r in results if r.ok]
    known_in = [r.input_tokens for r in ok if r.input_tokens is not None]

    def r6(x):
        return None if x is None else round(x, 6)

    row = {
        "concurrency": concurrency, "requests": len(results), "errors": len(results) - len(ok),
        "ttft_p50_s": r6(percentile([r.ttft_s for r in ok], 0.5)),
        "ttft_p95_s": r6(percentile([r.ttft_s for r in ok], 0.95)),
        "tpot_p50_ms": r6(percentile([r.tpot_ms for r in ok], 0.5)),
        "tpot_p95_ms": r6(percentile([r.tpot_ms for r in ok], 0.95)),
        "e2e_p50_s": r6(percentile([r.e2e_s for r in ok], 0.5)),
        "e2e_p95_s": r6(percentile([r.e2e_s for r in ok], 0.95)),
        "output_tok_s": r6(sum(r.output_tokens or 0 for r in ok) / wall_s),
        "input_tok_s": r6(sum(known_in) / wall_s) if ok and len(known_in) == len(ok) else None,
        "requests_per_s": r6(len(ok) / wall_s),
        "goodput_rps": None if slo_ttft_s is None and slo_tpot_ms is None else
        r6(sum(meets_slo(r, slo_ttft_s, slo_tpot_ms) for r in results) / wall_s),
    }
    assert tuple(row) == LEVEL_KEYS
    return row


# --- the server ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """Where the requests go: ``root`` (scheme://host:port[/prefix]), the endpoint path and its kind. Taught in notebook ``05_tco``."""

    root: str
    path: str
    kind: str  # "completions" or "chat"

    @property
    def url(self) -> str:
        return self.root + self.path


def resolve(url: str, endpoint: str = "completions") -> Target:
    """The endpoint to load: a URL naming ``/v1/completions`` or ``/v1/chat/completions`` is used as given; a
    base URL (``http://host:port`` or ``.../v1``) gets ``endpoint``'s path. llama.cpp's native ``/completion``
    is refused (its ``/v1`` endpoints carry the same timings).
    Raises ``ValueError`` naming ``url`` or ``endpoint``. Taught in notebook ``05_tco``."""
    if endpoint not in ENDPOINTS:
        raise ValueError(f"endpoint: expected one of {ENDPOINTS}, got {endpoint!r}")
    if not isinstance(url, str):
        raise ValueError(f"url: expected http://host:port[/v1[/completions]], got {url!r}")
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"url: expected http://host:port[/v1[/completions]], got {url!r}")
    try:
        _ = parts.port  # urllib checks the port only when asked
    except ValueError:
        raise ValueError(f"url: the port of {url!r} is not a number between 0 and 65535") from None
    path = parts.path.rstrip("/")
    base = f"{parts.scheme}://{parts.netloc}"
    for suffix, kind in (("/v1/chat/completions", "chat"), ("/chat/completions", "chat"),
                         ("/v1/completions", "completions"), ("/completions", "completions")):
        if path.endswith(suffix):
            return Target(base + path[: -len(suffix)], suffix, kind)
    if path.endswith("/completion"):
        raise ValueError(f"url: llama.cpp's native /completion is not supported; give the server's base URL "
                         f"(it serves /v1/completions), got {url!r}")
    path = path.removesuffix("/v1")
    return Target(base + path, "/v1/chat/completions" if endpoint == "chat" else "/v1/completions", endpoint)


def preflight(target: Target, timeout: float = 5.0) -> None:
    """Raise ``ConnectionError`` (one line) when nothing listens at the target's host and port. Taught in notebook ``05_tco``."""
    parts = urllib.parse.urlsplit(target.root)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            pass
    except ConnectionRefusedError:
        raise ConnectionError(f"connection refused at {parts.hostname}:{port}: is the server running?") from None
    except TimeoutError:
        raise ConnectionError(f"no answer from {parts.hostname}:{port} within {timeout:g} s") from None
    except OSError as e:
        raise ConnectionError(f"cannot reach {parts.hostname}:{port}: {e.strerror or e}") from None


def server_info(target: Target, timeout: float = 5.0) -> dict:
    """What the server says about itself (each probe optional, unknown left None): runtime (llama.cpp,
    vllm, ollama or openai-compatible), version/build, model, slots and context (llama.cpp ``/props``).
    Taught in notebook ``05_tco``."""
    info = {"url": target.url, "runtime": "openai-compatible", "version": None, "model": None,
            "slots": None, "n_ctx": None}

    def get(path):
        try:
            return http_json(target.root + path, timeout=timeout)
        except (ConnectionError, ValueError):
            return None

    models = get("/v1/models")
    data = (models or {}).get("data") if isinstance(models, dict) else None
    if isinstance(data, list) and data and isinstance(data[0], dict):
        info["model"] = data[0].get("id")
        owner = str(data[0].get("owned_by", "")).lower()
        if owner == "vllm":
            info["runtime"] = "vllm"
        elif owner == "llamacpp":
            info["runtime"] = "llama.cpp"
        meta = data[0].get("meta") or {}
        info["n_ctx"] = meta.get("n_ctx") or data[0].get("max_model_len")
    props = get("/props")
    if props and "default_generation_settings" in props:
        info["runtime"] = "llama.cpp"
        info["version"] = props.get("build_info")
        info["slots"] = props.get("total_slots")
        info["n_ctx"] = (props.get("default_generation_settings") or {}).get("n_ctx", info["n_ctx"])
    elif info["runtime"] == "vllm":
        info["version"] = (get("/version") or {}).get("version")
    elif info["runtime"] == "openai-compatible":
        v = get("/api/version")
        if v and "version" in v:
            info["runtime"], info["version"] = "ollama", v["version"]
    return info


def _count_tokens(target: Target, info: dict, text: str, timeout: float) -> int | None:
    """Tokens of ``text`` by the server's own tokenizer (llama.cpp, vLLM ``/tokenize``), or None."""
    try:
        if info["runtime"] == "llama.cpp":
            return len(http_json(target.root + "/tokenize", {"content": text}, timeout=timeout)["tokens"])
        if info["runtime"] == "vllm":
            body = http_json(target.root + "/tokenize", {"model": info["model"], "prompt": text}, timeout=timeout)
            return int(body.get("count", len(body.get("tokens", []))))
    except (ConnectionError, KeyError, TypeError, ValueError):
        return None
    return None


class PromptMaker:
    """Distinct prompts of about ``prompt_tokens`` tokens from random common words, sized with the server's
    tokenizer where it has one (1.3 tokens a word assumed otherwise). Taught in notebook ``05_tco``."""

    ASSUMED_TOKENS_PER_WORD = 1.3

    def __init__(self, prompt_tokens: int, rng: random.Random, tokens_per_word: float | None = None,
                 overhead: int = 0):
        self.prompt_tokens, self.rng = prompt_tokens, rng
        self.tokens_per_word = tokens_per_word or self.ASSUMED_TOKENS_PER_WORD
        self.overhead = overhead
        self.words = max(1, round((prompt_tokens - overhead) / self.tokens_per_word))

    @classmethod
    def calibrated(cls, prompt_tokens: int, rng: random.Random, target: Target, info: dict,
                   timeout: float) -> "PromptMaker":
        sample = " ".join(rng.choice(WORDS) for _ in range(400))
        n = _count_tokens(target, info, sample, timeout)
        empty = _count_tokens(target, info, "", timeout) if n else None
        if not n:
            return cls(prompt_tokens, rng)
        return cls(prompt_tokens, rng, tokens_per_word=max(0.2, (n - (empty or 0)) / 400), overhead=empty or 0)

    def __call__(self) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(self.words))


# --- one request -----------------------------------------------------------------------------------
def _payload(target: Target, info: dict, prompt: str, output_tokens: int, model: str | None) -> dict:
    p = {"max_tokens": output_tokens, "stream": True, "stream_options": {"include_usage": True}, "temperature": 0}
    if target.kind == "chat":
        p["messages"] = [{"role": "user", "content": prompt}]
    else:
        p["prompt"] = prompt
    if model or info.get("model"):
        p["model"] = model or info["model"]
    if info["runtime"] == "llama.cpp":
        p.update(ignore_eos=True, cache_prompt=False)
    elif info["runtime"] == "vllm":
        p.update(ignore_eos=True, min_tokens=output_tokens)
    return p


def _text_of(chunk: dict) -> str:
    out = []
    for ch in chunk.get("choices") or []:
        if not isinstance(ch, dict):
            continue
        if ch.get("text"):
            out.append(ch["text"])
        delta = ch.get("delta") or {}
        for k in ("content", "reasoning_content", "reasoning"):
            if isinstance(delta, dict) and delta.get(k):
                out.append(delta[k])
    return "".join(out)


def stream_one(target: Target, payload: dict, timeout: float) -> RequestResult:
    """Send one streaming request and time it; every failure becomes ``ok=False`` with a one-line ``error``.
    Connect, headers and every read share one deadline of ``timeout`` seconds. Taught in notebook ``05_tco``."""
    parts = urllib.parse.urlsplit(target.url)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    t0 = time.perf_counter()
    deadline = t0 + timeout
    first = None
    chunks = 0
    usage, timings = None, None
    finished = False

    def left() -> float:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            raise TimeoutError
        return remaining

    conn = cls(parts.hostname, parts.port, timeout=left())
    try:
        conn.connect()
        sock = conn.sock  # kept: http.client hands the socket to the response when the server closes after it
        sock.settimeout(left())
        conn.request("POST", parts.path, body=json.dumps(payload).encode(),
                     headers={"Content-Type": "application/json", "Accept": "text/event-stream"})
        sock.settimeout(left())
        resp = conn.getresponse()
        if resp.status >= 400:
            sock.settimeout(left())
            body = resp.read(600).decode("utf-8", errors="replace")
            return RequestResult(False, f"HTTP {resp.status} from {target.url}: {' '.join(body.split())[:200]}")
        while True:
            sock.settimeout(left())
            line = resp.readline(1 << 20)
            if not line:
                break
            line = line.strip()
            if not line.startswith(b"data:"):
                continue
            data = line[5:].strip()
            if data == b"[DONE]":
                finished = True
                break
            try:
                chunk = json.loads(data)
            except json.JSONDecodeError:
                return RequestResult(False, f"{target.url} streamed a line that is not JSON: {data[:80]!r}")
            if not isinstance(chunk, dict):
                continue
            if "error" in chunk:
                return RequestResult(False, f"{target.url} streamed an error: {json.dumps(chunk['error'])[:200]}")
            if _text_of(chunk):
                chunks += 1
                if first is None:
                    first = time.perf_counter()
            if isinstance(chunk.get("usage"), dict):
                usage = chunk["usage"]
            if isinstance(chunk.get("timings"), dict):
                timings = chunk["timings"]
            if any(isinstance(c, dict) and c.get("finish_reason") for c in chunk.get("choices") or []):
                finished = True  # the usage chunk may still follow: read on to [DONE] or the end
        end = time.perf_counter()
    except TimeoutError:
        return RequestResult(False, f"timeout: no complete answer from {target.url} within {timeout:g} s"
                             + (f" ({chunks} chunks streamed)" if chunks else ""))
    except ConnectionRefusedError:
        return RequestResult(False, f"connection refused at {parts.hostname}:{parts.port}: is the server running?")
    except (OSError, http.client.HTTPException) as e:
        return RequestResult(False, f"{type(e).__name__} from {target.url}: {e!s:.150}")
    finally:
        conn.close()
    if first is None:
        return RequestResult(False, f"{target.url} streamed no text" + ("" if finished else " and no finish"))
    if not finished:
        return RequestResult(False, f"the stream from {target.url} ended after {chunks} chunks without a finish")
    out, src, inp = None, None, None
    if usage and isinstance(usage.get("completion_tokens"), int):
        out, src = usage["completion_tokens"], "usage"
        inp = usage.get("prompt_tokens")
    elif timings and isinstance(timings.get("predicted_n"), int):
        out, src = timings["predicted_n"], "timings"
    else:
        out, src = chunks, "chunks"
    if inp is None and timings and isinstance(timings.get("prompt_n"), int):
        inp = timings["prompt_n"] + int(timings.get("cache_n") or 0)
    return RequestResult(True, None, first - t0, end - t0, out, inp, src)


# --- one level and the run -----------------------------------------------------------------------
def _positive_int(name: str, v) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ValueError(f"{name}: expected a whole number >= 1, got {v!r}")
    return v


def _positive_num(name: str, v, allow_none: bool = True) -> float | None:
    if v is None and allow_none:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
        raise ValueError(f"{name}: expected a positive number, got {v!r}")
    return float(v)


def run_level(target: Target, info: dict, concurrency: int, make_prompt, output_tokens: int, *,
              requests: int | None = None, duration_s: float | None = None, rate: float | None = None,
              model: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S, stop_at: float | None = None,
              rng: random.Random | None = None, progress: bool = True,
              say=None) -> tuple[list[RequestResult], float, bool]:
    """Run one level: ``requests`` in all or for ``duration_s``, at most ``concurrency`` in flight, arrivals
    closed-loop or at ``rate``/s (Poisson). Returns (results, wall seconds, cut short by ``stop_at``).
    Taught in notebook ``05_tco``."""
    from tqdm.auto import tqdm

    rng = rng or random.Random()
    say = say or (lambda line: print(line, file=sys.stderr))
    slots = threading.Semaphore(concurrency)
    lock = threading.Lock()
    results: list[RequestResult] = []
    shown = [0]
    bar = tqdm(total=requests, desc=f"c={concurrency}", unit="req", disable=not progress, leave=False,
               file=sys.stderr)
    t_start = time.perf_counter()
    ends = [t_start]
    end_by = t_start + duration_s if duration_s else None
    stop_at = stop_at if stop_at is not None else math.inf
    cut = False

    def job(prompt: str) -> None:
        try:
            try:
                r = stream_one(target, _payload(target, info, prompt, output_tokens, model), timeout_s)
            except Exception as e:  # noqa: BLE001 - whatever happens, one line, counted as an error
                r = RequestResult(False, f"{type(e).__name__} while calling {target.url}: {e!s:.150}")
            with lock:
                results.append(r)
                ends.append(time.perf_counter())
                bar.update(1)
                if not r.ok:
                    shown[0] += 1
                    if shown[0] <= MAX_ERROR_LINES:
                        bar.clear()
                        say(f"loadtest c={concurrency}: {r.error}")
        finally:
            slots.release()

    issued = 0
    next_arrival = t_start
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        while True:
            if requests is not None and issued >= requests:
                break
            now = time.perf_counter()
            if end_by is not None and now >= end_by:
                break
            if now >= stop_at:
                cut = True
                break
            if rate and next_arrival > now:
                time.sleep(min(next_arrival - now, 0.2))  # wake at least every 0.2 s to check the ends
                continue
            while not slots.acquire(timeout=0.2):
                if time.perf_counter() >= stop_at:
                    cut = True
                    break
            if cut:
                break
            if end_by is not None and time.perf_counter() >= end_by:
                slots.release()  # the level's time ran out while waiting for a free slot
                break
            pool.submit(job, make_prompt())
            issued += 1
            if rate:
                next_arrival += rng.expovariate(rate)
    bar.close()
    if shown[0] > MAX_ERROR_LINES:
        say(f"loadtest c={concurrency}: {shown[0] - MAX_ERROR_LINES} more failed requests not shown")
    wall = max(ends) - t_start
    return results, wall, cut


def run(url: str, concurrency=(1, 2, 4, 8), prompt_tokens: int = 256, output_tokens: int = 64, *,
        duration_s: float | None = None, requests: int | None = None, rate: float | None = None,
        slo_ttft_s: float | None = None, slo_tpot_ms: float | None = None, model: str | None = None,
        endpoint: str = "completions", timeout_s: float = DEFAULT_TIMEOUT_S,
        deadline_s: float = DEFAULT_DEADLINE_S, warmup: bool = True, seed: int | None = None,
        progress: bool = True, say=None) -> dict:
    """Load-test the server at ``url`` at each concurrency; ``{"levels": [...], "server": {...}, "run": {...}}``.

    Each level sends ``requests`` requests (default 4 × concurrency) or keeps sending for ``duration_s``
    seconds (not both). ``rate`` (requests/s) makes arrivals Poisson instead of back-to-back. The latency
    targets ``slo_ttft_s`` (s) and ``slo_tpot_ms`` (ms) define goodput. Each request ends within
    ``timeout_s``; no request starts after ``deadline_s`` from the start (levels not reached are listed in
    ``run.skipped``), so the run ends within ``deadline_s + timeout_s``. Raises ``ValueError`` naming the
    bad argument, ``ConnectionError`` (one line) when the server is not there, refuses the warm-up request
    or fails every request. Taught in notebook ``05_tco``.
    """
    if isinstance(concurrency, int):
        concurrency = [concurrency]
    try:
        levels = [_positive_int("concurrency", c) for c in concurrency]
    except TypeError:
        raise ValueError(f"concurrency: expected whole numbers >= 1, got {concurrency!r}") from None
    if not levels:
        raise ValueError("concurrency: expected at least one level, got none")
    _positive_int("prompt_tokens", prompt_tokens)
    _positive_int("output_tokens", output_tokens)
    if requests is not None and duration_s is not None:
        raise ValueError("requests, duration_s: give one of them, not both")
    if requests is not None:
        _positive_int("requests", requests)
    duration_s = _positive_num("duration_s", duration_s)
    rate = _positive_num("rate", rate)
    slo_ttft_s = _positive_num("slo_ttft_s", slo_ttft_s)
    slo_tpot_ms = _positive_num("slo_tpot_ms", slo_tpot_ms)
    timeout_s = _positive_num("timeout_s", timeout_s, allow_none=False)
    deadline_s = _positive_num("deadline_s", deadline_s, allow_none=False)
    target = resolve(url, endpoint)
    say = say or (lambda line: print(line, file=sys.stderr))

    t_run = time.perf_counter()
    stop_at = t_run + deadline_s
    preflight(target, timeout=min(5.0, timeout_s))
    info = server_info(target, timeout=min(5.0, timeout_s))
    if model:
        info["model"] = model
    rng = random.Random(seed)
    make_prompt = PromptMaker.calibrated(prompt_tokens, rng, target, info, timeout=min(10.0, timeout_s))
    if warmup:
        w = stream_one(target, _payload(target, info, make_prompt(), min(4, output_tokens), model), timeout_s)
        if not w.ok:
            raise ConnectionError(f"the warm-up request failed: {w.error}")

    out_levels, skipped, notes, per_level = [], [], [], []
    tokens_from = set()
    for c in levels:
        if time.perf_counter() >= stop_at:
            skipped.append(c)
            continue
        n = None if duration_s else (requests or 4 * c)
        results, wall, cut = run_level(target, info, c, make_prompt, output_tokens, requests=n,
                                       duration_s=duration_s, rate=rate, model=model, timeout_s=timeout_s,
                                       stop_at=stop_at, rng=rng, progress=progress, say=say)
        if not results:
            skipped.append(c)
            continue
        if cut:
            notes.append(f"c={c}: the run's deadline ({deadline_s:g} s) cut the level short after "
                         f"{len(results)} requests")
        out_levels.append(summarize(results, wall, c, slo_ttft_s, slo_tpot_ms))
        ok = [r for r in results if r.ok]
        tokens_from |= {r.tokens_from for r in ok}
        per_level.append({
            "concurrency": c, "wall_s": round(wall, 6),
            "output_tokens_mean": round(sum(r.output_tokens for r in ok) / len(ok), 3) if ok else None,
            "input_tokens_mean": (round(sum(r.input_tokens for r in ok) / len(ok), 3)
                                  if ok and all(r.input_tokens is not None for r in ok) else None),
            "error_lines": sorted({r.error for r in results if not r.ok})[:MAX_ERROR_LINES],
        })
    if out_levels and not any(row["requests"] > row["errors"] for row in out_levels):
        first = next(line for lvl in per_level for line in lvl["error_lines"])
        raise ConnectionError(f"every request failed ({sum(r['errors'] for r in out_levels)} in all); "
                              f"the first kind: {first}")
    if skipped:
        notes.append(f"levels not run (the run's deadline of {deadline_s:g} s passed): {skipped}")
    info["ignore_eos"] = info["runtime"] in ("llama.cpp", "vllm")
    if not info["ignore_eos"]:
        notes.append("this server is not known to honour ignore_eos: a request may stop early at end-of-text, "
                     "so output tokens can be under the requested count")
    return {
        "levels": out_levels,
        "server": info,
        "run": {"endpoint": target.kind, "prompt_tokens": prompt_tokens, "output_tokens": output_tokens,
                "requests_per_level": None if duration_s else requests, "duration_s": duration_s, "rate": rate,
                "slo_ttft_s": slo_ttft_s, "slo_tpot_ms": slo_tpot_ms, "timeout_s": timeout_s,
                "deadline_s": deadline_s, "tokens_from": sorted(t for t in tokens_from if t),
                "words_per_prompt": make_prompt.words, "tokens_per_word": round(make_prompt.tokens_per_word, 4),
                "per_level": per_level, "skipped": skipped, "notes": notes,
                "elapsed_s": round(time.perf_counter() - t_run, 3)},
    }
