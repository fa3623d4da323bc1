"""Live local model servers: Ollama and any OpenAI-compatible server (notebooks ``00``, ``02``, ``04``).

Every network call here has a timeout. With no server reachable, the probes
answer within seconds and the notebooks fall back to recorded runs, saying so.
Set ``COURSE_LIB_OFFLINE=1`` to skip probing altogether (the notebook tests do,
so that their committed outputs do not depend on what runs on the machine).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434"
DEFAULT_OPENAI_BASE_URL = "http://127.0.0.1:8080/v1"
DEFAULT_TIMEOUT_S = 2.0


def offline() -> bool:
    """True when ``COURSE_LIB_OFFLINE`` asks the course not to probe for servers. Taught in notebook ``04_private_deployment``."""
    return os.environ.get("COURSE_LIB_OFFLINE", "").strip() not in ("", "0", "false", "no")


def ollama_host() -> str:
    """The Ollama host: ``OLLAMA_HOST`` (as the official client reads it) or the default.

    Raises ``ValueError`` naming the variable for a value that is not ``host[:port]`` or a URL.
    Taught in notebook ``04_private_deployment``."""
    import urllib.parse
    raw = os.environ.get("OLLAMA_HOST", "").strip() or DEFAULT_OLLAMA_HOST
    host = raw if "://" in raw else f"http://{raw}"
    try:
        parts = urllib.parse.urlsplit(host)
        _ = parts.port  # reading it raises ValueError for a bad port
    except ValueError as e:
        raise ValueError(f"OLLAMA_HOST: {raw!r} is not host[:port] or an http(s) URL ({e}); "
                         "for example 127.0.0.1:11434") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"OLLAMA_HOST: {raw!r} is not host[:port] or an http(s) URL")
    return host


def openai_base_url() -> str:
    """The OpenAI-compatible base URL: ``COURSE_LLM_BASE_URL`` or llama.cpp's default. Taught in notebook ``04_private_deployment``."""
    return (os.environ.get("COURSE_LLM_BASE_URL", "").strip() or DEFAULT_OPENAI_BASE_URL).rstrip("/")


@dataclass(frozen=True)
class Probe:
    """Whether a server answered, and what it said. Taught in notebook ``04_private_deployment``."""

    kind: str
    url: str
    reachable: bool
    detail: str

    def __str__(self) -> str:
        state = "reachable" if self.reachable else "not reachable"
        return f"{self.kind} at {self.url}: {state} ({self.detail})"


MAX_BODY_BYTES = 32 * 1024 * 1024


def _fetch(url: str, payload: dict | None, timeout: float, headers: dict | None) -> tuple[int, str, bytes]:
    """(status, content type, body) of one request that ends by ``timeout`` seconds **in total**: connect,
    headers and every read share one deadline, so a server that trickles a byte a second cannot hold it."""
    import http.client
    import time
    import urllib.parse

    deadline = time.monotonic() + timeout

    def left() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no complete answer within {timeout:g} s")
        return remaining

    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"url: expected http://host:port/..., got {url!r}")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"url: the port of {url!r} is not a number") from None
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(parts.hostname, port, timeout=left())
    try:
        conn.connect()
        sock = conn.sock
        sock.settimeout(left())
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        body = None if payload is None else json.dumps(payload).encode()
        conn.request("GET" if body is None else "POST", path, body=body,
                     headers={"Content-Type": "application/json", **(headers or {})})
        sock.settimeout(left())
        resp = conn.getresponse()
        chunks, size = [], 0
        while True:
            sock.settimeout(left())
            chunk = resp.read1(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise ValueError(f"the answer is larger than {MAX_BODY_BYTES // 2**20} MiB")
            chunks.append(chunk)
        return resp.status, resp.getheader("Content-Type", "") or "", b"".join(chunks)
    finally:
        conn.close()


def http_json(url: str, payload: dict | None = None, timeout: float = DEFAULT_TIMEOUT_S,
              headers: dict | None = None) -> dict:
    """GET (or POST ``payload``) and decode a JSON object, all within ``timeout`` seconds in total.

    Anything else (no answer, a refused connection, bytes that are not HTTP, an HTTP error, an HTML page,
    JSON that is not an object) raises ``ConnectionError`` saying what answered. Taught in notebook
    ``04_private_deployment``.
    """
    import http.client

    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout: expected a positive number of seconds, got {timeout!r}")
    try:
        status, ctype, raw = _fetch(url, payload, timeout, headers)
    except (OSError, TimeoutError) as e:
        raise ConnectionError(f"{url} did not answer within {timeout:g} s: {getattr(e, 'reason', e)}") from None
    except http.client.HTTPException as e:
        raise ConnectionError(f"{url}: what answered does not speak HTTP ({type(e).__name__}: {e!s:.80})") from None
    except ValueError as e:
        raise ConnectionError(f"{url}: {e}") from None
    text = raw.decode("utf-8", errors="replace")
    if status >= 400:
        raise ConnectionError(f"{url} answered HTTP {status}: {text[:300]}")
    if "html" in ctype.lower() or text.lstrip()[:1] == "<":
        raise ConnectionError(f"{url} answered an HTML page (HTTP {status}), not JSON: is this the right port?")
    try:
        data = json.loads(text or "{}")
    except json.JSONDecodeError as e:
        raise ConnectionError(f"{url} answered HTTP {status} with text that is not JSON ({e.msg}): {text[:80]!r}") from None
    if not isinstance(data, dict):
        raise ConnectionError(f"{url} answered JSON {type(data).__name__}, not an object: is this the right server?")
    return data


def probe_ollama(host: str | None = None, timeout: float = DEFAULT_TIMEOUT_S) -> Probe:
    """Is an Ollama server answering at ``host``? (``GET /api/version``; notebook ``00_start_here``)"""
    if offline():
        return Probe("Ollama", host or os.environ.get("OLLAMA_HOST", DEFAULT_OLLAMA_HOST), False,
                     "not checked: COURSE_LIB_OFFLINE is set")
    try:
        host = (host or ollama_host()).rstrip("/")
    except ValueError as e:
        return Probe("Ollama", os.environ.get("OLLAMA_HOST", ""), False, str(e))
    try:
        v = http_json(f"{host}/api/version", timeout=timeout)
        if "version" not in v:
            return Probe("Ollama", host, False, f"something answered JSON without a version (keys {sorted(v)[:5]}): "
                         "not an Ollama server")
        return Probe("Ollama", host, True, f"version {v['version']}")
    except ConnectionError as e:
        return Probe("Ollama", host, False, str(e))


def probe_openai(base_url: str | None = None, timeout: float = DEFAULT_TIMEOUT_S) -> Probe:
    """Is an OpenAI-compatible server answering at ``base_url``? (``GET /models``; notebook ``00``)"""
    base = (base_url or openai_base_url()).rstrip("/")
    if offline():
        return Probe("OpenAI-compatible server", base, False, "not checked: COURSE_LIB_OFFLINE is set")
    try:
        models = http_json(f"{base}/models", timeout=timeout)
        data = models.get("data")
        if not isinstance(data, list):
            return Probe("OpenAI-compatible server", base, False,
                         f"something answered JSON without a model list (keys {sorted(models)[:5]})")
        names = [str(m.get("id", "?")) for m in data if isinstance(m, dict)][:3]
        return Probe("OpenAI-compatible server", base, True, f"models: {', '.join(names) or 'none listed'}")
    except ConnectionError as e:
        return Probe("OpenAI-compatible server", base, False, str(e))


CHAT_TIMEOUT_S = 30.0  # a short reply from a small local model takes seconds; a hung server, forever


def chat_timeout() -> float:
    """Each chat call's deadline in seconds: ``COURSE_LLM_TIMEOUT_S`` where set (an instructor lengthens it for a
    room sharing one server, or shortens it), else :data:`CHAT_TIMEOUT_S`. Taught in notebook
    ``04_private_deployment``."""
    raw = os.environ.get("COURSE_LLM_TIMEOUT_S", "").strip()
    if not raw:
        return CHAT_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise ValueError(f"COURSE_LLM_TIMEOUT_S: expected a positive number of seconds, got {raw!r}")
    return value


def openai_chat(base_url: str, messages: list[dict], max_tokens: int = 64, model: str | None = None,
                timeout: float | None = None) -> dict:
    """One chat completion from an OpenAI-compatible server; the raw body (notebooks ``02`` and ``04``).

    Temperature 0 and a fixed seed, so a server that honours them answers the same way each time. The
    whole call ends within ``timeout`` seconds (default :func:`chat_timeout`, 30 s unless
    ``COURSE_LLM_TIMEOUT_S`` says otherwise): pass more for a long answer on a slow machine.
    """
    payload = {"messages": messages, "max_tokens": max_tokens, "temperature": 0, "seed": 42}
    if model:
        payload["model"] = model
    return http_json(f"{base_url.rstrip('/')}/chat/completions", payload,
                     timeout=chat_timeout() if timeout is None else timeout)


def live_or_recorded(run, recorded, say=print):
    """``run()``, the live part of a lesson against a server that answered its probe; when that server is
    slower than a call's deadline or fails mid-way (``ConnectionError``: a room sharing one busy server, a
    model still loading), ``say`` why and return ``recorded()`` instead, so that Run All goes on with the
    recording, labelled, rather than stopping. Taught in notebook ``04_private_deployment``."""
    try:
        return run()
    except ConnectionError as e:
        say(f"The live part stopped: {e}. The server answered its probe but not the run within its deadline "
            "(a busy or overloaded server): the recording below stands in. An instructor can lengthen the "
            "deadline with COURSE_LLM_TIMEOUT_S.")
        return recorded()


# --- Ollama, through the official client ------------------------------------------------------
def ollama_client(host: str | None = None, timeout: float = 60.0):
    """An ``ollama.Client`` with a timeout (the client's own default is none: a silent server hangs it),
    whose errors (``httpx`` timeouts and connection errors, ``ollama.ResponseError``) come back as one
    ``ConnectionError`` naming the host and what to do. Taught in notebook ``04_private_deployment``."""
    import ollama

    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError(f"timeout: expected a positive number of seconds, got {timeout!r}")
    host = host or ollama_host()
    return _GuardedClient(ollama.Client(host=host, timeout=timeout), host, timeout)


class _GuardedClient:
    """The official client with its errors translated (see :func:`ollama_client`)."""

    def __init__(self, client, host: str, timeout: float):
        self._client, self._host, self._timeout = client, host, timeout

    def __getattr__(self, name):
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            import httpx
            import ollama
            try:
                return attr(*args, **kwargs)
            except httpx.TimeoutException:
                raise ConnectionError(f"Ollama at {self._host} did not answer {name}() within {self._timeout:g} s: "
                                      "is the model still loading? pass ollama_client(timeout=...) for more") from None
            except (httpx.HTTPError, ConnectionError) as e:
                raise ConnectionError(f"Ollama at {self._host} is not reachable for {name}() ({e}): start it with "
                                      "`ollama serve` or set OLLAMA_HOST") from None
            except ollama.ResponseError as e:
                raise ConnectionError(f"Ollama at {self._host} refused {name}(): {e.error} (HTTP {e.status_code})"
                                      + ("; pull the model first with `ollama pull`" if e.status_code == 404 else "")
                                      ) from None
        return call


def _plain(obj):
    from .usage import to_mapping
    return dict(to_mapping(obj))


def ps_table(ps) -> "pd.DataFrame":
    """Running models from an Ollama ``ps()`` response: size, size in VRAM, GPU share (notebook ``04``).

    ``ollama ps`` prints decimal GB; the table gives GiB as the estimator does.
    A GPU share under 100% means Ollama moved layers to the CPU.
    """
    import pandas as pd

    rows = []
    for m in _plain(ps).get("models", []):
        m = _plain(m)
        size, vram = int(m.get("size", 0)), int(m.get("size_vram", 0))
        rows.append({"model": m.get("model") or m.get("name"), "size_gib": size / 2**30, "vram_gib": vram / 2**30,
                     "gpu_share": vram / size if size else 0.0, "context_length": m.get("context_length")})
    return pd.DataFrame(rows, columns=["model", "size_gib", "vram_gib", "gpu_share", "context_length"]).set_index("model")


def ollama_tokens_per_s(chat_response) -> float:
    """Decode speed from an Ollama response: ``eval_count / eval_duration`` (nanoseconds). Taught in notebook ``04_private_deployment``."""
    r = _plain(chat_response)
    if not r.get("eval_duration"):
        raise ValueError("eval_duration: missing or zero in the Ollama response")
    return r["eval_count"] / (r["eval_duration"] / 1e9)


def ollama_ctx_sweep(model: str, num_ctx=(2048, 8192, 32768), client=None, prompt: str = "Say hello.",
                     num_predict: int = 32, progress: bool = True) -> "pd.DataFrame":
    """For each ``num_ctx``: load the model, read size and size_vram from ``ps()``, measure decode speed,
    and set the estimator's number beside it (notebook ``04_private_deployment``)."""
    import pandas as pd
    from tqdm.auto import tqdm

    from . import vram

    client = client or ollama_client()
    arch = vram.from_ollama_show(_plain(client.show(model)), model)
    rows = []
    for ctx in tqdm(list(num_ctx), desc=f"{model}: num_ctx sweep", disable=not progress):
        resp = client.chat(model=model, messages=[{"role": "user", "content": prompt}],
                           options={"num_ctx": int(ctx), "num_predict": num_predict, "temperature": 0, "seed": 42})
        running = ps_table(client.ps())
        row = running.loc[model] if model in running.index else running.iloc[0]
        est = vram.estimate(arch, int(ctx), flash_attention=False)
        rows.append({"num_ctx": ctx, "ollama_size_gib": row["size_gib"], "ollama_vram_gib": row["vram_gib"],
                     "gpu_share": row["gpu_share"], "estimate_gib": est.total_bytes / 2**30,
                     "decode_tok_s": ollama_tokens_per_s(resp)})
    return pd.DataFrame(rows).set_index("num_ctx")


# --- llama.cpp / vLLM / SGLang through their OpenAI-compatible servers ------------------------
def server_root(base_url: str) -> str:
    """``http://host:port`` from an OpenAI base URL such as ``http://host:port/v1``. Taught in notebook ``04_private_deployment``."""
    b = base_url.rstrip("/")
    return b[:-3] if b.endswith("/v1") else b


def prometheus_metrics(base_url: str, timeout: float = DEFAULT_TIMEOUT_S) -> dict:
    """The server's ``/metrics`` (llama.cpp with ``--metrics``, vLLM, SGLang) as {name: value}.

    Reads the Prometheus text format: ``name{labels} value [timestamp]``; the optional timestamp is
    dropped, never taken for the value. Taught in notebook ``04_private_deployment``."""
    import http.client
    url = f"{server_root(base_url)}/metrics"
    try:
        status, _, raw = _fetch(url, None, timeout, None)
    except (OSError, TimeoutError, http.client.HTTPException, ValueError) as e:
        raise ConnectionError(f"{url} did not answer within {timeout:g} s: {e}") from None
    if status >= 400:
        raise ConnectionError(f"{url} answered HTTP {status}: is the server started with --metrics?")
    return parse_prometheus(raw.decode("utf-8", errors="replace"))


def parse_prometheus(text: str) -> dict:
    """{sample name with labels: value} from Prometheus text exposition. Taught in notebook ``04_private_deployment``."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "}" in line:  # labels may contain spaces: the name ends at the closing brace
            name, rest = line[:line.rindex("}") + 1], line[line.rindex("}") + 1:].split()
        else:
            name, *rest = line.split()
        if not rest:
            continue
        try:
            out[name] = float(rest[0])  # rest[1], when present, is the timestamp
        except ValueError:
            continue
    return out


def openai_server_measure(base_url: str, prompt: str = "Count to ten.", max_tokens: int = 32,
                          timeout: float | None = None) -> dict:
    """Context size, speed and usage of any OpenAI-compatible server, chosen by base URL (notebook ``04``).

    llama.cpp reports ``timings`` and ``/props``; vLLM and SGLang report usage only, and the wall clock
    gives their speed.
    """
    import time as _time

    t0 = _time.perf_counter()
    body = openai_chat(base_url, [{"role": "user", "content": prompt}], max_tokens=max_tokens, timeout=timeout)
    wall = _time.perf_counter() - t0
    out = {"base_url": base_url, "usage": body.get("usage", {}), "wall_s": wall}
    timings = body.get("timings")
    if timings:
        out.update(prompt_tok_s=timings["prompt_per_second"], decode_tok_s=timings["predicted_per_second"])
    else:
        out.update(decode_tok_s=body.get("usage", {}).get("completion_tokens", 0) / wall if wall else None)
    try:
        props = http_json(f"{server_root(base_url)}/props", timeout=DEFAULT_TIMEOUT_S)
        out["n_ctx"] = props.get("default_generation_settings", {}).get("n_ctx")
    except ConnectionError:
        out["n_ctx"] = None  # not llama.cpp
    return out


def llamacpp_estimate(base_url: str, timeout: float = DEFAULT_TIMEOUT_S) -> dict:
    """The memory estimate for the model a llama.cpp server has loaded, to set beside its live measurement.

    Reads ``/props`` (``model_path``, ``total_slots``, the per-slot ``n_ctx``); when the GGUF is readable on
    this machine its metadata and tensors give the architecture, and ``vram.serve`` the estimate for those
    slots on the CPU backend (the course's own server) or CUDA. Returns ``{"estimate": Estimate or None,
    "note": ...}``; never raises for a server that is not llama.cpp. Taught in notebook ``04_private_deployment``.
    """
    from pathlib import Path

    from . import vram
    try:
        props = http_json(f"{server_root(base_url)}/props", timeout=timeout)
    except ConnectionError as e:
        return {"estimate": None, "note": f"no llama.cpp /props ({e}): no estimate beside the measurement"}
    path = props.get("model_path") or ""
    slots = int(props.get("total_slots") or 1)
    n_ctx = int((props.get("default_generation_settings") or {}).get("n_ctx") or 0)
    if not (path and Path(path).is_file() and n_ctx):
        return {"estimate": None, "note": f"model file {path or '(not reported)'} is not readable here: no estimate"}
    served = vram.serve(vram.from_gguf(path), n_ctx * slots, slots, "llama.cpp")
    return {"estimate": served["estimate"], "note": served["note"]}
