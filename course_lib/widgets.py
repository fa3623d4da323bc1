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



def break_even_widget():
    """Workload, API model and local box in; monthly bills and the break-even out (notebook ``05_tco``)."""
    import matplotlib.pyplot as plt

    from . import plots, tco, vram

    controls = {
        "tasks_per_day": W.IntSlider(value=1000, min=0, max=20000, step=250, description="tasks/day"),
        "input_tokens": W.IntSlider(value=25000, min=1000, max=200000, step=1000, description="input/task"),
        "output_tokens": W.IntSlider(value=800, min=100, max=10000, step=100, description="output/task"),
        "model": W.Dropdown(options=["deepseek-v4-flash", "deepseek-v4-pro", "qwen3.5-plus", "glm-5",
                                     "claude-sonnet-4-6", "gpt-5.5"], value="deepseek-v4-pro", description="API model"),
        "cache_hit_rate": W.FloatSlider(value=0.0, min=0, max=0.95, step=0.05, description="cache hits"),
        "gpu": W.Dropdown(options=[g for g in vram.gpus().index if g.startswith("RTX")], value="RTX 4090", description="GPU"),
        "ops_hours_month": W.FloatSlider(value=4, min=0, max=40, step=1, description="ops h/month"),
    }

    def update(tasks_per_day, input_tokens, output_tokens, model, cache_hit_rate, gpu, ops_hours_month):
        w = tco.Workload(tasks_per_day=tasks_per_day, input_tokens=input_tokens, output_tokens=output_tokens,
                         model=model, cache_hit_rate=cache_hit_rate)
        box = tco.LocalBox(gpu=gpu, ops_hours_month=ops_hours_month)
        api, local = tco.api_monthly(w), tco.local_monthly(box)
        be = tco.break_even_tasks_per_day(w, box)
        print(f"API {model}: ¥{api['monthly_cny']:,.0f}/month   local {gpu}: ¥{local['monthly_cny']:,.0f}/month   "
              f"break-even at {be:,.0f} tasks/day")
        print("Check capability before capacity: can this GPU run a model as good as", model, "?")
        plots.break_even_chart(tco.break_even_curve(w, box, max_tasks_per_day=max(2 * be, tasks_per_day * 1.5, 100)))
        plt.show()

    ui = W.interactive_output(update, controls)
    box = W.VBox([W.HBox([controls["tasks_per_day"], controls["input_tokens"], controls["output_tokens"]]),
                  W.HBox([controls["model"], controls["cache_hit_rate"]]),
                  W.HBox([controls["gpu"], controls["ops_hours_month"]]), ui])
    box.add_class("course-break-even")
    return box


def cost_explorer():
    """The source's five cost knobs as controls: cost per task and the monthly bill move (notebook ``03``)."""
    from dataclasses import replace

    from . import levers, money

    controls = {
        "strong_model": W.Dropdown(options=["gpt-5.5", "claude-sonnet-4-6", "deepseek-v4-pro", "glm-5", "kimi-k2.7"],
                                   value="gpt-5.5", description="model"),
        "max_tokens": W.SelectionSlider(options=[64, 128, 256, 512, 1024, 2048, 4096], value=4096, description="max_tokens"),
        "system_prompt_tokens": W.IntSlider(value=800, min=100, max=8000, step=100, description="system prompt"),
        "history": W.Dropdown(options=["full", "window", "summary"], value="full", description="history"),
        "rag_top_k": W.IntSlider(value=12, min=0, max=20, description="RAG top-k"),
        "routing": W.Checkbox(value=False, description="route easy tasks to a small model"),
        "thinking": W.Checkbox(value=True, description="thinking on"),
        "caching": W.Checkbox(value=False, description="prompt caching"),
        "tasks_per_day": W.IntSlider(value=1000, min=100, max=20000, step=100, description="tasks/day"),
    }

    def update(tasks_per_day, **knobs):
        s = replace(levers.BASELINE, **knobs)
        day = levers.daily_cost(s, tasks_per_day)
        usd_day = day["usd_per_day"].sum()
        print(f"cost per task (mix): {money.both(usd_day / tasks_per_day)}")
        print(f"monthly bill: {money.both(usd_day * 30)}   (baseline: {money.both(levers.total(levers.BASELINE, tasks_per_day) * 30)})")
        display(day[["usd_per_task", "tasks", "usd_per_day"]].round(4))

    ui = W.interactive_output(update, controls)
    box = W.VBox([W.HBox([controls["strong_model"], controls["max_tokens"], controls["tasks_per_day"]]),
                  W.HBox([controls["system_prompt_tokens"], controls["history"], controls["rag_top_k"]]),
                  W.HBox([controls["routing"], controls["thinking"], controls["caching"]]), ui])
    box.add_class("course-cost-explorer")
    return box
