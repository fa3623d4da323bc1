"""The GPU-memory estimator, checked against measured data kept in data/measured/."""
import json

import pandas as pd
import pytest

from course_lib import vram
from course_lib.data import DATA_DIR

MEASURED = DATA_DIR / "measured"


@pytest.mark.parametrize("name", list(vram.catalog().index))
def test_parameters_derived_from_architecture_match_published(name):
    a = vram.from_catalog(name)
    assert vram.param_count(a) == pytest.approx(a.published_params, rel=0.001)


@pytest.mark.parametrize("row", pd.read_csv(MEASURED / "vram_measured_h200.csv").to_dict("records"),
                         ids=lambda r: f"{r['model']}@{r['ctx']}")
def test_pytorch_bf16_against_h200_measurements(row):
    e = vram.estimate(row["model"], row["ctx"], runtime="pytorch")
    assert e.kv_bytes == row["kv_tensor_bytes"]  # the plain GQA formula is exact for these caches
    # PyTorch allocates 0.2-1.2% more than parameters x 2 bytes (allocator and buffers), measured
    assert e.weights_bytes == pytest.approx(row["weights_bytes"], rel=0.012)
    assert e.weights_bytes <= row["weights_bytes"]


CPU = pd.read_csv(MEASURED / "llamacpp_cpu_gemma3_270m.csv", comment="#")


@pytest.mark.parametrize("row", CPU.to_dict("records"),
                         ids=lambda r: f"ctx{r['ctx']}-{r['kv_type']}-fa{r['flash_attention']}-p{r['parallel']}")
def test_llamacpp_kv_cache_and_compute_buffer_against_its_own_log(row):
    fa = row["flash_attention"] == "on"
    kv = vram.kv_bytes("gemma-3-270m", row["ctx"], row["kv_type"], row["parallel"]) / vram.MIB
    assert kv == pytest.approx(row["kv_mib"], abs=0.01)  # sliding window, KV types, padding: exact
    compute = vram.compute_bytes("gemma-3-270m", row["ctx"], fa, row["parallel"], kv_type=row["kv_type"],
                                 backend="cpu") / vram.MIB
    assert compute == pytest.approx(row["compute_mib"], abs=7)


def test_compute_buffer_slope_is_exact():
    off = CPU[(CPU.flash_attention == "off") & (CPU.parallel == 1) & (CPU.kv_type == "f16")].set_index("ctx")
    measured = (off.loc[32768, "compute_mib"] - off.loc[8192, "compute_mib"]) * vram.MIB
    model = (vram.compute_bytes("gemma-3-270m", 32768, False, backend="cpu")
             - vram.compute_bytes("gemma-3-270m", 8192, False, backend="cpu"))
    assert model == measured


@pytest.mark.parametrize("row", pd.read_csv(MEASURED / "published_gguf_weights.csv", comment="#").to_dict("records"),
                         ids=lambda r: f"{r['model']}-{r['quant']}")
def test_weights_against_sizes_llama_cpp_printed(row):
    """The weights term against the size llama.cpp printed when loading the same GGUF (public logs, URL per row)."""
    assert row["url"].startswith("https://github.com/") and str(row["weights_gib"]) in row["printed"]
    gib = vram.weights_bytes(row["model"], row["quant"]) / vram.GIB  # the file; the GPU's share is tested below
    assert gib == pytest.approx(row["weights_gib"], rel=0.02)


def test_source_page_table_corrected():
    t = vram.source_page_table()
    small = t[t["page row"] == "7–8B Q4, 8K"]["estimate GiB"]
    assert ((small >= 5.5) & (small <= 7.0)).all()  # not 12-16 GB
    big = t[t["page row"] == "32B Q4, 32K"]["estimate GiB"]
    assert big.min() >= 23 and big.max() <= 31  # not 48 GB
    assert (t["dominant"] == "weights").all()  # "OOM comes from KV" does not hold for these rows


def test_double_the_context_double_the_kv_only_for_full_attention():
    ratio = {m: vram.kv_bytes(m, 65536) / vram.kv_bytes(m, 32768)
             for m in ("llama-3.1-8b", "gemma-3-27b", "gpt-oss-20b", "deepseek-v3")}
    assert ratio["llama-3.1-8b"] == pytest.approx(2.0)
    assert ratio["deepseek-v3"] == pytest.approx(2.0)  # MLA still grows linearly, from a tiny base
    assert ratio["gemma-3-27b"] < 1.85 and ratio["gpt-oss-20b"] < 2.0
    # gpt-oss: half its layers are full attention, so it still nearly doubles, from half the plain formula
    assert vram.kv_bytes("gpt-oss-20b", 32768) < vram.kv_bytes_plain_formula("gpt-oss-20b", 32768) * 0.55
    assert vram.kv_bytes("gemma-3-27b", 32768) < vram.kv_bytes_plain_formula("gemma-3-27b", 32768) / 4
    assert vram.kv_bytes("deepseek-v3", 32768) < vram.kv_bytes_plain_formula("deepseek-v3", 32768) / 50


def test_kv_types_and_parallel():
    f16 = vram.kv_bytes("llama-3.1-8b", 8192)
    assert vram.kv_bytes("llama-3.1-8b", 8192, "q8_0") == f16 * 17 // 32
    assert vram.kv_bytes("llama-3.1-8b", 8192, "q4_0") == f16 * 9 // 32
    assert vram.kv_bytes("llama-3.1-8b", 8192, parallel=4) == 4 * f16
    assert vram.kv_bytes("llama-3.1-8b", 8000) == f16  # padded to 256 cells


def test_fits_max_context_offload_and_bound():
    e = vram.estimate("qwen2.5-32b", 32768, flash_attention=True)
    assert not vram.fits(e, "RTX 4090") and vram.fits(e, "RTX 5090")
    assert 16_000 < vram.max_context("qwen2.5-32b", "RTX 4090") < 24_000
    spill = vram.offload(e, "RTX 4090")
    assert 0 < spill["layers_on_cpu"] < 20 and spill["slowdown"] > 1.5
    assert vram.decode_tokens_per_s_bound(vram.estimate("qwen2.5-7b"), "RTX 4090", batch=8) == pytest.approx(
        8 * vram.decode_tokens_per_s_bound(vram.estimate("qwen2.5-7b"), "RTX 4090"))


def test_architecture_sources_agree(tmp_path):
    from course_lib.llama_server import model_path
    g = vram.from_gguf(model_path())
    c = vram.from_catalog("gemma-3-270m")
    for f in ("layers", "hidden", "heads", "kv_heads", "head_dim", "sliding_window", "sliding_layers", "vocab"):
        assert getattr(g, f) == getattr(c, f), f
    assert g.weights_bytes_exact == 246_587_904  # the tensors, exactly what llama.cpp maps (235.16 MiB)
    cfg = {"model_type": "qwen2", "num_hidden_layers": 28, "hidden_size": 3584, "num_attention_heads": 28,
           "num_key_value_heads": 4, "intermediate_size": 18944, "vocab_size": 152064, "tie_word_embeddings": False,
           "max_position_embeddings": 32768}
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    assert vram.param_count(vram.from_hf_config(tmp_path / "config.json")) == vram.param_count(vram.from_catalog("qwen2.5-7b"))
    show = json.loads((DATA_DIR / "recorded" / "ollama_show_llama3.1_8b.json").read_text())["body"]
    a = vram.from_ollama_show(show)
    assert abs(vram.param_count(a) - show["model_info"]["general.parameter_count"]) <= 64  # rope_freqs


@pytest.mark.parametrize("kwargs, field", [
    ({"model": "qwen9-7b"}, "model"), ({"model": "qwen2.5-7b", "ctx": 0}, "ctx"),
    ({"model": "qwen2.5-7b", "kv_type": "fp8"}, "kv_type"), ({"model": "qwen2.5-7b", "quant": "Q3"}, "quant"),
    ({"model": "qwen2.5-7b", "runtime": "tgi"}, "runtime"), ({"model": "qwen2.5-7b", "parallel": 0}, "parallel"),
])
def test_bad_input_names_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        vram.estimate(**kwargs)
    with pytest.raises(ValueError, match="gpu"):
        vram.gpu("RTX 9090")


# --- what users type, and bad input (issue 14) -------------------------------------------------------------

def test_names_users_type():
    assert vram.gpu("rtx 4090").name == "RTX 4090" and vram.gpu("  RTX   4090 ").name == "RTX 4090"
    assert vram.canonical_quant("q4_k_m") == "Q4_K_M"
    assert vram.from_ollama_tag("llama3.1:8b-instruct-q4_K_M") == ("llama-3.1-8b", "Q4_K_M")
    assert vram.from_ollama_tag("qwen2.5:7b") == ("qwen2.5-7b", None)
    assert vram.from_ollama_tag("gemma3:27b") == ("gemma-3-27b", None)
    tag = vram.estimate("llama3.1:8b-instruct-q8_0", 8192)
    assert tag.quant == "Q8_0"
    assert tag.weights_bytes + vram.input_embedding_bytes("llama-3.1-8b", "Q8_0") == vram.weights_bytes("llama-3.1-8b", "Q8_0")
    with pytest.raises(ValueError, match="unknown Ollama family"):
        vram.from_ollama_tag("nosuch:7b")


def test_quantised_v_cache_without_flash_attention_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="refuses a quantised V cache .q8_0. without flash attention"):
        vram.estimate("qwen2.5-7b", 8192, kv_type="q8_0", flash_attention=False)


def test_context_beyond_training_is_warned():
    est = vram.estimate("qwen2.5-7b", 131072 * 2)
    assert any("beyond" in n and "trained context" in n for n in est.notes)


@pytest.mark.parametrize("config, message", [
    ({"num_hidden_layers": 0, "hidden_size": 4096, "num_attention_heads": 32, "vocab_size": 1000}, "num_hidden_layers"),
    ({"num_hidden_layers": 32, "hidden_size": 4096, "num_attention_heads": 0, "vocab_size": 1000}, "num_attention_heads"),
    ({"num_hidden_layers": 32, "hidden_size": 4096, "num_attention_heads": 32}, "vocab_size"),
    ({"num_hidden_layers": -2, "hidden_size": 4096, "num_attention_heads": 32, "vocab_size": 1000}, "layers"),
])
def test_bad_configs_name_the_field(config, message):
    with pytest.raises(ValueError, match=message):
        vram.from_hf_config(config)


def test_configs_real_models_ship():
    null_kv = vram.from_hf_config({"num_hidden_layers": 32, "hidden_size": 4096, "num_attention_heads": 32,
                                   "num_key_value_heads": None, "vocab_size": 32000})
    assert null_kv.kv_heads == 32  # null means "as many as the query heads"
    nested = vram.from_hf_config({"architectures": ["Gemma3ForConditionalGeneration"], "vocab_size": 262208,
                                  "text_config": {"num_hidden_layers": 34, "hidden_size": 2560,
                                                  "num_attention_heads": 8, "num_key_value_heads": 4,
                                                  "head_dim": 256}})
    assert (nested.layers, nested.kv_heads, nested.vocab) == (34, 4, 262208)


def test_missing_and_broken_files_get_one_line(tmp_path):
    with pytest.raises(ValueError, match="hf_config: no such file"):
        vram.from_hf_config(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("not json")
    with pytest.raises(ValueError, match="bad.json' is not a JSON config.json"):
        vram.from_hf_config(tmp_path / "bad.json")
    with pytest.raises(ValueError, match="gguf: no such file"):
        vram.from_gguf(tmp_path / "nope.gguf")
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "course_lib", "vram", "--hf-config", str(tmp_path / "nope.json"),
                        "--ctx", "8192", "--json"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr


def test_parallel_sequences_mean_what_each_runtime_documents():
    """llama.cpp: -c is the total (server README, --parallel); Ollama: num_ctx per slot × OLLAMA_NUM_PARALLEL
    (Ollama FAQ); vLLM: gpu_memory_utilization of the GPU reserved, max_num_seqs at max_model_len in what is left."""
    one = vram.serve("qwen2.5-7b", 8192, 1, "llama.cpp")
    four = vram.serve("qwen2.5-7b", 8192, 4, "llama.cpp")
    assert four["estimate"].kv_bytes == one["estimate"].kv_bytes and four["per_sequence_ctx"] == 2048
    olla = vram.serve("qwen2.5-7b", 8192, 4, "ollama")
    assert olla["estimate"].kv_bytes == vram.kv_bytes("qwen2.5-7b", 4 * 8192) and olla["per_sequence_ctx"] == 8192
    v = vram.serve("qwen2.5-7b", 8192, 4, "vllm", gpu_name="RTX 4090", gpu_memory_utilization=0.9)
    assert v["total_bytes"] == int(24 * vram.GIB * 0.9) and v["starts"] and v["concurrent_sequences"] == 4
    per_token = vram.kv_bytes("qwen2.5-7b", 1, "bf16", runtime="pytorch")
    assert v["kv_tokens"] == (v["total_bytes"] - vram.weights_bytes("qwen2.5-7b", "BF16") - vram.CUDA_CONTEXT_BYTES) // per_token
    big = vram.serve("qwen2.5-32b", 32768, 8, "vllm", gpu_name="RTX 4090")
    assert not big["starts"] and "refuses to start" in big["note"]
    for r in (one, olla, v):
        assert r["note"].lower().startswith(r["server"].split(".")[0].lower())


def test_compute_buffer_within_10_percent_of_llamacpp_on_every_measured_geometry():
    """Issue 14's goal, on llama.cpp's own logs: three 8B-class geometries (scripts/measure_compute_buffer.py) and
    Gemma 3 270M (scripts/measure_llamacpp_memory.py), across context, flash attention, n_ubatch and slots."""
    geo = pd.read_csv(MEASURED / "llamacpp_compute_buffer.csv", comment="#")
    assert set(geo["model"]) >= {"llama-3.1-8b", "qwen2.5-7b", "gemma-3-4b"}
    assert set(geo["flash_attention"]) == {"on", "off"} and geo["n_ubatch"].nunique() > 1 and geo["parallel"].max() > 1
    for r in geo.itertuples():
        est = vram.compute_bytes(r.model, r.ctx // r.parallel, r.flash_attention == "on", n_ubatch=r.n_ubatch,
                                 backend="cpu")
        assert est == pytest.approx(r.compute_mib * 2**20, rel=0.10), r
    # the layer count does not move the buffer (the check rows have twice the layers)
    llama = geo[(geo.model == "llama-3.1-8b") & (geo.ctx == 16384) & (geo.parallel == 1) & (geo.n_ubatch == 512)]
    assert llama.groupby("flash_attention")["compute_mib"].nunique().max() == 1 and llama["layers_written"].nunique() == 2
    cpu = pd.read_csv(MEASURED / "llamacpp_cpu_gemma3_270m.csv", comment="#")
    for r in cpu.itertuples():
        est = vram.compute_bytes("gemma-3-270m", r.ctx, r.flash_attention == "on", backend="cpu")
        assert est == pytest.approx(r.compute_mib * 2**20, rel=0.10), r


# --- llama.cpp (CUDA) on an H200: every buffer as llama-server logged it (issue 19) ---------------------------------
# The CUDA terms (compute buffer coefficients, the f16 copies of a quantised KV cache, the runtime's residual) were
# fitted on the Llama 3.1 8B rows only (vram.FIT_MODEL); the Qwen2.5 32B and Llama 3.1 70B rows are held out here.
H200 = pd.read_csv(MEASURED / "h200_llamacpp" / "server_runs.csv")
HELD_OUT = H200[(H200.status == "ok") & (H200.model != vram.FIT_MODEL)]


def test_h200_runs_are_the_servers_own_log_lines():
    assert len(H200) == 23 and set(H200.model) == {"llama-3.1-8b", "qwen2.5-32b", "llama-3.1-70b"}
    assert set(HELD_OUT.model) == {"qwen2.5-32b", "llama-3.1-70b"} and len(HELD_OUT) >= 12
    assert set(HELD_OUT.kv_type) == {"f16", "q8_0"} and HELD_OUT.n_parallel.max() == 4
    for r in H200.itertuples():  # each figure is in the log lines kept beside it
        assert f"compute buffer size = {r.compute_buf_gpu_mib:.2f} MiB" in r.raw_lines
        assert f"KV buffer size = {r.kv_buf_gpu_mib:.2f} MiB" in r.raw_lines
        assert f"-c {r.ctx} -np {r.n_parallel} " in r.cmd
    readme = (MEASURED.parent / "README.md").read_text()
    assert "measured/h200_llamacpp/server_runs.csv" in readme and "b11434" in readme


def _served(r):
    return vram.serve(r.model, int(r.ctx), int(r.n_parallel), "llama.cpp", "Q4_K_M", r.kv_type,
                      r.flash_attn == "on")


@pytest.mark.parametrize("r", list(HELD_OUT.itertuples()),
                         ids=lambda r: f"{r.model}-c{r.ctx}-np{r.n_parallel}-fa{r.flash_attn}-{r.kv_type}")
def test_each_term_against_llamacpp_cuda_on_held_out_rows(r):
    s = _served(r)
    e = s["estimate"]
    assert s["per_sequence_ctx"] == r.n_ctx_seq
    assert e.kv_bytes == r.kv_buf_gpu_mib * vram.MIB  # exact
    assert e.compute_bytes / vram.MIB == pytest.approx(r.compute_buf_gpu_mib, abs=0.5)
    # the GPU's share of the weights: the input embedding stays on the CPU (its buffer is the host one)
    assert e.weights_bytes / vram.MIB == pytest.approx(r.model_buf_gpu_mib, rel=0.02)
    assert (e.weights_bytes + vram.input_embedding_bytes(r.model)) / vram.MIB == pytest.approx(
        r.model_buf_gpu_mib + r.model_buf_host_mib, rel=0.02)
    residual = r.proc_used_loaded_mib - r.model_buf_gpu_mib - r.kv_buf_gpu_mib - r.compute_buf_gpu_mib
    assert e.overhead_bytes / vram.MIB == pytest.approx(residual, rel=0.02)
    assert e.total_bytes / vram.MIB == pytest.approx(r.proc_used_loaded_mib, rel=0.02)  # NVML, this process


def test_quantised_kv_compute_buffer_on_cuda_is_the_f16_copy_of_k_and_v():
    """With a q8_0 cache, CUDA's flash attention converts K and V of every cell to f16 inside the compute buffer:
    the held-out 70B at 128K shows it; the 32B at 32K does not, because its feed-forward peak is larger."""
    rows = HELD_OUT[(HELD_OUT.flash_attn == "on") & (HELD_OUT.n_parallel == 1)].set_index(["model", "ctx", "kv_type"])
    big = rows.loc[("llama-3.1-70b", 131072, "q8_0"), "compute_buf_gpu_mib"] - rows.loc[("llama-3.1-70b", 131072, "f16"), "compute_buf_gpu_mib"]
    est = (vram.compute_bytes("llama-3.1-70b", 131072, kv_type="q8_0") - vram.compute_bytes("llama-3.1-70b", 131072)) / vram.MIB
    assert big > 300 and est == pytest.approx(big, abs=0.5)
    small = rows.loc[("qwen2.5-32b", 32768, "q8_0"), "compute_buf_gpu_mib"] - rows.loc[("qwen2.5-32b", 32768, "f16"), "compute_buf_gpu_mib"]
    assert abs(small) < 0.5 and vram.compute_bytes("qwen2.5-32b", 32768, kv_type="q8_0") == vram.compute_bytes("qwen2.5-32b", 32768)
    # on the CPU backend there is no such copy (Gemma 3 270M, q8_0 against f16 at the same shape)
    cpu = CPU[(CPU.flash_attention == "on") & (CPU.parallel == 1)].set_index(["ctx", "kv_type"])
    assert abs(cpu.loc[(32768, "q8_0"), "compute_mib"] - cpu.loc[(32768, "f16"), "compute_mib"]) < 1
    assert (vram.compute_bytes("gemma-3-270m", 32768, kv_type="q8_0", backend="cpu")
            == vram.compute_bytes("gemma-3-270m", 32768, backend="cpu"))


@pytest.mark.parametrize("row", CPU[CPU.parallel > 1].to_dict("records"), ids=lambda r: f"np{r['parallel']}")
def test_sliding_window_cells_are_per_slot(row):
    """llama-server -c C -np N keeps a sliding-window cache in every slot (llama_kv_cache_iswa: one stream per
    slot). The CPU rows ran -c ctx×parallel (course_lib.llama_server gives each slot ctx)."""
    one = CPU[(CPU.parallel == 1) & (CPU.ctx == row["ctx"]) & (CPU.kv_type == row["kv_type"])
              & (CPU.flash_attention == row["flash_attention"])].iloc[0]
    assert row["kv_swa_mib"] == row["parallel"] * one["kv_swa_mib"]  # the measurement says: per slot
    s = vram.serve("gemma-3-270m", row["ctx"] * row["parallel"], row["parallel"], "llama.cpp", "Q4_K_M",
                   row["kv_type"], row["flash_attention"] == "on")
    assert s["estimate"].kv_bytes / vram.MIB == pytest.approx(row["kv_mib"], abs=0.01)
    assert vram.kv_cells(vram.from_catalog("gemma-3-270m"), s["per_sequence_ctx"])[1] == row["kv_swa_cells"]


def test_gemma3_27b_with_four_slots_counts_a_window_per_slot():
    """The shape issue 19 found 37% under on an H200: -c 32768 -np 4. From the catalog's architecture and
    llama.cpp's rule (full layers: the slot's 8,192 cells; sliding layers: window + n_ubatch padded to 256)."""
    a = vram.from_catalog("gemma-3-27b")
    per_cell = a.kv_heads * (a.head_dim + a.v_head_dim) * 2
    swa_cells = -(-(a.sliding_window + vram.N_UBATCH) // 256) * 256
    expected = 4 * ((a.layers - a.sliding_layers) * 8192 + a.sliding_layers * swa_cells) * per_cell
    s = vram.serve("gemma-3-27b", 32768, 4, "llama.cpp")
    assert s["estimate"].kv_bytes == expected and "cells in each slot" in s["note"]
    one_window = ((a.layers - a.sliding_layers) * 32768 + a.sliding_layers * swa_cells) * per_cell
    assert 1 - one_window / expected == pytest.approx(0.37, abs=0.01)  # what counting one window missed


def test_headroom_rule_is_a_labelled_assumption_and_the_verdict_uses_it():
    rule = pd.read_csv(DATA_DIR / "vram_assumptions.csv", comment="#").set_index("name")
    head = float(rule.loc["headroom_gib", "value"])
    assert rule.loc["headroom_gib", "kind"] == "assumption" and "fit-target" in rule.loc["headroom_gib", "source"]
    gpu_gib = float(vram.gpu("RTX 4090")["memory_gib"])
    for ctx in (8192, 16384, 24576, 32768):
        e = vram.estimate("qwen2.5-32b", ctx)
        v = vram.verdict(e, "RTX 4090")
        spare = gpu_gib - e.total_bytes / vram.GIB
        assert v["spare_gib"] == pytest.approx(spare, abs=0.001)
        assert v["verdict"] == ("does not fit" if spare < 0 else "tight" if spare < head else "fits")
        assert f"{head:g} GiB" in v["text"]
    with pytest.raises(ValueError, match="backend"):
        vram.compute_bytes("qwen2.5-7b", 8192, backend="rocm")


def test_calculator_hides_the_previous_chart_when_it_cannot_compute():
    from course_lib.widgets import vram_calculator
    calc = vram_calculator()
    assert calc.chart.value and calc.chart.layout.display != "none"
    calc.controls["kv_type"].value = "q8_0"
    calc.controls["flash_attention"].value = False  # llama.cpp refuses a quantised V cache without it
    assert "cannot compute" in calc.answer.value and calc.chart.layout.display == "none"
    calc.controls["flash_attention"].value = True
    assert "cannot compute" not in calc.answer.value and calc.chart.layout.display != "none"
    assert "headroom" in calc.answer.value


def test_a_model_not_in_the_catalogue_from_its_config_json():
    """Lesson 04's goal 2 on the committed Mistral NeMo config.json (data/README.md names its source)."""
    path = DATA_DIR / "configs" / "mistral-nemo-base-2407.config.json"
    cfg = json.loads(path.read_text())
    a = vram.from_hf_config(path, name="mistral-nemo-12b")
    assert "mistral-nemo-12b" not in vram.catalog().index and "Mistral-Nemo-Base-2407" in (DATA_DIR / "README.md").read_text()
    assert (a.layers, a.kv_heads, a.head_dim, a.vocab) == (cfg["num_hidden_layers"], cfg["num_key_value_heads"],
                                                         cfg["head_dim"], cfg["vocab_size"])
    # the KV cache per token from the config's own numbers: 2 × layers × kv_heads × head_dim × 2 bytes
    per_token = 2 * cfg["num_hidden_layers"] * cfg["num_key_value_heads"] * cfg["head_dim"] * 2
    assert vram.kv_bytes(a, 32768) == per_token * 32768
    assert 12.0e9 < vram.param_count(a) < 12.5e9  # "12B" in the model's name


def test_llamacpp_estimate_beside_a_live_server(tmp_path):
    """/props of a llama.cpp server (model path, slots, per-slot context) gives the estimate for that model."""
    import http.server
    import threading

    from course_lib import live
    from course_lib.llama_server import model_path
    props = {"model_path": str(model_path()), "total_slots": 2, "default_generation_settings": {"n_ctx": 4096}}

    class Props(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = json.dumps(props if self.path == "/props" else {}).encode()
            self.send_response(200 if self.path == "/props" else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Props)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        out = live.llamacpp_estimate(f"http://127.0.0.1:{srv.server_port}/v1", timeout=5)
        assert out["estimate"].kv_bytes == vram.kv_bytes(vram.from_gguf(model_path()), 4096, parallel=2)
        assert "2 slots of 4,096" in out["note"]
        props["model_path"] = str(tmp_path / "elsewhere.gguf")
        out = live.llamacpp_estimate(f"http://127.0.0.1:{srv.server_port}/v1", timeout=5)
        assert out["estimate"] is None and "not readable here" in out["note"]
    finally:
        srv.shutdown()
