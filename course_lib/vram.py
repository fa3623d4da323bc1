"""GPU memory = weights + KV cache + compute buffer + runtime overhead (notebook ``04_private_deployment``).

The source page's equation (GPU 显存 ≈ 量化权重 + KV Cache + 框架开销) misses one
term and one architecture fact:

* **the compute buffer**: without flash attention llama.cpp materialises the
  attention scores, ``n_ubatch × n_ctx × (n_head + 1) × 4`` bytes, which grows
  with context; with it, only an f16 mask of ``n_ubatch × n_ctx × 2`` bytes.
  Both forms were fitted exactly on llama.cpp's own logs
  (``data/measured/llamacpp_cpu_gemma3_270m.csv``).
* **not every model's KV cache doubles with context**: sliding-window layers
  (Gemma 2/3, gpt-oss) keep ``window + n_ubatch`` cells **per sequence**, and
  DeepSeek's latent attention (MLA) caches one compressed vector per token per layer.

Checked against llama.cpp's own buffer logs on the CPU (``data/measured/llamacpp_*.csv``)
and on an NVIDIA H200 with the CUDA backend (``data/measured/h200_llamacpp/server_runs.csv``).

Architectures come from ``data/models.csv``, a Hugging Face ``config.json``, a
GGUF file's metadata (with exact tensor sizes) or an Ollama ``show()`` response.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .data import data_rows

GIB = 1024 ** 3
MIB = 1024 ** 2
KV_TYPES = {"f16": 2.0, "bf16": 2.0, "q8_0": 34 / 32, "q4_0": 18 / 32}
CELL_PAD = 256            # llama.cpp pads KV cache sizes to 256 cells
N_UBATCH = 512            # llama.cpp's default physical batch
CUDA_CONTEXT_BYTES = 650_969_088  # measured on an H200 (data/measured/vram_measured_h200.csv)
H200_LLAMACPP_RUNS = "measured/h200_llamacpp/server_runs.csv"
#: the H200 rows the llama.cpp-CUDA terms were fitted on; every other model's rows are held out (tests/test_vram.py)
FIT_MODEL = "llama-3.1-8b"
QUANTISED_KV = ("q8_0", "q4_0")


def quant_bits() -> dict[str, float]:
    """Bits per weight of each weight quantisation (``data/quantization.csv``). Taught in notebook ``04_private_deployment``."""
    return {r["quant"]: float(r["bits_per_weight"]) for r in data_rows("quantization.csv") if r["kind"] == "weights"}


@dataclass(frozen=True)
class Arch:
    """What the memory equation needs to know about a model. Taught in notebook ``04_private_deployment``."""

    name: str
    layers: int
    hidden: int
    heads: int
    kv_heads: int
    head_dim: int
    v_head_dim: int
    ffn: int
    vocab: int
    tied_embeddings: bool = False
    experts: int = 0
    experts_active: int = 0
    expert_ffn: int = 0
    shared_experts: int = 0
    dense_layers: int = 0
    sliding_window: int = 0
    sliding_layers: int = 0
    kv_lora_rank: int = 0          # > 0: DeepSeek latent attention (MLA)
    q_lora_rank: int = 0
    qk_rope_head_dim: int = 0
    qk_nope_head_dim: int = 0
    context_length: int = 0
    published_params: int = 0
    source: str = ""
    weights_bytes_exact: int = 0   # from a GGUF file's tensors
    input_embedding_bytes_exact: int = 0  # the GGUF's token_embd tensor

    def __post_init__(self) -> None:
        for name in ("layers", "hidden", "heads", "kv_heads"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                raise ValueError(f"{name}: expected a positive whole number for {self.name}, got {v!r}")
        if not self.mla and (not isinstance(self.head_dim, int) or self.head_dim <= 0):
            raise ValueError(f"head_dim: expected a positive whole number for {self.name}, got {self.head_dim!r}")
        if self.heads % self.kv_heads:
            raise ValueError(f"kv_heads: {self.kv_heads} does not divide heads {self.heads} for {self.name}")

    @property
    def mla(self) -> bool:
        return self.kv_lora_rank > 0


def catalog() -> pd.DataFrame:
    """The model catalog (``data/models.csv``) with sources. Taught in notebook ``04_private_deployment``."""
    return pd.DataFrame(data_rows("models.csv")).set_index("name")


def from_catalog(name: str) -> Arch:
    """A model of ``data/models.csv`` by name (notebook ``04_private_deployment``)."""
    rows = {r["name"]: r for r in data_rows("models.csv")}
    if name not in rows:
        import difflib
        near = difflib.get_close_matches(name, list(rows), n=4, cutoff=0.4)
        raise ValueError(f"model: unknown model {name!r}; closest in data/models.csv: {', '.join(near) or 'none'}")
    r = rows[name]
    kw = {}
    for f_ in Arch.__dataclass_fields__.values():
        if f_.name in r:
            v = r[f_.name]
            kw[f_.name] = v if f_.name in ("name", "source") else (v == "true" if f_.name == "tied_embeddings" else int(v or 0))
    return Arch(**kw)


def from_hf_config(config: dict | str | Path, name: str = "hf-config") -> Arch:
    """An architecture from a Hugging Face ``config.json`` (dict or path). Taught in notebook ``04_private_deployment``."""
    if not isinstance(config, dict):
        path = Path(config)
        if not path.is_file():
            raise ValueError(f"hf_config: no such file {str(path)!r}")
        try:
            config = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f"hf_config: {str(path)!r} is not a JSON config.json ({e})") from None
        if not isinstance(config, dict):
            raise ValueError(f"hf_config: {str(path)!r} holds a JSON {type(config).__name__}, not an object")
    # multimodal models (Gemma 3, Llama 4, Qwen-VL) nest the language model in text_config
    c = {**config, **config["text_config"]} if isinstance(config.get("text_config"), dict) else config
    missing = [k for k in ("num_hidden_layers", "hidden_size", "num_attention_heads") if not c.get(k)]
    if missing:
        raise ValueError(f"config: {missing[0]} missing, null or zero; a config.json needs positive "
                         "num_hidden_layers, hidden_size and num_attention_heads")
    heads, hidden, layers = c["num_attention_heads"], c["hidden_size"], c["num_hidden_layers"]
    if not c.get("vocab_size"):
        raise ValueError("config: vocab_size missing or zero; the weights depend on it")
    head_dim = c.get("head_dim") or hidden // heads
    window = c.get("sliding_window") or 0
    types = c.get("layer_types")
    if types:
        sliding = sum(t == "sliding_attention" for t in types)
    elif window and c.get("sliding_window_pattern"):
        pattern = c["sliding_window_pattern"]
        sliding = layers - layers // pattern
    elif window and c.get("use_sliding_window", True) and c.get("model_type", "").startswith(("gemma2", "mistral")):
        sliding = layers if c.get("model_type") == "mistral" else layers // 2
    else:
        sliding, window = 0, 0
    return Arch(
        name=name, layers=layers, hidden=hidden, heads=heads, kv_heads=c.get("num_key_value_heads") or heads,
        head_dim=head_dim, v_head_dim=c.get("v_head_dim", head_dim), ffn=c.get("intermediate_size", 0),
        vocab=c["vocab_size"], tied_embeddings=bool(c.get("tie_word_embeddings", False)),
        experts=c.get("num_experts") or c.get("n_routed_experts") or c.get("num_local_experts") or 0,
        experts_active=c.get("num_experts_per_tok") or c.get("experts_per_token") or 0,
        expert_ffn=c.get("moe_intermediate_size") or (c.get("intermediate_size", 0) if c.get("num_local_experts") else 0),
        shared_experts=c.get("n_shared_experts") or 0, dense_layers=c.get("first_k_dense_replace") or 0,
        sliding_window=window, sliding_layers=sliding,
        kv_lora_rank=c.get("kv_lora_rank") or 0, q_lora_rank=c.get("q_lora_rank") or 0,
        qk_rope_head_dim=c.get("qk_rope_head_dim") or 0, qk_nope_head_dim=c.get("qk_nope_head_dim") or 0,
        context_length=c.get("max_position_embeddings", 0), source="Hugging Face config.json",
    )


def _from_kv(meta: dict, name: str, source: str, weights_bytes: int = 0) -> Arch:
    """From GGUF-style keys (``<arch>.block_count`` ...), as in GGUF metadata and Ollama's ``model_info``."""
    arch = meta.get("general.architecture")
    if not arch:
        raise ValueError("metadata: general.architecture is missing")

    def g(key, default=0):
        return meta.get(f"{arch}.{key}", default)

    layers, hidden, heads = g("block_count"), g("embedding_length"), g("attention.head_count")
    if not (layers and hidden and heads):
        raise ValueError(f"metadata: {arch}.block_count, embedding_length and attention.head_count are required")
    kv = g("attention.head_count_kv", heads)
    kv = max(kv) if isinstance(kv, (list, tuple)) else kv
    key_len = g("attention.key_length", hidden // heads)
    window = g("attention.sliding_window", 0)
    if window and arch == "gemma3":
        sliding = layers - layers // 6
    elif window and arch in ("gpt-oss", "gemma2"):
        sliding = layers // 2
    else:
        sliding = 0
    return Arch(
        name=name, layers=layers, hidden=hidden, heads=heads, kv_heads=kv, head_dim=key_len,
        v_head_dim=g("attention.value_length", key_len), ffn=g("feed_forward_length", 0) or 0,
        vocab=g("vocab_size", 0) or len(meta.get("tokenizer.ggml.tokens", [])),
        experts=g("expert_count", 0), experts_active=g("expert_used_count", 0),
        expert_ffn=g("expert_feed_forward_length", 0), shared_experts=g("expert_shared_count", 0),
        dense_layers=g("leading_dense_block_count", 0), sliding_window=window if sliding else 0,
        sliding_layers=sliding, kv_lora_rank=g("attention.kv_lora_rank", 0), q_lora_rank=g("attention.q_lora_rank", 0),
        qk_rope_head_dim=g("rope.dimension_count", 0) if g("attention.kv_lora_rank", 0) else 0,
        context_length=g("context_length", 0), source=source, weights_bytes_exact=weights_bytes,
    )


def from_gguf(path: str | Path) -> Arch:
    """From a GGUF file: metadata for the architecture, tensor sizes for the exact weight bytes. Taught in notebook ``04_private_deployment``."""
    from gguf import GGUFReader

    if not Path(path).is_file():
        raise ValueError(f"gguf: no such file {str(path)!r}")
    try:
        reader = GGUFReader(str(path))
    except (ValueError, OSError) as e:
        raise ValueError(f"gguf: {str(path)!r} is not a GGUF file ({e})") from None
    meta = {}
    for key, f in reader.fields.items():
        if key.startswith("tokenizer.ggml.") and key != "tokenizer.ggml.tokens":
            continue
        try:
            meta[key] = f.contents()
        except Exception:  # noqa: BLE001 (a field gguf cannot decode is not needed here)
            continue
    size = sum(int(t.n_bytes) for t in reader.tensors)
    arch = _from_kv(meta, Path(path).stem, f"GGUF {Path(path).name}", weights_bytes=size)
    embd = [int(t.n_bytes) for t in reader.tensors if t.name == "token_embd.weight"]
    tied = not any(t.name == "output.weight" for t in reader.tensors)
    return replace(arch, tied_embeddings=tied, input_embedding_bytes_exact=embd[0] if embd else 0)


def from_ollama_show(show: dict, name: str | None = None) -> Arch:
    """From an Ollama ``show()`` response (its ``model_info``, or ``modelinfo`` in the client object). Taught in notebook ``04_private_deployment``."""
    info = show.get("model_info") or show.get("modelinfo")
    if not info:
        raise ValueError("show: no model_info in the Ollama show() response")
    return _from_kv(dict(info), name or info.get("general.basename", "ollama-model"), "Ollama show()")


def resolve(model: str | Arch) -> Arch:
    """An architecture by catalog name or Ollama tag (``llama3.1:8b-instruct-q4_K_M``), or the Arch itself.
    Taught in notebook ``04_private_deployment``."""
    if isinstance(model, Arch):
        return model
    if ":" in str(model):
        return from_catalog(from_ollama_tag(model)[0])
    return from_catalog(model)


_OLLAMA_FAMILIES = {"llama3.1": "llama-3.1", "qwen2.5": "qwen2.5", "qwen3": "qwen3", "gemma3": "gemma-3",
                    "mistral": "mistral", "gpt-oss": "gpt-oss", "deepseek-v3": "deepseek-v3"}


def from_ollama_tag(tag: str) -> tuple[str, str | None]:
    """(catalog model, quantisation or None) from an Ollama tag such as ``llama3.1:8b-instruct-q4_K_M`` or
    ``qwen2.5:7b``. Taught in notebook ``04_private_deployment``."""
    import re
    family, _, rest = str(tag).strip().lower().partition(":")
    family = family.rsplit("/", 1)[-1]
    if family not in _OLLAMA_FAMILIES:
        raise ValueError(f"model: unknown Ollama family {family!r} in {tag!r}; known: {', '.join(_OLLAMA_FAMILIES)}")
    size = re.match(r"(\d+(?:\.\d+)?[bm](?:-a\d+b)?)", rest or "")
    name = _OLLAMA_FAMILIES[family] + (f"-{size.group(1)}" if size else "")
    quant = re.search(r"(q\d_k_[ms]|q\d_k|q\d_\d|f16|bf16|mxfp4)$", rest or "")
    rows = {r["name"] for r in data_rows("models.csv")}
    if name not in rows:
        raise ValueError(f"model: Ollama tag {tag!r} reads as {name!r}, which data/models.csv does not have")
    return name, (canonical_quant(quant.group(1)) if quant else None)


# --- weights -------------------------------------------------------------------------
def param_count(a: Arch) -> int:
    """Parameters derived from the architecture: embeddings, attention, dense and MoE MLPs, norms, output. Taught in notebook ``04_private_deployment``."""
    h = a.hidden
    if a.mla:
        q = h * a.q_lora_rank + a.q_lora_rank + a.q_lora_rank * a.heads * (a.qk_nope_head_dim + a.qk_rope_head_dim) \
            if a.q_lora_rank else h * a.heads * (a.qk_nope_head_dim + a.qk_rope_head_dim)
        kv = h * (a.kv_lora_rank + a.qk_rope_head_dim) + a.kv_lora_rank \
            + a.kv_lora_rank * a.heads * (a.qk_nope_head_dim + a.v_head_dim)
        attn = q + kv + a.heads * a.v_head_dim * h
    else:
        attn = h * a.heads * a.head_dim + 2 * h * a.kv_heads * a.head_dim + a.heads * a.v_head_dim * h
    dense_mlp = 3 * h * a.ffn
    if a.experts:
        moe_mlp = a.experts * 3 * h * a.expert_ffn + h * a.experts + a.shared_experts * 3 * h * a.expert_ffn
        mlp = a.dense_layers * dense_mlp + (a.layers - a.dense_layers) * moe_mlp
    else:
        mlp = a.layers * dense_mlp
    norms = a.layers * 2 * h + h
    emb = a.vocab * h * (1 if a.tied_embeddings else 2)
    return a.layers * attn + mlp + norms + emb


def weights_bytes(model: str | Arch, quant: str = "Q4_K_M") -> int:
    """Weight bytes: exact from a GGUF's tensors, else parameters × bits per weight. Taught in notebook ``04_private_deployment``."""
    a = resolve(model)
    if a.weights_bytes_exact:
        return a.weights_bytes_exact
    bits = quant_bits()
    return int(param_count(a) * bits[canonical_quant(quant)] / 8)


def input_embedding_bytes(model: str | Arch, quant: str = "Q4_K_M") -> int:
    """Weight bytes llama.cpp keeps in CPU memory when every layer is on the GPU: the input embedding.

    llama.cpp always places the input layer on the CPU ("there is very little benefit to offloading the
    input layer", ``llama_model::load_tensors`` in ``src/llama-model.cpp``, b11434). A model with tied
    embeddings also needs the same matrix as its output layer, which llama.cpp loads a second time onto the
    GPU (``TENSOR_DUPLICATED``), so on the GPU nothing is saved: 0 here. Exact from a GGUF's ``token_embd``
    tensor, else ``vocab × hidden`` at the quantisation's average bits. Taught in notebook ``04_private_deployment``.
    """
    a = resolve(model)
    if a.tied_embeddings:
        return 0
    if a.input_embedding_bytes_exact:
        return a.input_embedding_bytes_exact
    return int(a.vocab * a.hidden * quant_bits()[canonical_quant(quant)] / 8)


def canonical_quant(quant: str) -> str:
    """A quantisation as the catalog spells it, whatever the case (``q4_k_m`` → ``Q4_K_M``). Taught in notebook
    ``04_private_deployment``."""
    bits = quant_bits()
    for q in bits:
        if str(quant).strip().upper() == q.upper():
            return q
    raise ValueError(f"quant must be one of {tuple(bits)} (any case), got {quant!r}")


# --- KV cache ------------------------------------------------------------------------
def _pad(n: int) -> int:
    return int(math.ceil(n / CELL_PAD) * CELL_PAD)


def kv_cells(a: Arch, ctx: int, n_ubatch: int = N_UBATCH, runtime: str = "llama.cpp") -> tuple[int, int]:
    """Cells per sequence for full-attention and for sliding-window layers. Taught in notebook ``04_private_deployment``."""
    if runtime == "pytorch":
        return ctx, min(ctx, a.sliding_window) if a.sliding_window else ctx
    full = _pad(ctx)
    swa = min(full, _pad(a.sliding_window + n_ubatch)) if a.sliding_window else full
    return full, swa


def kv_bytes(model: str | Arch, ctx: int, kv_type: str = "f16", parallel: int = 1,
             runtime: str = "llama.cpp", n_ubatch: int = N_UBATCH) -> int:
    """KV cache bytes (notebook ``04_private_deployment``).

    Grouped-query attention: 2 × layers × kv_heads × head_dim × cells × bytes;
    sliding-window layers hold ``window + n_ubatch`` cells; MLA caches
    ``kv_lora_rank + rope dims`` per token and layer. ``runtime="pytorch"``
    gives the plain tensors a PyTorch cache holds (no padding).
    """
    a = resolve(model)
    _check_ctx(ctx)
    if kv_type not in KV_TYPES:
        raise ValueError(f"kv_type must be one of {tuple(KV_TYPES)}, got {kv_type!r}")
    if not isinstance(parallel, int) or parallel < 1:
        raise ValueError(f"parallel: expected a positive number of sequences, got {parallel!r}")
    per = KV_TYPES[kv_type]
    full, swa = kv_cells(a, ctx, n_ubatch, runtime)
    if a.mla:
        per_cell_layer = (a.kv_lora_rank + a.qk_rope_head_dim) * per
        return int(a.layers * full * per_cell_layer * parallel)
    per_cell_layer = a.kv_heads * (a.head_dim + a.v_head_dim) * per
    n_full = a.layers - a.sliding_layers
    return int((n_full * full + a.sliding_layers * swa) * per_cell_layer * parallel)


def kv_bytes_plain_formula(model: str | Arch, ctx: int, kv_type: str = "f16") -> int:
    """The textbook 2 × layers × kv_heads × head_dim × ctx × bytes, ignoring windows and MLA. Taught in notebook ``04_private_deployment``."""
    a = resolve(model)
    heads = a.heads if a.mla else a.kv_heads
    dim = (a.qk_nope_head_dim + a.qk_rope_head_dim) if a.mla else a.head_dim
    return int(2 * a.layers * heads * dim * ctx * KV_TYPES[kv_type])


def _check_ctx(ctx) -> None:
    if isinstance(ctx, bool) or not isinstance(ctx, int) or ctx < 1:
        raise ValueError(f"ctx: expected a positive context length in tokens, got {ctx!r}")


# --- compute buffer and overhead ---------------------------------------------------------
def compute_bytes(model: str | Arch, ctx: int, flash_attention: bool = True, parallel: int = 1,
                  n_ubatch: int = N_UBATCH, kv_type: str = "f16", backend: str = "cuda") -> int:
    """llama.cpp's compute buffer on one device, from its own logs (notebook ``04_private_deployment``).

    ``ctx`` is one sequence's cells (llama.cpp splits ``-c`` across its ``parallel`` slots); ``backend`` is
    ``"cuda"`` or ``"cpu"``. Per token of the physical batch ``n_ubatch``, in f32 values:

    * the feed-forward peak: ``3 × ffn + 5 × hidden`` on the CPU, ``3 × ffn + 4 × hidden`` with CUDA
      (one hidden-size tensor fewer is live there);
    * with flash attention, the larger of that peak and the attention peak, plus an f16 mask of
      ``n_ubatch × 2`` bytes per cell, and a second over the window's cells where sliding-window layers keep
      their own cache (Gemma 3 27B on the H200, ``server_runs_holdout.csv``: 1.52 MiB, exact). The attention peak only matters with a **quantised KV cache on
      CUDA**: the flash-attention kernel for a batch converts the whole K and V view (every slot's cells) to
      f16 inside the compute buffer (``ggml_cuda_flash_attn_ext_get_alloc_size`` in ggml-cuda's
      ``fattn.cu``, llama.cpp b11434), next to ``hidden + 4 × q`` values per token;
    * without flash attention, the larger of the feed-forward peak and the attention peak:
      ``2 × hidden + 4 × q + 2 × kv`` values (one hidden fewer with CUDA; plus ``hidden + q`` where
      sliding-window and full layers alternate, as in Gemma 3) and ``n_ubatch × 4 × (heads + 1)`` bytes
      per cell (f32 scores and mask).

    Fitted on the CPU logs (``scripts/measure_compute_buffer.py``, ``scripts/measure_llamacpp_memory.py``)
    and on the H200's Llama 3.1 8B rows (``data/measured/h200_llamacpp/server_runs.csv``); the 32B and 70B
    rows are held out as the check. In the two models the CUDA terms were fitted on ``q = hidden``, so
    how ``hidden + 4 × q`` splits between the two is not pinned by the data (an assumption).
    Taught in notebook ``04_private_deployment``.
    """
    a = resolve(model)
    _check_ctx(ctx)
    if backend not in ("cuda", "cpu"):
        raise ValueError(f"backend must be 'cuda' or 'cpu', got {backend!r}")
    if kv_type not in KV_TYPES:
        raise ValueError(f"kv_type must be one of {tuple(KV_TYPES)}, got {kv_type!r}")
    cuda = backend == "cuda"
    full, swa = kv_cells(a, ctx, n_ubatch)
    cells = full
    ffn = max(a.ffn, a.expert_ffn * max(a.experts_active, 1))
    ffn_peak = n_ubatch * 4 * (3 * ffn + (4 if cuda else 5) * a.hidden)
    q = a.heads * (a.qk_nope_head_dim + a.qk_rope_head_dim if a.mla else a.head_dim)
    if flash_attention:
        attention = 0
        if cuda and kv_type in QUANTISED_KV:
            # f16 copies of K and V over every slot's cells (MLA: V is a view of K, one copy)
            per_cell = (a.kv_lora_rank + a.qk_rope_head_dim) if a.mla else a.kv_heads * (a.head_dim + a.v_head_dim)
            attention = n_ubatch * 4 * (a.hidden + 4 * q) + cells * parallel * per_cell * 2
        # the f16 mask: one per cache, so a model with sliding-window layers has a second, over the window's cells
        masks = cells + (swa if 0 < a.sliding_layers < a.layers and swa < cells else 0)
        return int(max(ffn_peak, attention) + masks * n_ubatch * 2)
    kv = a.kv_heads * a.head_dim
    per_token = (1 if cuda else 2) * a.hidden + 4 * q + 2 * kv
    if 0 < a.sliding_layers < a.layers:
        per_token += a.hidden + q
    attention = n_ubatch * 4 * per_token + cells * n_ubatch * 4 * (a.heads + 1)
    return int(max(ffn_peak, attention))


@lru_cache(maxsize=1)
def h200_llamacpp_runs() -> pd.DataFrame:
    """llama.cpp b11434 (CUDA) on an H200: every buffer from llama-server's own log and the process's GPU
    memory, 23 settings (``data/measured/h200_llamacpp/server_runs.csv``). Taught in notebook ``04_private_deployment``."""
    df = pd.DataFrame(data_rows(H200_LLAMACPP_RUNS))
    num = [c for c in df.columns if c.endswith(("_mib", "_cells")) or c in ("ctx", "n_parallel", "n_ubatch", "n_ctx_seq")]
    df[num] = df[num].apply(pd.to_numeric, errors="coerce")
    df = df[df["status"] == "ok"].copy()
    df["residual_mib"] = (df["proc_used_loaded_mib"] - df["model_buf_gpu_mib"] - df["kv_buf_gpu_mib"]
                          - df["compute_buf_gpu_mib"] - df["output_buf_gpu_mib"])
    return df


def overhead_bytes(runtime: str = "llama.cpp-cuda") -> int:
    """The runtime's fixed cost per GPU; 0 on the CPU. Taught in notebook ``04_private_deployment``.

    * ``llama.cpp-cuda``: what llama-server's process holds on the H200 beyond the buffers it logs (CUDA
      context, cuBLAS and kernel pools), the median over the Llama 3.1 8B rows of
      ``data/measured/h200_llamacpp/server_runs.csv`` (the other models' rows are held out);
    * ``pytorch``: the CUDA context PyTorch measured on the H200 (``data/measured/vram_measured_h200.csv``).
    """
    if runtime in ("cpu", "llama.cpp-cpu"):
        return 0
    if runtime == "llama.cpp-cuda":
        runs = h200_llamacpp_runs()
        return int(round(float(runs.loc[runs["model"] == FIT_MODEL, "residual_mib"].median()) * MIB))
    return CUDA_CONTEXT_BYTES


# --- the estimate ----------------------------------------------------------------------------
@dataclass
class Estimate:
    """A memory estimate, term by term, in bytes. Taught in notebook ``04_private_deployment``."""

    model: str
    quant: str
    ctx: int
    kv_type: str
    parallel: int
    flash_attention: bool
    weights_bytes: int
    kv_bytes: int
    compute_bytes: int
    overhead_bytes: int
    notes: list = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return self.weights_bytes + self.kv_bytes + self.compute_bytes + self.overhead_bytes

    @property
    def dominant(self) -> str:
        terms = {"weights": self.weights_bytes, "KV cache": self.kv_bytes,
                 "compute buffer": self.compute_bytes, "runtime overhead": self.overhead_bytes}
        return max(terms, key=terms.get)

    def gib(self) -> dict:
        return {k: round(v / GIB, 3) for k, v in self.as_dict().items() if k.endswith("_bytes")}

    def as_dict(self) -> dict:
        return {"model": self.model, "quant": self.quant, "ctx": self.ctx, "kv_type": self.kv_type,
                "parallel": self.parallel, "flash_attention": self.flash_attention,
                "weights_bytes": self.weights_bytes, "kv_bytes": self.kv_bytes,
                "compute_bytes": self.compute_bytes, "overhead_bytes": self.overhead_bytes,
                "total_bytes": self.total_bytes, "dominant": self.dominant}

    def __str__(self) -> str:
        g = {k: v / GIB for k, v in self.as_dict().items() if k.endswith("_bytes")}  # not rounded twice
        return (f"{self.model} {self.quant} at {self.ctx:,} tokens (KV {self.kv_type}, FA "
                f"{'on' if self.flash_attention else 'off'}, {self.parallel} seq): {g['total_bytes']:.2f} GiB = "
                f"weights {g['weights_bytes']:.2f} + KV {g['kv_bytes']:.2f} + compute {g['compute_bytes']:.2f} + "
                f"overhead {g['overhead_bytes']:.2f}; dominant: {self.dominant}")


def estimate(model: str | Arch, ctx: int = 8192, quant: str = "Q4_K_M", kv_type: str = "f16", parallel: int = 1,
             flash_attention: bool = True, runtime: str = "llama.cpp-cuda") -> Estimate:
    """GPU memory for a model, quantisation, context, KV type, sequences and flash attention.

    ``ctx`` is each sequence's context and ``parallel`` the number of sequences (Ollama's meaning; for
    ``llama-server -c C -np N`` use :func:`serve`, which splits ``C``). ``runtime`` is ``"llama.cpp-cuda"``
    (the default; Ollama uses llama.cpp: the weights term is then what the GPU holds, without the input
    embedding llama.cpp keeps on the CPU), ``"llama.cpp-cpu"`` or ``"pytorch"`` (bf16 tensors as a PyTorch
    runtime holds them: no padding, no compute buffer estimate). Taught in notebook ``04_private_deployment``.
    """
    a = resolve(model)
    if runtime not in ("llama.cpp-cuda", "llama.cpp-cpu", "pytorch"):
        raise ValueError(f"runtime must be llama.cpp-cuda, llama.cpp-cpu or pytorch, got {runtime!r}")
    if runtime == "pytorch":
        return Estimate(a.name, "BF16", ctx, "bf16", parallel, flash_attention,
                        int(param_count(a) * 2), kv_bytes(a, ctx, "bf16", parallel, runtime="pytorch"), 0,
                        CUDA_CONTEXT_BYTES, ["PyTorch bf16: weights and KV tensors only"])
    notes = []
    if isinstance(model, str) and ":" in model:
        tag_quant = from_ollama_tag(model)[1]
        if tag_quant:
            quant = tag_quant
    quant = quant if a.weights_bytes_exact else canonical_quant(quant)
    if kv_type in ("q8_0", "q4_0") and not flash_attention:
        raise ValueError(f"kv_type: llama.cpp refuses a quantised V cache ({kv_type}) without flash attention "
                         "(and Ollama applies OLLAMA_KV_CACHE_TYPE only with flash attention on): turn flash "
                         "attention on or use f16")
    if a.context_length and ctx > a.context_length:
        notes.append(f"warning: {ctx:,} tokens is beyond {a.name}'s trained context of {a.context_length:,}; "
                     "quality degrades unless the runtime applies RoPE scaling")
    if a.weights_bytes_exact:
        notes.append("weights: exact, from the GGUF tensors")
    weights = a.weights_bytes_exact or weights_bytes(a, quant)
    if runtime == "llama.cpp-cuda":
        on_cpu = input_embedding_bytes(a, quant)
        if on_cpu:
            weights -= on_cpu
            notes.append(f"weights: the input embedding ({on_cpu / GIB:.2f} GiB) stays in CPU memory, as llama.cpp "
                         "keeps the input layer on the CPU")
    if a.weights_bytes_exact:
        quant = "GGUF"
    return Estimate(a.name, quant, ctx, kv_type, parallel, flash_attention, weights,
                    kv_bytes(a, ctx, kv_type, parallel),
                    compute_bytes(a, ctx, flash_attention, parallel, kv_type=kv_type,
                                  backend="cpu" if runtime == "llama.cpp-cpu" else "cuda"),
                    overhead_bytes(runtime), notes)


# --- GPUs -------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _gpus() -> pd.DataFrame:
    return gpus()


def gpus() -> pd.DataFrame:
    """The GPU catalog (``data/gpus.csv``): memory, bandwidth, power, price, sources. Taught in notebook ``04_private_deployment``."""
    df = pd.DataFrame(data_rows("gpus.csv")).set_index("name")
    for c in ("memory_gib", "bandwidth_gb_s", "power_w"):
        df[c] = df[c].astype(float)
    df["price_usd"] = pd.to_numeric(df["price_usd"], errors="coerce")
    return df


def gpu(name: str) -> pd.Series:
    """One GPU of data/gpus.csv, or a ValueError naming the known ones. Taught in notebook ``04_private_deployment``."""
    table = _gpus()
    key = " ".join(str(name).split()).lower()
    for known in table.index:
        if known.lower() == key:
            return table.loc[known]
    raise ValueError(f"gpu: unknown GPU {name!r}; known (any case): {', '.join(table.index)}")


def fits(est: Estimate, gpu_name: str, headroom_gib: float = 0.0) -> bool:
    """Does the estimate fit in the GPU's memory (minus ``headroom_gib``)? Taught in notebook ``04_private_deployment``."""
    return bool(est.total_bytes <= (float(gpu(gpu_name)["memory_gib"]) - headroom_gib) * GIB)


def headroom_gib() -> float:
    """Spare memory a setting should leave before it is called a fit: an assumption with its reason in
    ``data/vram_assumptions.csv`` (llama.cpp's ``--fit`` leaves 1 GiB per device). Taught in notebook ``04_private_deployment``."""
    rules = {r["name"]: r for r in data_rows("vram_assumptions.csv")}
    return float(rules["headroom_gib"]["value"])


def verdict(est: Estimate, gpu_name: str, headroom: float | None = None) -> dict:
    """``fits``, ``tight`` (fits, but with less spare than the headroom rule) or ``does not fit``, with the spare
    GiB and a sentence that names the rule. Taught in notebook ``04_private_deployment``."""
    g = gpu(gpu_name)
    head = headroom_gib() if headroom is None else float(headroom)
    spare = float(g["memory_gib"]) - est.total_bytes / GIB
    if spare < 0:
        word, text = "does not fit", f"does NOT fit: {-spare:.2f} GiB short (and the course keeps {head:g} GiB headroom)"
    elif spare < head:
        word, text = "tight", (f"fits on paper with {spare:.2f} GiB spare, under the {head:g} GiB headroom the course "
                               "keeps (llama.cpp's --fit default): tight; shorten the context or quantise the KV cache")
    else:
        word, text = "fits", f"fits with {spare:.2f} GiB spare (headroom rule: {head:g} GiB)"
    return {"verdict": word, "spare_gib": round(spare, 3), "headroom_gib": head, "text": f"{g.name} ({float(g['memory_gib']):g} GiB): {text}"}


def max_context(model: str | Arch, gpu_name: str, quant: str = "Q4_K_M", kv_type: str = "f16",
                parallel: int = 1, flash_attention: bool = True) -> int:
    """The longest context (a multiple of 256) that fits on the GPU; 0 when even 256 does not. Taught in notebook ``04_private_deployment``."""
    a = resolve(model)
    limit = a.context_length or 1_048_576
    lo, hi = 0, limit // CELL_PAD
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(estimate(a, mid * CELL_PAD, quant, kv_type, parallel, flash_attention), gpu_name):
            lo = mid
        else:
            hi = mid - 1
    return lo * CELL_PAD


def offload(est: Estimate, gpu_name: str, model: str | Arch | None = None) -> dict:
    """When it does not fit: how many layers stay on the GPU, and the decode slow-down that follows.

    Ollama does not fail with out-of-memory here: it moves layers to the CPU
    (shown as a CPU/GPU split in ``ollama ps``). Decode reads every weight once
    per token, so time per token ≈ GPU bytes / GPU bandwidth + CPU bytes / CPU
    bandwidth (assumed 60 GB/s of system memory, stated in the result).
    Taught in notebook ``04_private_deployment``.
    """
    a = resolve(model or est.model)
    g = gpu(gpu_name)
    budget = g["memory_gib"] * GIB - est.overhead_bytes - est.compute_bytes
    per_layer = (est.weights_bytes + est.kv_bytes) / a.layers
    on_gpu = max(0, min(a.layers, int(budget // per_layer)))
    cpu_bw = 60e9
    gpu_bytes, cpu_bytes = on_gpu * per_layer, (a.layers - on_gpu) * per_layer
    t_all = (est.weights_bytes + est.kv_bytes) / (g["bandwidth_gb_s"] * 1e9)
    t_split = gpu_bytes / (g["bandwidth_gb_s"] * 1e9) + cpu_bytes / cpu_bw
    return {"layers": a.layers, "layers_on_gpu": on_gpu, "layers_on_cpu": a.layers - on_gpu,
            "slowdown": round(float(t_split / t_all), 1), "assumption": "CPU memory bandwidth 60 GB/s"}


def decode_tokens_per_s_bound(est: Estimate, gpu_name: str, batch: int = 1, active_fraction: float = 1.0) -> float:
    """Memory-bandwidth bound on decode: bandwidth ÷ bytes read per step, times the batch.

    Each decode step reads the (active) weights once and each sequence's KV cache.
    An upper bound: real runtimes reach some fraction of it.
    Taught in notebook ``04_private_deployment``.
    """
    g = gpu(gpu_name)
    step_bytes = est.weights_bytes * active_fraction + est.kv_bytes
    return g["bandwidth_gb_s"] * 1e9 / step_bytes * batch


def source_page_table() -> pd.DataFrame:
    """The source page's VRAM table, each row estimated and checked against measurements (notebook ``04``)."""
    rows = [
        ("7–8B Q4, 8K", "12–16 GB", "llama-3.1-8b", 8192, "f16", False),
        ("7–8B Q4, 8K", "12–16 GB", "qwen2.5-7b", 8192, "f16", False),
        ("32B Q4, 8K", "24 GB (4090)", "qwen2.5-32b", 8192, "f16", False),
        ("32B Q4, 32K", "48 GB", "qwen2.5-32b", 32768, "f16", False),
        ("32B Q4, 32K", "48 GB", "qwen2.5-32b", 32768, "f16", True),
        ("32B Q4, 32K", "48 GB", "qwen2.5-32b", 32768, "q8_0", True),
    ]
    out = []
    for label, page, model, ctx, kv, fa in rows:
        e = estimate(model, ctx, "Q4_K_M", kv, 1, fa)
        out.append({"page row": label, "page says": page, "model": model, "KV": kv, "flash attn": "on" if fa else "off",
                    "estimate GiB": round(e.total_bytes / GIB, 1), "dominant": e.dominant,
                    "RTX 4090 verdict": f"{(v := verdict(e, 'RTX 4090'))['verdict']} ({v['spare_gib']:+.2f} GiB spare)"})
    return pd.DataFrame(out)


def kv_crossover_ctx(model: str | Arch, quant: str = "Q4_K_M", kv_type: str = "f16") -> int:
    """The shortest context (a multiple of 256) at which the KV cache outweighs the weights on the GPU; 0 when it
    never does up to 128K tokens or the trained context, whichever is longer (the calculator's range). Taught in
    notebook ``04_private_deployment``."""
    a = resolve(model)
    limit = max(a.context_length, 131072) // CELL_PAD
    weights = estimate(a, CELL_PAD, quant, kv_type).weights_bytes
    lo, hi = 1, limit
    if kv_bytes(a, limit * CELL_PAD, kv_type) < weights:
        return 0
    while lo < hi:  # the KV cache grows with context, so the first crossing is found by bisection
        mid = (lo + hi) // 2
        if kv_bytes(a, mid * CELL_PAD, kv_type) >= weights:
            hi = mid
        else:
            lo = mid + 1
    return lo * CELL_PAD


def with_changes(model: str | Arch, **changes) -> Arch:
    """A what-if copy of an architecture (for example a different window). Taught in notebook ``04_private_deployment``."""
    return replace(resolve(model), **changes)


# --- what parallel sequences mean in each serving runtime -------------------------------------
SERVERS = ("llama.cpp", "ollama", "vllm")


def llamacpp_ctx_per_slot(ctx: int, parallel: int = 1) -> int:
    """Cells per slot of ``llama-server -c ctx -np parallel`` (separate slots, llama-server's default when
    ``-np`` is given): ``ctx`` padded to 256, divided by the slots, padded to 256 again (``llama_context``
    in llama.cpp's ``src/llama-context.cpp``, b11434). Each slot then holds its own full-attention cells
    and its own sliding-window cells (``llama_kv_cache_iswa``: ``min(n_ctx_seq, n_swa + n_ubatch)`` padded
    to 256, one stream per slot). Taught in notebook ``04_private_deployment``."""
    _check_ctx(ctx)
    if isinstance(parallel, bool) or not isinstance(parallel, int) or parallel < 1:
        raise ValueError(f"parallel: expected a positive number of sequences, got {parallel!r}")
    return _pad(_pad(ctx) // parallel)


def serve(model: str | Arch, ctx: int, parallel: int = 1, server: str = "llama.cpp", quant: str | None = None,
          kv_type: str = "f16", flash_attention: bool = True, gpu_name: str | None = None,
          gpu_memory_utilization: float = 0.9) -> dict:
    """Memory for serving ``parallel`` sequences, with each runtime's own meaning of the numbers.

    * ``llama.cpp``: ``-c ctx`` is the **total** KV size, split across ``-np parallel`` slots of
      ``ctx / parallel`` tokens each (llama.cpp server README, ``--parallel``);
    * ``ollama``: ``num_ctx`` is **per slot**; Ollama starts llama.cpp with ``num_ctx × OLLAMA_NUM_PARALLEL``
      cells (Ollama FAQ, "How does Ollama handle concurrent requests?");
    * ``vllm``: reserves ``gpu_memory_utilization`` of the GPU up front, loads the weights (BF16 unless a
      quantised checkpoint is named) and gives the rest to the KV cache; it refuses to start when one
      sequence of ``max_model_len = ctx`` does not fit, and serves at most ``kv tokens ÷ ctx`` of
      ``max_num_seqs = parallel`` at full length (vLLM docs, "GPU memory utilization" and engine args).
      Activation memory is not modelled (an assumption, stated in the result).

    Returns a dict with ``server``, ``total_bytes`` (what the runtime holds on the GPU), the per-sequence
    context and a ``note`` saying which semantics were used. Taught in notebook ``04_private_deployment``.
    """
    if server not in SERVERS:
        raise ValueError(f"runtime must be one of {SERVERS}, got {server!r}")
    if isinstance(parallel, bool) or not isinstance(parallel, int) or parallel < 1:
        raise ValueError(f"parallel: expected a positive number of sequences, got {parallel!r}")
    _check_ctx(ctx)
    a = resolve(model)
    if server != "vllm":
        quant = quant or "Q4_K_M"
    if server == "llama.cpp":
        n_ctx_seq = llamacpp_ctx_per_slot(ctx, parallel)
        est = estimate(a, n_ctx_seq, quant, kv_type, parallel, flash_attention)
        swa = (f"; the sliding-window layers keep {kv_cells(a, n_ctx_seq)[1]:,} cells in each slot"
               if a.sliding_window and not a.mla else "")
        return {"server": server, "estimate": est, "total_bytes": est.total_bytes, "per_sequence_ctx": n_ctx_seq,
                "kv_tokens": n_ctx_seq * parallel,
                "note": f"llama.cpp: -c {ctx:,} is the total, split across -np {parallel} slots of "
                        f"{n_ctx_seq:,} tokens each{swa}"}
    if server == "ollama":
        est = estimate(a, ctx * parallel, quant, kv_type, 1, flash_attention)
        return {"server": server, "estimate": est, "total_bytes": est.total_bytes, "per_sequence_ctx": ctx,
                "kv_tokens": ctx * parallel,
                "note": f"Ollama: num_ctx {ctx:,} per slot × OLLAMA_NUM_PARALLEL {parallel} = {ctx * parallel:,} "
                        "tokens of KV cache"}
    if gpu_name is None:
        raise ValueError("gpu: vLLM reserves a share of a GPU's memory; name the GPU")
    if not 0 < gpu_memory_utilization <= 1:
        raise ValueError(f"gpu_memory_utilization: expected a fraction in (0, 1], got {gpu_memory_utilization!r}")
    weights_q = canonical_quant(quant or "BF16")
    weights = weights_bytes(a, weights_q)
    g = gpu(gpu_name)
    gpu_name = g.name
    reserved = int(float(g["memory_gib"]) * GIB * gpu_memory_utilization)
    per_token = kv_bytes(a, 1, "bf16" if kv_type == "f16" else kv_type, runtime="pytorch")
    kv_space = reserved - weights - CUDA_CONTEXT_BYTES
    kv_tokens = max(0, kv_space // per_token)
    seqs = int(kv_tokens // ctx)
    fits_one = kv_tokens >= ctx
    note = (f"vLLM: reserves {gpu_memory_utilization:.0%} of {gpu_name} ({reserved / GIB:.1f} GiB) up front; "
            f"weights {weights / GIB:.1f} GiB ({weights_q}); KV cache {max(kv_space, 0) / GIB:.1f} GiB = "
            f"{kv_tokens:,} tokens; " + (f"{min(seqs, parallel)} of max_num_seqs={parallel} sequences fit at "
                                         f"max_model_len={ctx:,}" if fits_one else
                                         f"refuses to start: one sequence of max_model_len={ctx:,} does not fit")
            + "; activation memory not modelled (assumption)")
    return {"server": server, "estimate": None, "total_bytes": reserved, "per_sequence_ctx": ctx,
            "kv_tokens": int(kv_tokens), "concurrent_sequences": min(seqs, parallel), "starts": bool(fits_one),
            "note": note}
