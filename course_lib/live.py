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
    """True when ``COURSE_LIB_OFFLINE`` asks the course not to probe for servers."""
    return os.environ.get("COURSE_LIB_OFFLINE", "").strip() not in ("", "0", "false", "no")


def ollama_host() -> str:
    """The Ollama host: ``OLLAMA_HOST`` (as the official client reads it) or the default."""
    host = os.environ.get("OLLAMA_HOST", "").strip() or DEFAULT_OLLAMA_HOST
    return host if "://" in host else f"http://{host}"


def openai_base_url() -> str:
    """The OpenAI-compatible base URL: ``COURSE_LLM_BASE_URL`` or llama.cpp's default."""
    return (os.environ.get("COURSE_LLM_BASE_URL", "").strip() or DEFAULT_OPENAI_BASE_URL).rstrip("/")


@dataclass(frozen=True)
class Probe:
    """Whether a server answered, and what it said."""

    kind: str
    url: str
    reachable: bool
    detail: str

    def __str__(self) -> str:
        state = "reachable" if self.reachable else "not reachable"
        return f"{self.kind} at {self.url}: {state} ({self.detail})"


def http_json(url: str, payload: dict | None = None, timeout: float = DEFAULT_TIMEOUT_S,
              headers: dict | None = None) -> dict:
    """GET (or POST ``payload``) and decode JSON, with a timeout. Raises ``ConnectionError``."""
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
