"""Benchmark: a team's usage export of N rows priced from the file, through DuckDB and through pandas.

    python benchmarks/own_logs.py --rows 1000000 --json
    python benchmarks/own_logs.py --rows 1000000,10000000 --engines duckdb --json
    python benchmarks/own_logs.py --rows 100000000 --engines plain,duckdb --repeat 1 --dir /tmp --json
    python benchmarks/own_logs.py --rows 10000000 --engines plain,duckdb --repeat 5 --json

Writes N realistic rows to disk as a CSV export in the canonical columns (or Parquet with --parquet): six
models over 30 days, every hour of the day (DeepSeek's peak and off-peak), cache reads on most calls and cache
writes on Claude's, 2% long-context calls above GPT-5.5's and Gemini's tiers, a tenth of Claude's traffic
through the batch API, four projects and eight keys. The rows are a deterministic function of their number
(the same file every time), written by DuckDB itself so that writing a large file needs no memory.

Each engine runs in its own child process, which reports its seconds, rows per second and peak resident memory
(ru_maxrss); both price the same file with dated prices, tiers and peak/off-peak, and their totals must agree
to 1e-6 USD.

Each child also reports its CPU seconds (user + system, all threads) over the same span: on a shared machine the
seconds depend on what else runs, the CPU seconds much less (``cpu_ratio_to_plain``). DuckDB is imported before
either clock starts.

``plain`` is the yardstick: what an analyst would write by hand in DuckDB over the same file, one typed scan
joined to a table of each model's four rates on one date and summed by day and model, with no row checks, no
dated prices, tiers, batch or peak hours. The bill's cost over that floor is ``ratio_to_plain`` (goal: under 2).
With ``--repeat R`` every engine runs R times, interleaved (plain, duckdb, ... plain, duckdb), and each reports
its median seconds and its spread (min-max); the machine's load average is recorded before and after, since the
machine is shared.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (model, share in per mille, median input, output, cache-read share, tier threshold or 0)
_MIX = [("gpt-5.5", 250, 9000, 700, 0.4, 272_000), ("gpt-5-mini", 300, 2500, 250, 0.5, 0),
        ("claude-sonnet-4-6", 200, 30000, 400, 0.85, 0), ("deepseek-v4-flash", 150, 6000, 400, 0.3, 0),
        ("gemini-2.5-pro", 50, 40000, 1500, 0.2, 200_000), ("deepseek-v4-pro", 50, 12000, 900, 0.3, 0)]


def write_export(path: Path, rows: int) -> None:
    """N rows as CSV or Parquet, by DuckDB from ``range(N)``; each value a hash of the row number."""
    import duckdb
    cases, acc = [], 0
    for model, share, med_in, out, read, tier in _MIX:
        acc += share
        cases.append((acc, model, med_in, out, read, tier))

    def pick(field):
        expr = "NULL"
        for acc_, model, med_in, out, read, tier in reversed(cases):
            value = {"model": f"'{model}'", "in": str(med_in), "out": str(out), "read": str(read),
                     "tier": str(tier)}[field]
            expr = f"CASE WHEN u < {acc_} THEN {value} ELSE {expr} END"
        return expr
    h = "hash(i * 2654435761 + {k}) % 1000"
    query = f"""
      WITH base AS (SELECT i, {h.format(k=1)} AS u, {h.format(k=2)} AS v, {h.format(k=3)} AS w,
                           {h.format(k=4)} AS x FROM range({rows}) t(i)),
      typed AS (SELECT i, u, v, w, x, {pick('model')} AS model, {pick('in')} AS med_in, {pick('out')} AS med_out,
                       {pick('read')} AS read_share, {pick('tier')} AS tier FROM base),
      sized AS (SELECT *, CASE WHEN tier > 0 AND x < 20 THEN tier + 10000 + w * 50
                               ELSE CAST(med_in * (0.3 + v / 400.0) AS BIGINT) END AS n FROM typed)
      SELECT strftime(TIMESTAMP '2026-10-01' + INTERVAL (i % 30) DAY + INTERVAL (v % 24) HOUR
                      + INTERVAL (w % 60) MINUTE, '%Y-%m-%dT%H:%M:%SZ') AS timestamp,
             model, n AS input_tokens, CAST(med_out * (0.4 + w / 800.0) AS BIGINT) AS output_tokens,
             CAST(n * read_share * (v % 2) AS BIGINT) AS cache_read_tokens,
             CASE WHEN model LIKE 'claude%' THEN CAST(n * 0.1 AS BIGINT) ELSE 0 END AS cache_write_tokens,
             CASE WHEN model LIKE 'claude%' AND x % 10 = 0 THEN 'true' ELSE 'false' END AS batch,
             'proj_' || (i % 4) AS project, 'key_' || (i % 8) AS api_key
      FROM sized"""
    fmt = "(FORMAT parquet)" if path.suffix == ".parquet" else "(HEADER, DELIMITER ',')"
    con = duckdb.connect()
    con.execute(f"COPY ({query}) TO '{path}' {fmt}")
    con.close()


def _plain(path: str) -> dict:
    """The yardstick: one typed DuckDB scan of the file joined to each model's rates on one date."""
    import duckdb
    from course_lib import prices
    t0 = time.perf_counter()
    rates = []
    for model, *_ in _MIX:
        q = prices.quote(model, "2026-10-15")
        rates.append((model, q.rate("input"), q.rate("cache_read"), q.rate("cache_write"), q.rate("output")))
    con = duckdb.connect()
    con.execute("CREATE TABLE p (model VARCHAR, r_in DOUBLE, r_read DOUBLE, r_write DOUBLE, r_out DOUBLE)")
    con.executemany("INSERT INTO p VALUES (?, ?, ?, ?, ?)", rates)
    rel = f"read_parquet('{path}')" if path.endswith(".parquet") else f"read_csv('{path}')"
    lines = con.execute(f"""
      SELECT CAST(timestamp AS DATE) AS day, model, count(*) AS rows,
        sum(((input_tokens - cache_read_tokens - cache_write_tokens) * r_in + cache_read_tokens * r_read
             + cache_write_tokens * r_write + output_tokens * r_out) / 1e6) AS total_usd
      FROM {rel} JOIN p USING (model) GROUP BY ALL""").df()
    return {"seconds": time.perf_counter() - t0, "rows": int(lines["rows"].sum()), "errors": 0,
            "total_usd": float(lines["total_usd"].sum()), "lines": len(lines)}


def _cpu() -> float:
    """This process's CPU seconds (user + system, every thread): the work done, whatever else the machine runs."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _child(path: str, engine: str) -> None:
    sys.path.insert(0, str(ROOT))
    import duckdb  # noqa: F401  (imported before the clock starts, by every engine alike)
    if engine == "plain":
        from course_lib import prices  # noqa: F401  (as the bill's modules are, before the clock)
        cpu0 = _cpu()
        got = _plain(path)
    else:
        from course_lib import logs
        cpu0, t0 = _cpu(), time.perf_counter()
        b = logs.bill(path, engine=engine)
        got = {"seconds": time.perf_counter() - t0, "rows": b.rows, "errors": b.error_count,
               "total_usd": b.total_usd, "lines": len(b.lines)}
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"engine": engine, **got, "cpu_seconds": _cpu() - cpu0, "peak_rss_bytes": rss}))


def run_engine(path: Path, engine: str, timeout: float) -> dict:
    r = subprocess.run([sys.executable, __file__, "--child", str(path), "--engines", engine], capture_output=True,
                       text=True, timeout=timeout)
    if r.returncode:
        raise SystemExit(f"{engine} failed: {r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="1000000", help="rows to write and price; several sizes comma-separated")
    ap.add_argument("--engines", default="duckdb,pandas")
    ap.add_argument("--parquet", action="store_true", help="write Parquet instead of CSV")
    ap.add_argument("--dir", default=None, help="where to write the export (default: a temporary folder)")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each engine (median and spread reported)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--note", default=None, help="a sentence kept with each size's result (why fewer runs, say)")
    ap.add_argument("--out", default=None, help="also write the result to this JSON file, adding to its results "
                    "(benchmarks/results/own_logs.json is what lesson 06 and the README show)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        _child(a.child, a.engines)
        return
    results = []
    with tempfile.TemporaryDirectory(dir=a.dir) as d:
        for n in (int(x.replace("_", "")) for x in a.rows.split(",")):
            path = Path(d) / f"usage_{n}.{'parquet' if a.parquet else 'csv'}"
            t0 = time.perf_counter()
            write_export(path, n)
            row = {"rows": n, "file": path.suffix[1:], "file_bytes": os.path.getsize(path),
                   "write_s": round(time.perf_counter() - t0, 2)}
            engines = a.engines.split(",")
            runs = {e: [] for e in engines}
            row["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
            for _ in range(a.repeat):
                for engine in engines:
                    runs[engine].append(run_engine(path, engine, a.timeout))
            row["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
            for engine, got_runs in runs.items():
                got = got_runs[0]
                secs = sorted(g["seconds"] for g in got_runs)
                med = statistics.median(secs)
                assert all(g["rows"] == n and g["errors"] == 0 for g in got_runs), got_runs
                row[engine] = {"seconds": round(med, 2), "seconds_min": round(secs[0], 2),
                               "seconds_max": round(secs[-1], 2), "runs": len(secs), "rows_per_s": round(n / med),
                               "cpu_seconds": round(statistics.median(g["cpu_seconds"] for g in got_runs), 2),
                               "peak_rss_mib": round(max(g["peak_rss_bytes"] for g in got_runs) / 2 ** 20),
                               "lines": got["lines"], "total_usd": round(got["total_usd"], 6)}
            if "duckdb" in runs and "plain" in runs:
                ratios = sorted(d["seconds"] / p["seconds"] for d, p in zip(runs["duckdb"], runs["plain"],
                                                                             strict=True))
                row["ratio_to_plain"] = {"median": round(statistics.median(ratios), 2),
                                         "min": round(ratios[0], 2), "max": round(ratios[-1], 2)}
                cpu_ratios = [d["cpu_seconds"] / p["cpu_seconds"] for d, p in zip(runs["duckdb"], runs["plain"],
                                                                                  strict=True)]
                row["cpu_ratio_to_plain"] = round(statistics.median(cpu_ratios), 2)
            if a.note:
                row["note"] = a.note
            if "duckdb" in row and "pandas" in row:
                row["totals_differ_usd"] = abs(row["duckdb"]["total_usd"] - row["pandas"]["total_usd"])
                assert row["totals_differ_usd"] < 1e-6 * max(1.0, row["duckdb"]["total_usd"] / 1e6), row
                row["duckdb_speedup"] = round(row["pandas"]["seconds"] / row["duckdb"]["seconds"], 1)
            path.unlink()
            results.append(row)
    command = "python benchmarks/own_logs.py " + " ".join(sys.argv[1:])
    out = {"benchmark": "own_logs", "results": results, "cpus": os.cpu_count(), "python": platform.python_version(),
           "machine": platform.machine(), "command": command}
    if a.out:
        path = Path(a.out)
        if path.exists():
            old = json.loads(path.read_text())
            out["results"] = old["results"] + results
            out["command"] = old["command"] + "; " + command
        path.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out) if a.json else json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
