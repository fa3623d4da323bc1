"""Interactive calculators for the classroom (ipywidgets). Each returns a widget to display.

The numbers come from ``course_lib``; the widgets only move the inputs.
"""
from __future__ import annotations

import ipywidgets as W
from IPython.display import display


def vram_calculator(model: str = "qwen2.5-7b", ctx: int = 8192, gpu_name: str = "RTX 4090"):
    """Model, context, quantisation, KV type, flash attention and GPU in; memory by term out (notebook ``04``)."""
    import matplotlib.pyplot as plt

    from . import plots, vram

    controls = {
        "model": W.Dropdown(options=list(vram.catalog().index), value=model, description="model"),
        "ctx": W.SelectionSlider(options=[2 ** k for k in range(10, 18)], value=ctx, description="context"),
        "quant": W.Dropdown(options=list(vram.quant_bits()), value="Q4_K_M", description="weights"),
        "kv_type": W.Dropdown(options=["f16", "q8_0", "q4_0"], value="f16", description="KV type"),
        "flash_attention": W.Checkbox(value=True, description="flash attention"),
        "parallel": W.IntSlider(value=1, min=1, max=8, description="sequences"),
        "gpu": W.Dropdown(options=list(vram.gpus().index), value=gpu_name, description="GPU"),
    }
    out = W.Output()

    def update(**kw):
        est = vram.estimate(kw["model"], kw["ctx"], kw["quant"], kw["kv_type"], kw["parallel"], kw["flash_attention"])
        g = vram.gpu(kw["gpu"])
        fits = vram.fits(est, kw["gpu"])
        print(est)
        line = f"{kw['gpu']} ({g['memory_gib']:g} GiB): {'fits' if fits else 'does NOT fit'}"
        if not fits:
            o = vram.offload(est, kw["gpu"])
            line += f"; Ollama would keep {o['layers_on_gpu']}/{o['layers']} layers on the GPU (~{o['slowdown']}x slower decode)"
        print(line)
        plots.memory_stack([est], [f"{kw['model']} {kw['ctx'] // 1024}K"], gpu_gib=g["memory_gib"])
        plt.show()

    ui = W.interactive_output(update, controls)
    box = W.VBox([W.HBox([controls["model"], controls["quant"], controls["gpu"]]),
                  W.HBox([controls["ctx"], controls["kv_type"], controls["parallel"]]),
                  controls["flash_attention"], ui])
    box.add_class("course-vram-calculator")
    return box


def show(widget) -> None:
    display(widget)
