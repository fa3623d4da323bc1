"""Re-execute every notebook reproducibly and write the outputs back (``make execute``).

Reproducible means a clean re-run makes no diff: stream chunks coalesced, no per-cell timestamps
(record_timing off), no widget state in the metadata, widget views given
stable ids, no probing for local servers (COURSE_LIB_OFFLINE=1: the live
paths have their own tests), a fixed hash seed.

    python scripts/execute_notebooks.py [--build] [NAME ...]
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NB = ROOT / "notebooks"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def coalesce_streams(outputs: list) -> list:
    """Merge consecutive stdout (or stderr) chunks: the kernel splits them differently run to run."""
    merged = []
    for out in outputs:
        if (out.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                and merged[-1]["name"] == out["name"]):
            merged[-1]["text"] += out["text"]
        else:
            merged.append(out)
    return merged


def clean(nb) -> None:
    nb.metadata.pop("widgets", None)
    nb.metadata["language_info"] = {"name": "python"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if "outputs" in cell:
            cell["outputs"] = coalesce_streams(cell["outputs"])
        for j, out in enumerate(cell.get("outputs", [])):
            data = out.get("data", {})
            if WIDGET_VIEW in data:
                data[WIDGET_VIEW]["model_id"] = f"widget-{cell['id']}-{j}"


def execute(path: Path, timeout: int = 600) -> float:
    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(NB)}}).execute()
    clean(nb)
    nbformat.write(nb, path)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="*")
    ap.add_argument("--build", action="store_true", help="rebuild from notebooks/src first")
    a = ap.parse_args()
    os.environ.update(COURSE_LIB_OFFLINE="1", PYTHONHASHSEED="0")
    os.environ.pop("MPLBACKEND", None)  # the kernel must use its inline backend to show figures
    if a.build:
        subprocess.run([sys.executable, str(ROOT / "scripts" / "build_notebooks.py"), *a.names], check=True)
    paths = [NB / f"{n}.ipynb" for n in a.names] or sorted(NB.glob("[0-9][0-9]_*.ipynb"))
    for p in paths:
        print(f"executed {p.name} in {execute(p):.1f} s", flush=True)


if __name__ == "__main__":
    main()
