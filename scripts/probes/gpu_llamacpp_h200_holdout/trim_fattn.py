"""Trim llama.cpp's CUDA FlashAttention mma-f16 and tile kernels to head size 128 (build time only).

All five models here have 128-wide heads. Keeps the D=128 lines of template-instances/fattn-mma-f16-instance-*.cu
(deleting files left empty) and fattn-tile-instance-dkq128-dv128.cu only, and reduces the head-size switches of
ggml_cuda_flash_attn_ext_mma_f16 (fattn.cu) and ggml_cuda_flash_attn_ext_tile (fattn-tile.cu) to case 128 plus a
default that aborts. The vec kernels (fattn-vec-instance-*.cu) are left whole. Run once on the extracted tree.
"""
import sys
from pathlib import Path

root = Path(sys.argv[1]) / "ggml" / "src" / "ggml-cuda"
ti = root / "template-instances"
n_mma = n_tile = 0
for f in sorted(ti.glob("fattn-mma-f16-instance-*.cu")):
    lines = f.read_text().splitlines(True)
    keep = [ln for ln in lines if not ln.startswith("DECL_FATTN_MMA_F16_CASE(") or ln.startswith("DECL_FATTN_MMA_F16_CASE(128, 128,")]
    if not any(ln.startswith("DECL_FATTN_MMA_F16_CASE(") for ln in keep):
        f.unlink()
        n_mma += 1
    else:
        f.write_text("".join(keep))
for f in sorted(ti.glob("fattn-tile-instance-*.cu")):
    if f.name != "fattn-tile-instance-dkq128-dv128.cu":
        f.unlink()
        n_tile += 1


def replace_switch(path: Path, start: str, new: str) -> None:
    src = path.read_text()
    i = src.index(start)
    j = src.index("{", i)
    depth = 0
    for k in range(j, len(src)):
        depth += {"{": 1, "}": -1}.get(src[k], 0)
        if depth == 0:
            break
    path.write_text(src[:i] + new + src[k + 1:])


replace_switch(root / "fattn.cu",
               "    switch (Q->ne[0]) {\n        case 64:\n            GGML_ASSERT(V->ne[0] == 64);\n"
               "            ggml_cuda_flash_attn_ext_mma_f16_switch_ncols2< 64,  64>",
               "    GGML_UNUSED(cc); GGML_UNUSED(KQV); GGML_UNUSED(K); GGML_UNUSED(mask);\n"
               "    switch (Q->ne[0]) {\n        case 128:\n            GGML_ASSERT(V->ne[0] == 128);\n"
               "            ggml_cuda_flash_attn_ext_mma_f16_switch_ncols2<128, 128>(ctx, dst);\n            break;\n"
               "        default:\n            GGML_ABORT(\"head size not built (build trimmed to 128)\");\n    }")
replace_switch(root / "fattn-tile.cu", "    switch (K->ne[0]) {",
               "    switch (K->ne[0]) {\n        case 128: {\n            GGML_ASSERT(V->ne[0] == 128);\n"
               "            ggml_cuda_flash_attn_ext_tile_case<128, 128>(ctx, dst);\n        } break;\n"
               "        default: {\n            GGML_ABORT(\"head size not built (build trimmed to 128)\");\n        } break;\n    }")
print(f"fattn: {n_mma} mma instance files and {n_tile} tile instance files removed; switches reduced to D=128")
