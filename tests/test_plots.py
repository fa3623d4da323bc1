"""The lesson figures draw from course_lib numbers without warnings (missing glyphs included)."""
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from course_lib import plots  # noqa: E402


def test_figures_draw_cleanly():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fig in (plots.price_bars(), plots.cache_hit_curve(600_000, 45_000, ["gpt-5.5", "deepseek-v4-pro"]),
                    plots.long_context_cliff(),
                    plots.price_timeline("deepseek-v4-pro", "2026-08-01", "2026-09-01", 600_000, 45_000, 480_000)):
            fig.canvas.draw()
            plt.close(fig)
