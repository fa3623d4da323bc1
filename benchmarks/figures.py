"""The README's and INSTRUCTORS' benchmark sentences, built from ``benchmarks/results/*.json`` (never typed by hand).

    python benchmarks/figures.py   # print each sentence, to paste into README.md or INSTRUCTORS.md after a re-run

``tests/test_benchmark.py`` checks that each document contains each sentence as built here from the
committed results, so a figure in the README is always the one a results file holds.
"""
from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _load(name: str) -> dict:
    return json.loads((RESULTS / f"{name}.json").read_text(encoding="utf-8"))


def _range(s: dict, fmt: str = ",.0f") -> str:
    return f"median of {s['n']}, range {s['min']:{fmt}}–{s['max']:{fmt}}"


def _where(d: dict) -> str:
    return f"{d['cpus']} cores, load average {d['loadavg_1_5_15'][0]:g}, {d['date'][:10]}"


def billing(d: dict) -> str:
    s = d["speedup"]
    return (f"{d['rows']:,} usage rows priced by the vectorised path against {d['sample']:,} of them through "
            f"genai-prices' per-call `calc_price`: **{s['median']:,.0f}×** faster ({_range(s)}; {_where(d)}), "
            f"identical to {d['max_abs_diff_usd']:.0e} USD")


def usage(d: dict) -> str:
    ours, theirs, r = (d["course_lib_bodies_per_s"], d["genai_prices_bodies_per_s"],
                       d["ratio_course_lib_over_genai_prices"])
    return (f"the {d['priced_bodies']:,} recorded bodies both can price, read and priced by `course_lib` "
            "(detecting each shape) against genai-prices' `extract_usage` + `calc_price` (told the provider): "
            f"{ours['median']:,.0f} against {theirs['median']:,.0f} bodies per second, **{r['median']:.1f}×** "
            f"({_range(r, '.1f')}; {_where(d)})")


def runs(d: dict) -> str:
    s = d["speedup"]
    return (f"the {d['calls']:,} recorded agent calls priced on all {len(d['models'])} genai-prices models of the "
            f"price book at once ({d['priced_calls']:,} prices in {d['vectorised_s']['median']:.2f} s, "
            f"{d['vectorised_calls_per_s']['median']:,.0f} calls/s) against {d['calc_price_sample']:,} through "
            f"per-call `calc_price` ({d['calc_price_calls_per_s']['median']:,.0f} calls/s): "
            f"**{s['median']:,.0f}×** ({_range(s)}; {_where(d)}), identical to {d['max_abs_diff_usd']:.0e} USD")


def course_runtime(d: dict) -> str:
    t = d["total_s"]
    return (f"the whole course executed headless and offline: {t['median']:.0f} s for {len(d['notebooks'])} "
            f"notebooks ({_range(t, '.0f')} s; {_where(d)}; goal: under {d['goal_s']} s)")


def suite(d: dict) -> str:
    return (f"then about {round(d['seconds'] / 30) / 2:g} minutes for the whole test suite "
            f"({d['tests_passed']:,} tests passed; `benchmarks/results/suite.json`)")


def course_runtime_short(d: dict) -> str:
    return (f"The whole course executes in about {d['total_s']['median']:.0f} s on a {d['cpus']}-core machine "
            f"(load average {d['loadavg_1_5_15'][0]:g}; `benchmarks/results/course_runtime.json`)")


def _p(d: dict, key: str) -> dict:
    return {"n": len(d["runs"]), "min": d[f"{key}_min"], "max": d[f"{key}_max"]}


#: What each commit measured as "before" was, for the panel's sentence (a commit not listed is named by its hash).
BEFORE_PANEL = {"27be84b": "the panel before it kept its bills and charts",
                "8001c48": "the panel before the engines' fixed cost per bill was cut (pandas' checks built in one "
                           "frame, small files priced by pandas; the panel itself unchanged)",
                "8724a47": "the panel before a bill's own rates were shared by its what-ifs and its reconciliation "
                           "(worked out four times for each new bill), and before a bill with no reported cost skipped "
                           "reconciliation",
                "1067893": "the panel before its reconciliation and chart were made cheaper (re-pricings summed on "
                           "arrays and sharing one price lookup, the chart's margins measured from its labels instead "
                           "of tight_layout)"}


def widget_latency_own_bill(d: dict) -> str:
    before = d["against"]
    commit = before["course_lib"]["commit"][:7]
    met = ("met" if d["p95_ms_median"] < d["goal_p95_ms"] else "not met") + (" at this pace" if d["pause_s"] else "")
    pace = (f"with {d['pause_s']:g} s between changes, as a learner reading each answer" if d["pause_s"]
            else "one after another")
    return (f"lesson 06's own-bill panel, every control changed {d['passes']} times {pace} "
            f"({d['runs'][0]['changes']} changes a run, Chromium): from the control event to the complete chart "
            f"and answer, **p95 {d['p95_ms_median']:,.0f} ms** ({_range(_p(d, 'p95_ms'))}), p50 "
            f"{d['p50_ms_median']:,.0f} ms ({_range(_p(d, 'p50_ms'))}); goal p95 under {d['goal_p95_ms']} ms: {met}. "
            f"Alternated run by run with {BEFORE_PANEL.get(commit, 'the course_lib before')}, commit "
            f"{commit}: p95 {before['p95_ms_median']:,.0f} ms "
            f"({_range(_p(before, 'p95_ms'))}), p50 {before['p50_ms_median']:,.0f} ms; before/after "
            f"**{d['p95_ratio_against_over_this']:.1f}×** at the p95, "
            f"{before['p50_ms_median'] / d['p50_ms_median']:.1f}× at the p50 ({_where(d)})")


#: (document, results file) -> the function that builds the document's words from that file
SENTENCES = {("README.md", "billing"): billing, ("README.md", "usage"): usage, ("README.md", "runs"): runs,
             ("README.md", "course_runtime"): course_runtime, ("README.md", "suite"): suite,
             ("README.md", "widget_latency_own_bill"): widget_latency_own_bill,
             ("README.md", "widget_latency_own_bill_paced"): widget_latency_own_bill,
             ("INSTRUCTORS.md", "course_runtime"): course_runtime_short}


def sentence(doc: str, name: str) -> str:
    """The words ``doc`` says about one results file."""
    return SENTENCES[(doc, name)](_load(name))


if __name__ == "__main__":
    for doc, name in SENTENCES:
        print(f"{doc}, {name}: {sentence(doc, name)}\n")
