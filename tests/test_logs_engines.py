"""The two pricing engines of lesson 06 hold one definition of a valid row: the same adversarial rows give the same
totals and the same row errors (field and message) from pandas and from DuckDB, from a table in memory and from a
file (CSV, semicolon CSV, JSON Lines with string counts); a file where nothing prices is one clear error; what-if
values are checked; a compressed export is read in bounded memory."""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_lib import logs, prices
from course_lib.logs_rows import CHECKS, MAX_COUNT

ROOT = Path(__file__).resolve().parent.parent
OK = {"timestamp": "2026-10-28T10:00:00Z", "model": "gpt-5.5", "input_tokens": "1000", "output_tokens": "100"}
# GPT-5.5 on 2026-10-28: $5 per million input, $30 per million output (published; see data/README.md)
OK_USD = 1000 * 5 / 1e6 + 100 * 30 / 1e6

# (changes to the good row, the field refused or None where the row is priced)
ZOO = [
    ({}, None),
    ({"timestamp": "2026-10"}, "timestamp"),                       # a month is not a day
    ({"timestamp": "20261026T100000Z"}, "timestamp"),              # ISO 8601 basic form
    ({"timestamp": "2026-10-26T24:00:00"}, "timestamp"),           # 24:00 is the next day's 00:00: refused
    ({"timestamp": "2026-02-30"}, "timestamp"),
    ({"timestamp": "2026-10-26T10:00:60Z"}, "timestamp"),
    ({"timestamp": "2026-10-26 10:00"}, None),
    ({"timestamp": "2026-10-26T10:00:00.123456789+05:30"}, None),
    ({"timestamp": " 2026-10-26 "}, None),
    ({"input_tokens": "1_000"}, "input_tokens"),                   # Python reads it, DuckDB does not: refused
    ({"input_tokens": "1e3"}, "input_tokens"),
    ({"input_tokens": "+5"}, "input_tokens"),
    ({"input_tokens": "0x10"}, "input_tokens"),
    ({"input_tokens": "1,000"}, "input_tokens"),
    ({"input_tokens": "NaN"}, "input_tokens"),
    ({"input_tokens": "inf"}, "input_tokens"),
    ({"input_tokens": str(2 ** 62)}, "input_tokens"),             # vanished from the bill before
    ({"input_tokens": str(2 ** 53)}, "input_tokens"),
    ({"input_tokens": str(MAX_COUNT + 1)}, "input_tokens"),
    ({"input_tokens": str(MAX_COUNT), "output_tokens": "0"}, None),   # the bound itself is priced
    ({"input_tokens": "1000.0"}, None),
    ({"input_tokens": " 1000 "}, None),
    ({"input_tokens": ""}, "input_tokens"),
    ({"output_tokens": "12.5"}, "output_tokens"),
    ({"cache_read_tokens": str(2 ** 62)}, "cache_read_tokens"),
    ({"web_searches": "-1"}, "web_searches"),
    ({"reported_cost_usd": "NaN"}, "reported_cost_usd"),
    ({"reported_cost_usd": "inf"}, "reported_cost_usd"),
    ({"reported_cost_usd": "1e999"}, "reported_cost_usd"),
    ({"reported_cost_usd": "-0.5"}, "reported_cost_usd"),
    ({"reported_cost_usd": "0.5"}, None),
    ({"reported_cost_usd": "1.5e-3"}, None),
    ({"batch": "Yes"}, None),
    ({"batch": "maybe"}, "batch"),
    ({"model": "  "}, "model"),
    ({"service_tier": "flex"}, None),                              # GPT-5.5 has a published flex price
    ({"service_tier": " Priority "}, None),
    ({"service_tier": "DEFAULT"}, None),                           # the standard tier
    ({"service_tier": "scale"}, "service_tier"),                   # sold by contract: no per-token price
    ({"service_tier": "turbo"}, "service_tier"),                   # not a tier
    ({"service_tier": "flex", "batch": "true"}, "service_tier"),   # a batch call has no tier of its own
]


def _zoo() -> pd.DataFrame:
    return pd.DataFrame([{**OK, **change} for change, _ in ZOO])


def _errors(b_or_errors) -> dict:
    e = b_or_errors.errors if hasattr(b_or_errors, "errors") else b_or_errors
    return {int(r): (f, m) for r, f, m in zip(e["source_row"], e["field"], e["message"], strict=True)}


def test_the_zoo_of_bad_cells_refused_alike_by_both_engines_in_memory():
    df = _zoo()
    got = {e: logs.price_rows(df, engine=e) for e in logs.ENGINES}
    want = {i + 1: fld for i, (_, fld) in enumerate(ZOO) if fld}
    for engine, (priced, errors) in got.items():
        assert {r: f for r, (f, _) in _errors(errors).items()} == want, engine
        assert priced["source_row"].tolist() == [i + 1 for i, (_, fld) in enumerate(ZOO) if not fld]
    assert _errors(got["pandas"][1]) == _errors(got["duckdb"][1])
    a, b = got["pandas"][0], got["duckdb"][0]
    assert np.allclose(a["total_usd"], b["total_usd"], rtol=0, atol=1e-9)
    assert a["total_usd"].iloc[0] == pytest.approx(OK_USD, rel=1e-12)
    # every refusal says what is accepted, and quotes what it read where the value is the problem
    msgs = _errors(got["duckdb"][1])
    assert msgs[17] == ("input_tokens", f"{CHECKS['input_tokens'][1]}, got '{2 ** 62}'")
    assert "YYYY-MM-DD" in msgs[2][1] and "'2026-10'" in msgs[2][1]


@pytest.mark.parametrize("kind", ["csv", "semicolon.csv", "tsv", "jsonl"])
def test_the_zoo_in_a_file_gives_one_bill_from_both_engines(tmp_path, kind):
    df = _zoo()
    path = tmp_path / f"zoo.{kind}"
    if kind == "jsonl":   # counts as JSON strings, and as numbers where they are numbers
        rows = [{k: (int(v) if k.endswith("tokens") and v.isdigit() else v) for k, v in r.items()
                 if isinstance(v, str)} for r in df.to_dict("records")]
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    else:
        df.to_csv(path, index=False, sep={"csv": ",", "semicolon.csv": ";", "tsv": "\t"}[kind])
    bills = {e: logs.bill(path, engine=e) for e in logs.ENGINES}
    want = {i + 1 for i, (_, fld) in enumerate(ZOO) if fld}
    for engine, b in bills.items():
        assert set(_errors(b)) == want, engine
        assert b.rows == len(ZOO) - len(want) and b.error_count == len(want)
    a, d = bills["pandas"], bills["duckdb"]
    assert {r: f for r, (f, _) in _errors(a).items()} == {r: f for r, (f, _) in _errors(d).items()}
    if kind != "jsonl":   # a JSON number is read back as 5 by Python and 5.0 by DuckDB: fields agree, values may not
        assert _errors(a) == _errors(d)
    assert a.total_usd == pytest.approx(d.total_usd, abs=1e-9)


CELLS = {
    "timestamp": ["2026-10-28T02:15:00Z", "2026-10-28T13:00:00+08:00", "2026-06-01", "2025-12-31T23:59:59Z",
                  "2026-10", "20261026T100000Z", "2026-10-26T24:00:00", "2026-10-26 10:00", "1970-01-01",
                  "2099-06-01T10:00:00Z", "not a date", "", None],
    "count": ["0", "1", "250", "4000", "272001", "1_000", "1e3", "-1", "12.5", "12.0", " 7 ", "NaN", "inf", "",
              None, str(2 ** 62), str(MAX_COUNT), str(MAX_COUNT + 1), "٣"],
    "cost": [None, "", "0", "0.01", "NaN", "-0.5", "1e-3", "inf", ".5"],
    "bool": [None, "", "true", "FALSE", "T", "yes", "1", "maybe", " true "],
    "model": ["gpt-5.5", "gpt-5-mini", "claude-sonnet-4-6", "deepseek-v4-flash", "gemini-2.5-pro",
              "no-such-model", " gpt-5.5 ", "", None],
}


@st.composite
def adversarial_frames(draw):
    n = draw(st.integers(1, 12))
    rows = []
    for i in range(n):
        pick = lambda kind: draw(st.sampled_from(CELLS[kind]))  # noqa: E731
        rows.append({"source_row": i + 1, "timestamp": pick("timestamp"), "model": pick("model"),
                     "input_tokens": pick("count"), "output_tokens": pick("count"),
                     "cache_read_tokens": draw(st.sampled_from([None, "0", "10", "500", str(2 ** 62), "x"])),
                     "requests": draw(st.sampled_from([None, "1", "3", "0"])), "batch": pick("bool"),
                     "long_context": draw(st.sampled_from([None, "false", "true", "sometimes"])),
                     "reported_cost_usd": pick("cost"),
                     "reported_currency": draw(st.sampled_from([None, "USD", "usd", "EUR"])),
                     "service_tier": draw(st.sampled_from([None, "", "default", "auto", "flex", "PRIORITY",
                                                           " priority ", "fast", "scale", "turbo"]))})
    return pd.DataFrame(rows)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(adversarial_frames())
def test_property_same_adversarial_rows_same_totals_and_errors(df):
    """Hypothesis draws rows from the cells that broke one engine or the other; both must price the same rows to
    1e-9 USD and refuse the others with the same field and the same words."""
    a, ea = logs.price_rows(df, engine="pandas")
    b, eb = logs.price_rows(df, engine="duckdb")
    assert a["source_row"].tolist() == b["source_row"].tolist()
    assert _errors(ea) == _errors(eb)
    assert len(a) + len(ea) == len(df)   # every row is priced or refused: none vanishes
    for c in logs.COST_COLUMNS:
        assert np.allclose(a[c].to_numpy(float), b[c].to_numpy(float), rtol=0, atol=1e-9), c
    assert a["period"].tolist() == b["period"].tolist() and a["band"].tolist() == b["band"].tolist()
    assert a["service_tier"].tolist() == b["service_tier"].tolist()


def _bill_or_refusal(path, engine):
    try:
        b = logs.bill(path, engine=engine)
    except ValueError as e:
        return str(e)
    return b.rows, b.error_count, _errors(b), b.total_usd, b.lines["rows"].sum(), b.notes


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(adversarial_frames(), st.sampled_from([",", ";"]))
def test_property_same_adversarial_file_same_bill_from_both_engines(tmp_path, df, sep):
    """The same adversarial rows written to a file: DuckDB sums them in one reading (the checks of cells with few
    values made once per group of rows) and lists the refused ones in a second; pandas checks row by row. Same rows
    priced, same refusals, same notes, totals to 1e-9 USD."""
    path = tmp_path / "adversarial.csv"
    df.drop(columns="source_row").to_csv(path, index=False, sep=sep)
    a, d = (_bill_or_refusal(path, e) for e in logs.ENGINES)
    if isinstance(a, str) or isinstance(d, str):
        assert a == d
        return
    assert a[:3] == d[:3] and a[4] == d[4] and a[5] == d[5]
    assert a[3] == pytest.approx(d[3], abs=1e-9)


@pytest.mark.parametrize("engine", logs.ENGINES)
def test_a_file_where_no_row_prices_is_one_clear_error(tmp_path, engine):
    path = tmp_path / "nothing.csv"
    pd.DataFrame([{**OK, "model": "gpt-9-ultra"}, {**OK, "input_tokens": str(2 ** 62)}]).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"^paths: no row could be priced \(2 row error\(s\); the first: "
                                         r"nothing.csv row 1: model: unknown model 'gpt-9-ultra'"):
        logs.bill(path, engine=engine)
    r = subprocess.run([sys.executable, "-m", "course_lib", "bill", str(path), "--engine", engine],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 2 and r.stdout == "" and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [r.stderr.strip()] and "no row could be priced" in r.stderr


def test_the_same_file_twice_is_read_once_and_copies_are_named(tmp_path):
    path = tmp_path / "mine.csv"
    pd.DataFrame([OK]).to_csv(path, index=False)
    copy = tmp_path / "copy.csv"
    copy.write_bytes(path.read_bytes())
    for engine in logs.ENGINES:
        twice = logs.bill([path, path], engine=engine)
        assert twice.rows == 1 and twice.total_usd == pytest.approx(OK_USD)
        assert "mine.csv was given 2 times: read once" in twice.notes
        both = logs.bill([path, copy], engine=engine)
        assert both.rows == 2 and any("copy.csv" in n and "probably copies" in n for n in both.notes)


def test_dates_outside_the_price_history_are_refused_or_noted(tmp_path):
    """Before the price book's dated history a row is refused, naming the first date with a price (issue 22: never
    a price for a day the book cannot vouch for); after its newest data it is priced, with a note."""
    path = tmp_path / "odd.csv"
    pd.DataFrame([{**OK, "timestamp": "1970-01-01T00:00:00Z"}, {**OK, "timestamp": "2099-06-01"}, OK]).to_csv(
        path, index=False)
    for engine in logs.ENGINES:
        b = logs.bill(path, engine=engine)
        assert b.error_count == 1 and b.errors["source_row"].tolist() == [1]
        assert f"the first date with a price in the price book is {prices.history_start()}" in b.errors["message"].iloc[0]
        notes = " ".join(b.notes)
        assert "1 row(s) priced on dates up to 2099-06-01, after the price book's newest data" in notes
        as_of = " ".join(logs.bill(path, as_of="2099-01-01", engine=engine).notes)
        assert "3 row(s) priced on dates up to 2099-01-01" in as_of


@pytest.mark.parametrize("text, says", [
    ("cap=-100", "cap is a whole number of output tokens per request from 1 to 10,000,000; got '-100'"),
    ("cap=inf", "got 'inf'"), ("cap=0", "got '0'"), ("cap=800.5", "got '800.5'"), ("cap=1e12", "got '1e12'"),
    ("cache=nan", "cache is a cache hit rate from 0 to 1; got 'nan'"), ("cache=1.5", "got '1.5'"),
    ("batch=-0.1", "batch is a share of the traffic from 0 to 1"), ("batch=half", "got 'half'"),
    ("date=2026-13-01", "date is a day as YYYY-MM-DD; got '2026-13-01'"),
])
def test_what_if_values_refused_naming_the_lever_and_its_range(text, says):
    with pytest.raises(ValueError, match="what-if: " + text.split("=")[0]) as e:
        logs.parse_lever(text)
    assert says in str(e.value)


@pytest.mark.parametrize("text", ["cap=-100", "cap=inf"])
def test_the_bill_command_refuses_a_bad_what_if_in_one_line(text):
    r = subprocess.run([sys.executable, "-m", "course_lib", "bill", str(ROOT / "data" / "own_logs" / "team_calls.csv"),
                        "--what-if", text], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 2 and f"cap is a whole number of output tokens per request from 1 to 10,000,000; got " \
        f"'{text[4:]}'" in r.stderr and "Traceback" not in r.stderr


GZ_CHILD = textwrap.dedent("""
    import json, resource, sys
    sys.path.insert(0, sys.argv[3])
    from course_lib import logs
    b = logs.bill(sys.argv[1], engine=sys.argv[2])
    print(json.dumps({"rows": b.rows, "errors": b.error_count, "total_usd": b.total_usd,
                      "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
""")
#: The memory a compressed JSON Lines export may take beyond the interpreter with the course loaded, whatever the
#: file's size: pandas holds logs_pandas.CHUNK_ROWS rows at a time (~100 MB), DuckDB streams the file. Reading
#: the test's file whole into pandas took 660 MB (measured with tracemalloc before the reader streamed).
GZ_BOUND_BYTES = 400 * 2 ** 20


def test_a_compressed_json_lines_export_is_read_in_bounded_memory(tmp_path):
    """A .jsonl.gz that expands far beyond its size: 300,000 rows of ~290 bytes (~88 MB expanded, ~1 MB on disk).
    Each engine prices it in a child process, and its resident peak stays within the documented bound above the
    interpreter's own (read whole, the rows alone took more than the bound)."""
    import gzip
    n = 300_000
    row = json.dumps({**OK, "input_tokens": 1000, "project": "p" * 120, "api_key": "k" * 40}) + "\n"
    path = tmp_path / "big.jsonl.gz"
    with gzip.open(path, "wt", compresslevel=1) as f:
        for _ in range(n // 1000):
            f.write(row * 1000)
    base = subprocess.run([sys.executable, "-c", "import resource, course_lib.logs; "
                           "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120, check=True)
    floor = int(base.stdout)
    for engine in logs.ENGINES:
        r = subprocess.run([sys.executable, "-c", GZ_CHILD, str(path), engine, str(ROOT)], capture_output=True,
                           text=True, cwd=ROOT, timeout=600)
        assert r.returncode == 0, r.stderr[-2000:]
        got = json.loads(r.stdout.strip().splitlines()[-1])
        assert got["rows"] == n and got["errors"] == 0
        assert got["total_usd"] == pytest.approx(n * OK_USD, rel=1e-9)
        assert got["rss"] - floor < GZ_BOUND_BYTES, (engine, got, floor)


def test_the_panel_draws_any_project_name_and_rereads_a_changed_file(tmp_path):
    from course_lib import widgets
    path = tmp_path / "mine.csv"
    pd.DataFrame([{**OK, "project": r"$\foo{$"}]).to_csv(path, index=False)
    args = dict(sample="team_calls.csv", by="project", as_of=widgets.EACH_ROW, model=widgets.AS_LOGGED, cache=0.5,
                batch=0.25, cap=800, path=str(path))
    text, fig, _ = widgets.own_bill_answer(**args)
    fig.canvas.draw()   # mathtext would fail here on an unescaped "$"
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == [r"\$\foo{\$"]
    assert f"USD {OK_USD:,.2f}" in text[1]
    pd.DataFrame([OK, OK, OK]).to_csv(path, index=False)   # the file at the same path changes
    text, _, _ = widgets.own_bill_answer(**args)
    assert text[0].startswith(f"your file {path}: 3 rows")


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_repeated_rows_are_counted_and_named_alike_by_both_engines(tmp_path, kind):
    rows = [OK, {**OK, "timestamp": "2026-10-28T11:00:00Z"}, OK, {**OK, "input_tokens": " 1000 "},
            {**OK, "model": "gpt-9-ultra"}, {**OK, "model": "gpt-9-ultra"}]   # a refused row repeated counts too
    path = tmp_path / f"mine.{kind}"
    if kind == "csv":
        pd.DataFrame(rows).to_csv(path, index=False)
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    for engine in logs.ENGINES:
        b = logs.bill(path, engine=engine)
        assert b.rows == 4 and b.error_count == 2   # repeats are counted (and said), not dropped
        assert f"mine.{kind}: 3 row(s) repeat an earlier row exactly" in " ".join(b.notes), engine
    clean = tmp_path / "clean.csv"
    pd.DataFrame(rows[:2]).to_csv(clean, index=False)
    for engine in logs.ENGINES:
        assert not any("repeat an earlier row" in n for n in logs.bill(clean, engine=engine).notes)


def test_a_long_context_threshold_the_hint_lacks_has_the_rows_summed_again(tmp_path, monkeypatch):
    """DuckDB sums rows in long-context buckets between the thresholds of logs_rates.tier_edges (a hint read from
    genai-prices); a price row with a threshold outside them (here: the hint emptied) has the rows summed again, so
    a request above GPT-5.5's 272,000-token tier is still priced at the tier's rates, as pandas prices it."""
    from course_lib import logs_duckdb
    path = tmp_path / "long.csv"
    pd.DataFrame([OK, {**OK, "input_tokens": "300000"}, {**OK, "input_tokens": "272000"}]).to_csv(path, index=False)
    want = logs.bill(path, engine="pandas")
    monkeypatch.setattr(logs_duckdb, "tier_edges", lambda: ())
    got = logs.bill(path, engine="duckdb")
    assert got.total_usd == pytest.approx(want.total_usd, abs=1e-12)
    assert sorted(got.lines["band"]) == sorted(want.lines["band"]) == [0, 1]   # 272,000 is not above 272,000


def _near_zulu_timestamps() -> list[str]:
    """Texts of the shape most exports write (2026-10-28T10:20:30Z) that differ from a good one in one place (any
    printable character) or two (a character that might pass for part of a date), every hour, minute and second
    from 00 to 99, and years at the edges of the accepted range."""
    base = "2026-10-28T10:20:30Z"
    digits = [i for i, ch in enumerate(base) if ch.isdigit()]
    out = {base}
    for i in range(len(base)):
        out |= {base[:i] + chr(c) + base[i + 1:] for c in range(32, 127)}
    odd = " \t.-+:TZ_,/a"
    for i in digits:
        for j in digits:
            if i < j:
                for a in odd:
                    for b in odd + "09":
                        s = list(base)
                        s[i], s[j] = a, b
                        out.add("".join(s))
    for n in range(100):
        out |= {f"2026-10-28T{n:02d}:20:30Z", f"2026-10-28T10:{n:02d}:30Z", f"2026-10-28T10:20:{n:02d}Z",
                f"2026-{n:02d}-28T10:20:30Z", f"2026-02-{n:02d}T10:20:30Z"}
    out |= {f"{y}-10-28T10:20:30Z" for y in ("0000", "0001", "1899", "1900", "2199", "2200", "9999")}
    return sorted(out)


def test_the_common_timestamp_shape_is_read_as_the_pattern_reads_it(tmp_path):
    """DuckDB reads a date-time of the shape 2026-10-28T10:20:30Z without the pattern (strptime, once the year is in
    range): on every text of that shape one or two characters away from a good one, it prices and refuses exactly
    the rows pandas does, at the same hour."""
    stamps = _near_zulu_timestamps()
    path = tmp_path / "stamps.csv"
    pd.DataFrame([{**OK, "timestamp": s} for s in stamps]).to_csv(path, index=False)
    a, d = (logs.bill(path, engine=e) for e in logs.ENGINES)
    assert a.error_count == d.error_count and 0 < a.error_count < len(stamps) - 150   # some 200 are read
    listed = _errors(d)   # DuckDB lists the first 10,000 refused rows, pandas every one
    assert listed == {r: e for r, e in _errors(a).items() if r in listed} and len(listed) == min(10_000, d.error_count)
    by_hour = ["day", "hour"]
    assert a.lines.groupby(by_hour)["rows"].sum().to_dict() == d.lines.groupby(by_hour)["rows"].sum().to_dict()


@pytest.mark.parametrize("header", ["\ufefftimestamp,model,input_tokens,output_tokens",
                                    "timestamp,model,input_tokens,output_tokens,model"],
                         ids=["byte-order-mark", "a-name-twice"])
def test_a_header_duckdb_must_sniff_gives_the_same_bill(tmp_path, header):
    """A header whose names cannot be given to DuckDB as written (a byte-order mark, a name twice) is read by DuckDB's
    own sniffer, once, and the file priced as pandas prices it."""
    path = tmp_path / "odd.csv"
    path.write_text(header + "\n" + "2026-10-28T10:00:00Z,gpt-5.5,1000,100" + (",x" if header.count(",") == 4 else "")
                    + "\n", encoding="utf-8")
    bills = [logs.bill(path, engine=e) for e in logs.ENGINES]
    assert [b.total_usd for b in bills] == [pytest.approx(OK_USD, rel=1e-12)] * 2
