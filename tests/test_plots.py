"""The lesson figures draw from course_lib numbers without warnings (missing glyphs included)."""
import warnings

import pytest

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from course_lib import plots  # noqa: E402


def test_figures_draw_cleanly():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fig in (plots.price_bars(), plots.cache_hit_curve(15, 40_000, 3_000, ["gpt-5.5", "deepseek-v4-pro"]),
                    plots.long_context_cliff(),
                    plots.price_timeline("deepseek-v4-pro", "2026-08-01", "2026-09-01", 600_000, 45_000, 480_000)):
            fig.canvas.draw()
            plt.close(fig)


def test_cache_hit_curve_prices_turn_by_turn():
    """15 turns of 40K never cross GPT-5.5's 272K tier: 15 × (40K × $5 + 3K × $30) per million = $4.35 at 0% hits
    (priced as one 600K call it would be $8.03), the same as its no-caching line. The first turn finds nothing in the
    cache; on Claude each token not read is written at 1.25×, so 0% hits cost more than caching off (issue 21)."""
    import matplotlib.pyplot as plt
    fig = plots.cache_hit_curve(15, 40_000, 3_000, ["gpt-5.5", "claude-sonnet-4-6"])
    gpt, gpt_off, claude, claude_off = (line.get_ydata() for line in fig.axes[0].lines)
    assert gpt[0] == pytest.approx(15 * (40_000 * 5 + 3_000 * 30) / 1e6) == pytest.approx(gpt_off[0])
    assert claude_off[0] == pytest.approx(15 * (40_000 * 3 + 3_000 * 15) / 1e6)
    assert claude[0] == pytest.approx(15 * (40_000 * 3.75 + 3_000 * 15) / 1e6) and claude[0] > claude_off[0]
    first = (40_000 * 3.75 + 3_000 * 15) / 1e6  # turn 1: nothing to read, all written
    assert claude[-1] == pytest.approx(first + 14 * (40_000 * 0.3 + 3_000 * 15) / 1e6)
    assert gpt[-1] == pytest.approx((40_000 * 5 + 3_000 * 30) / 1e6 + 14 * (40_000 * 0.5 + 3_000 * 30) / 1e6)
    plt.close(fig)
