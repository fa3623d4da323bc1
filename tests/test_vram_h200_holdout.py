"""The GPU-memory estimate against llama.cpp (CUDA) on an H200, on settings it was not fitted on.

data/measured/h200_llamacpp/server_runs_holdout.csv: nine llama-server runs of 2026-12-04 (Gemma 3 27B, the first
sliding-window model on CUDA; Llama 3.1 8B and Qwen2.5 32B at -c 32768 -np 4 with a q8_0 cache), every buffer as
llama-server logged it and the process's GPU memory by NVML (provenance in that folder's README). Every expected
value below is read from that file; course_lib only gives the estimate under test.

Tolerances, term by term (the same as tests/test_vram.py's held-out rows unless said):
* KV cache: exact. The estimate counts llama.cpp's cells (padding, slots, sliding windows), so any difference
  is a wrong rule, not noise.
* compute buffer: 0.5 MiB. The estimate is the graph's largest tensors, so it should agree to the allocator's
  alignment (0.02-0.09 MiB on the rows that agree); the first run's held-out 32B and 70B rows met 0.5 MiB.
* weights on the GPU: 2%. The estimate uses Q4_K_M's average bits per weight (data/quantization.csv), not the
  GGUF's own mix of Q4_K and Q6_K tensors; tests/test_vram.py holds published GGUF sizes to the same 2%.
* runtime overhead (what the process holds beyond the logged buffers): 8 MiB. In the first run it was constant
  within a model (spread 0.03 MiB) and differed by up to 5.1 MiB between models (8B 588.5, 70B 592.5, 32B 593.6);
  8 MiB allows a new model that much difference and not more.
* total against the process's GPU memory: 2%, the weights term's tolerance (weights are most of the total).
"""
import re

import pandas as pd
import pytest

from course_lib import vram
from course_lib.data import DATA_DIR

FOLDER = DATA_DIR / "measured" / "h200_llamacpp"
RUNS = pd.read_csv(FOLDER / "server_runs_holdout.csv")
FITTED = pd.read_csv(FOLDER / "server_runs.csv")
SETTING = ["model", "ctx", "n_parallel", "flash_attn", "kv_type"]


def _id(r) -> str:
    return f"{r.model}-c{r.ctx}-np{r.n_parallel}-fa{r.flash_attn}-{r.kv_type}"


def _served(r) -> dict:
    return vram.serve(r.model, int(r.ctx), int(r.n_parallel), "llama.cpp", "Q4_K_M", r.kv_type,
                      r.flash_attn == "on")


ROWS = list(RUNS.itertuples())


def test_rows_are_the_servers_own_log_lines_on_settings_not_fitted():
    assert len(RUNS) == 9 and set(RUNS.status) == {"ok"}
    assert set(RUNS.model) == {"gemma-3-27b", "llama-3.1-8b", "qwen2.5-32b"}
    # none of these settings is in the run the CUDA terms were fitted on (nor in its held-out rows)
    assert not RUNS[SETTING].merge(FITTED[SETTING]).shape[0]
    for r in ROWS:  # each figure is in the log lines kept beside it, and the command is the setting
        assert f"compute buffer size = {r.compute_buf_gpu_mib:.2f} MiB" in r.raw_lines
        kv_lines = [float(v) for v in re.findall(r"CUDA0 KV buffer size = ([\d.]+) MiB", r.raw_lines)]
        assert len(kv_lines) == (2 if r.kv_swa_mib else 1) and sum(kv_lines) == r.kv_buf_gpu_mib  # full + window
        assert f"model buffer size = {r.model_buf_gpu_mib:.2f} MiB" in r.raw_lines
        assert f"-c {r.ctx} -np {r.n_parallel} -ngl 999 -fa {r.flash_attn} -ctk {r.kv_type} -ctv {r.kv_type} " in r.cmd
    log = (FOLDER / "progress_holdout.log").read_text()
    assert "NVIDIA H200, 0 MiB, 143771 MiB" in log and "build 11434, commit b11434" in log
    readme = (DATA_DIR / "README.md").read_text()
    assert "measured/h200_llamacpp/server_runs_holdout.csv" in readme
    assert "2026-12-04" in (FOLDER / "README.md").read_text()


@pytest.mark.parametrize("r", ROWS, ids=_id)
def test_kv_cache_exact_with_llamacpp_cells(r):
    s = _served(r)
    assert s["per_sequence_ctx"] == r.n_ctx_seq  # -c split across the slots, as llama-server did
    full, swa = vram.kv_cells(vram.from_catalog(r.model), s["per_sequence_ctx"])
    assert full == r.kv_nonswa_cells
    if r.kv_swa_mib:  # Gemma 3: the sliding-window layers' own cells, in every slot
        assert swa == r.kv_swa_cells
    assert s["estimate"].kv_bytes == r.kv_buf_gpu_mib * vram.MIB


def _compute_case(r):
    """Gemma 3 27B with flash attention and a q8_0 cache: the estimate is short of llama-server's compute buffer
    (the gap in the reason is computed from the file and the estimate; the sliding-window cache's own mask,
    which this run showed missing, is counted since); strict, so a fix shows up as XPASS."""
    if not (r.model == "gemma-3-27b" and r.flash_attn == "on" and r.kv_type == "q8_0"):
        return r
    est = vram.compute_bytes(r.model, int(r.n_ctx_seq), True, int(r.n_parallel), kv_type=r.kv_type) / vram.MIB
    reason = (f"{_id(r)}: compute estimate {est:.2f} MiB, llama-server logged {r.compute_buf_gpu_mib:.2f} MiB "
              f"({est - r.compute_buf_gpu_mib:+.2f}), the same at 32K and 128K cells, so per token of the batch, "
              "not per cell: unexplained (Gemma's q = heads x head_dim differs from hidden, and the split of "
              "hidden + 4q was fitted on models where they are equal)")
    return pytest.param(r, marks=pytest.mark.xfail(strict=True, reason=reason), id=_id(r))


@pytest.mark.parametrize("r", [_compute_case(r) for r in ROWS], ids=_id)
def test_compute_buffer_within_half_a_mib(r):
    e = _served(r)["estimate"]
    assert e.compute_bytes / vram.MIB == pytest.approx(r.compute_buf_gpu_mib, abs=0.5)


@pytest.mark.parametrize("r", ROWS, ids=_id)
def test_weights_the_gpu_holds(r):
    e = _served(r)["estimate"]
    assert e.weights_bytes / vram.MIB == pytest.approx(r.model_buf_gpu_mib, rel=0.02)
    if vram.from_catalog(r.model).tied_embeddings:
        # Gemma 3 ties its embeddings: llama.cpp loads the whole file onto the GPU (the output layer is the
        # embedding, TENSOR_DUPLICATED) and keeps a second copy of the input embedding on the CPU
        assert r.model_buf_gpu_mib == pytest.approx(r.gguf_tensor_bytes / vram.MIB, rel=0.001)
        assert vram.input_embedding_bytes(r.model) == 0 and r.model_buf_host_mib > 1000
    else:  # the input embedding is the host buffer: GPU + CPU is the whole file
        assert (e.weights_bytes + vram.input_embedding_bytes(r.model)) / vram.MIB == pytest.approx(
            r.model_buf_gpu_mib + r.model_buf_host_mib, rel=0.02)


@pytest.mark.parametrize("r", ROWS, ids=_id)
def test_runtime_overhead_is_what_the_process_holds_beyond_its_buffers(r):
    residual = (r.proc_used_loaded_mib - r.model_buf_gpu_mib - r.kv_buf_gpu_mib - r.compute_buf_gpu_mib
                - r.output_buf_gpu_mib)
    assert _served(r)["estimate"].overhead_bytes / vram.MIB == pytest.approx(residual, abs=8)


@pytest.mark.parametrize("r", ROWS, ids=_id)
def test_total_against_the_process_gpu_memory(r):
    total = _served(r)["total_bytes"] / vram.MIB
    assert total == pytest.approx(r.proc_used_loaded_mib, rel=0.02)  # NVML, this process, once loaded
    assert total == pytest.approx(r.proc_used_after_req_mib, rel=0.02)  # and after serving one request
