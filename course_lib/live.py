"""Live local model servers: Ollama and any OpenAI-compatible server (notebooks ``00``, ``02``, ``04``).

Every network call here has a timeout. With no server reachable, the probes
answer within seconds and the notebooks fall back to recorded runs, saying so.
Set ``COURSE_LIB_OFFLINE=1`` to skip probing altogether (the notebook tests do,
so that their committed outputs do not depend on what runs on the machine).
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass

DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434"
DEFAULT_OPENAI_BASE_URL = "http://127.0.0.1:8080/v1"
DEFAULT_TIMEOUT_S = 2.0


def offline() -> bool:
    """True when ``COURSE_LIB_OFFLINE`` asks the course not to probe for servers. Taught in notebook ``04_private_deployment``."""
    return os.environ.get("COURSE_LIB_OFFLINE", "").strip() not in ("", "0", "false", "no")


def ollama_host() -> str:
    """The Ollama host: ``OLLAMA_HOST`` (as the official client reads it) or the default. Taught in notebook ``04_private_deployment``."""
    host = os.environ.get("OLLAMA_HOST", "").strip() or DEFAULT_OLLAMA_HOST
    return host if "://" in host else f"http://{host}"


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


def http_json(url: str, payload: dict | None = None, timeout: float = DEFAULT_TIMEOUT_S,
              headers: dict | None = None) -> dict:
    """GET (or POST ``payload``) and decode JSON, with a timeout. Raises ``ConnectionError``. Taught in notebook ``04_private_deployment``."""
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError(f"timeout: expected a positive number of seconds, got {timeout!r}")
    data = None if payload is None else json.dumps(payload).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read().decode() or "{}")
    except urllib.error.HTTPError as e:
        body = e.read().decode(errors="replace")[:300]
        raise ConnectionError(f"{url} answered HTTP {e.code}: {body}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise ConnectionError(f"{url} did not answer within {timeout:g} s: {reason}") from None


def probe_ollama(host: str | None = None, timeout: float = DEFAULT_TIMEOUT_S) -> Probe:
    """Is an Ollama server answering at ``host``? (``GET /api/version``; notebook ``00_start_here``)"""
    host = (host or ollama_host()).rstrip("/")
    if offline():
        return Probe("Ollama", host, False, "not checked: COURSE_LIB_OFFLINE is set")
    try:
        v = http_json(f"{host}/api/version", timeout=timeout)
        return Probe("Ollama", host, True, f"version {v.get('version', '?')}")
    except ConnectionError as e:
        return Probe("Ollama", host, False, str(e))


def probe_openai(base_url: str | None = None, timeout: float = DEFAULT_TIMEOUT_S) -> Probe:
    """Is an OpenAI-compatible server answering at ``base_url``? (``GET /models``; notebook ``00``)"""
    base = (base_url or openai_base_url()).rstrip("/")
    if offline():
        return Probe("OpenAI-compatible server", base, False, "not checked: COURSE_LIB_OFFLINE is set")
    try:
        models = http_json(f"{base}/models", timeout=timeout)
        names = [m.get("id", "?") for m in models.get("data", [])][:3]
        return Probe("OpenAI-compatible server", base, True, f"models: {', '.join(names) or 'none listed'}")
    except ConnectionError as e:
        return Probe("OpenAI-compatible server", base, False, str(e))


def openai_chat(base_url: str, messages: list[dict], max_tokens: int = 64, model: str | None = None,
                timeout: float = 120.0) -> dict:
    """One chat completion from an OpenAI-compatible server; the raw body (notebooks ``02`` and ``04``).

    Temperature 0 and a fixed seed, so a server that honours them answers the same way each time.
    """
    payload = {"messages": messages, "max_tokens": max_tokens, "temperature": 0, "seed": 42}
    if model:
        payload["model"] = model
    return http_json(f"{base_url.rstrip('/')}/chat/completions", payload, timeout=timeout)


# --- Ollama, through the official client ------------------------------------------------------
def ollama_client(host: str | None = None, timeout: float = 60.0):
    """An ``ollama.Client`` with a timeout (the client's own default is none: a silent server hangs it). Taught in notebook ``04_private_deployment``."""
    import ollama

    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError(f"timeout: expected a positive number of seconds, got {timeout!r}")
    return ollama.Client(host=host or ollama_host(), timeout=timeout)


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
    """The server's ``/metrics`` (llama.cpp with ``--metrics``, vLLM, SGLang) as {name: value}. Taught in notebook ``04_private_deployment``."""
    req = urllib.request.Request(f"{server_root(base_url)}/metrics")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text = resp.read().decode()
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        raise ConnectionError(f"{base_url}/metrics did not answer within {timeout:g} s: {e}") from None
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            try:
                out[name] = float(value)
            except ValueError:
                continue
    return out


def openai_server_measure(base_url: str, prompt: str = "Count to ten.", max_tokens: int = 32,
                          timeout: float = 120.0) -> dict:
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
