"""The load tester: against the course's real CPU llama.cpp server (live), a refused port, a failing
and a silent fake server, and the goodput arithmetic from hand-written request timings."""
import http.server
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from course_lib import loadtest
from course_lib.llama_server import LlamaServer, free_port
from course_lib.loadtest import LEVEL_KEYS, RequestResult, percentile, summarize

ROOT = Path(__file__).resolve().parent.parent


def cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "course_lib", "loadtest", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


# --- the real server ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server():
    # one thread: on a busy 2-core machine two llama.cpp threads spend their time waiting on each other
    with LlamaServer(ctx=512, parallel=2, threads=1) as srv:
        yield srv


@pytest.mark.live
def test_cli_against_the_real_llama_cpp_server(server):
    r = cli("--url", server.base_url, "--concurrency", "1,2", "--prompt-tokens", "32", "--output-tokens", "8",
            "--requests", "2", "--slo-ttft", "1000", "--slo-tpot", "100000", "--quiet", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [lvl["concurrency"] for lvl in out["levels"]] == [1, 2]
    for lvl in out["levels"]:
        assert tuple(lvl) == LEVEL_KEYS
        assert lvl["requests"] == 2 and lvl["errors"] == 0
        assert lvl["ttft_p50_s"] <= lvl["ttft_p95_s"] <= lvl["e2e_p95_s"]
        assert lvl["ttft_p50_s"] <= lvl["e2e_p50_s"] <= lvl["e2e_p95_s"]
        assert 0 < lvl["tpot_p50_ms"] <= lvl["tpot_p95_ms"]
        # targets no request can miss: goodput is every successful request
        assert lvl["goodput_rps"] == lvl["requests_per_s"] > 0
        # 8 output tokens a request (ignore_eos), counted by the server: output/input tok/s share the wall time
        assert lvl["output_tok_s"] == pytest.approx(lvl["requests_per_s"] * 8, rel=1e-4)
    s = out["server"]
    assert s["runtime"] == "llama.cpp" and s["slots"] == 2 and s["n_ctx"] == 512 and s["ignore_eos"]
    run = out["run"]
    assert run["tokens_from"] == ["usage"]
    for per in run["per_level"]:
        assert per["output_tokens_mean"] == 8
        # prompts sized by the server's own /tokenize: within a few tokens of 32 (BOS included)
        assert abs(per["input_tokens_mean"] - 32) <= 3


@pytest.mark.live
def test_prompts_are_distinct_and_chat_endpoint_works(server):
    import random
    info = loadtest.server_info(loadtest.resolve(server.base_url))
    make = loadtest.PromptMaker.calibrated(64, random.Random(1), loadtest.resolve(server.base_url), info, 10)
    prompts = [make() for _ in range(20)]
    assert len(set(prompts)) == 20 and len({p.split()[0] + p.split()[1] for p in prompts}) > 10
    out = loadtest.run(server.base_url + "/v1/chat/completions", [1], 16, 4, requests=1, warmup=False,
                       progress=False)
    (lvl,) = out["levels"]
    assert lvl["errors"] == 0 and out["run"]["endpoint"] == "chat" and out["run"]["per_level"][0]["output_tokens_mean"] == 4
    assert lvl["goodput_rps"] is None  # no target, no goodput


# --- faults ------------------------------------------------------------------------------------------
def test_refused_port_is_one_line_and_exit_1():
    t0 = time.monotonic()
    r = cli("--url", f"http://127.0.0.1:{free_port()}", "--json", timeout=60)
    assert r.returncode == 1 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "connection refused" in lines[0] and lines[0].startswith("error: ")
    assert time.monotonic() - t0 < 60


@pytest.mark.parametrize("flag,value,accepted", [
    ("--concurrency", "0", "whole numbers >= 1"), ("--concurrency", "-2", "whole numbers >= 1"),
    ("--concurrency", "two", "whole numbers >= 1"), ("--url", "localhost:8080", "http://host:port"),
    ("--url", "http://127.0.0.1:port", "not a number"), ("--output-tokens", "0", "whole number >= 1"),
    ("--slo-ttft", "-1", "cannot be negative"), ("--rate", "0", "positive number"),
])
def test_bad_input_names_the_flag(flag, value, accepted, capsys):
    from course_lib.cli import main
    args = ["--url", "http://127.0.0.1:9"] if flag != "--url" else []
    with pytest.raises(SystemExit) as e:
        main(["loadtest", *args, flag, value])
    err = capsys.readouterr().err
    assert e.value.code == 2 and f"argument {flag}:" in err and accepted in err


def test_bad_arguments_in_python_name_the_argument():
    with pytest.raises(ValueError, match="concurrency"):
        loadtest.run("http://127.0.0.1:9", [0])
    with pytest.raises(ValueError, match="requests, duration_s"):
        loadtest.run("http://127.0.0.1:9", [1], requests=2, duration_s=3)
    with pytest.raises(ValueError, match="endpoint"):
        loadtest.resolve("http://127.0.0.1:9", endpoint="embeddings")


class _Fake(http.server.BaseHTTPRequestHandler):
    """503 with a JSON body on /v1/completions, silence on /slow/v1/completions, a stream without usage on
    /bare/v1/completions; a model list on /v1/models."""

    def log_message(self, *a):
        pass

    def do_GET(self):
        body = json.dumps({"data": [{"id": "fake"}]}).encode() if self.path.endswith("/v1/models") else b"{}"
        self.send_response(200 if self.path.endswith("/v1/models") else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.startswith("/slow/"):
            time.sleep(3)
            return
        if self.path.startswith("/bare/"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for piece in ("a", "b", "c"):
                self.wfile.write(f'data: {{"choices":[{{"text":"{piece}"}}]}}\n\n'.encode())
            self.wfile.write(b'data: {"choices":[{"text":"","finish_reason":"length"}]}\n\ndata: [DONE]\n\n')
            return
        body = b'{"error": {"message": "the model is overloaded", "code": 503}}'
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def fake():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Fake)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_http_error_is_one_line_with_status_and_body(fake):
    r = cli("--url", fake, "--concurrency", "1", "--requests", "1", "--quiet", "--json", timeout=60)
    assert r.returncode == 1 and r.stdout == ""
    (line,) = r.stderr.strip().splitlines()
    assert "HTTP 503" in line and "the model is overloaded" in line


def test_failed_requests_are_counted_one_line_each(fake):
    lines = []
    target = loadtest.resolve(fake)
    results, wall, cut = loadtest.run_level(target, {"runtime": "openai-compatible", "model": "fake"}, 2,
                                            lambda: "x y", 4, requests=3, progress=False, say=lines.append)
    assert len(results) == 3 and not any(r.ok for r in results) and not cut
    assert len(lines) == 3 and all("HTTP 503" in ln for ln in lines)
    row = summarize(results, wall, 2, slo_ttft_s=1)
    assert row["errors"] == 3 and row["goodput_rps"] == 0 and row["ttft_p50_s"] is None and row["input_tok_s"] is None


def test_a_silent_server_times_out_in_bounded_time(fake):
    t0 = time.monotonic()
    r = loadtest.stream_one(loadtest.resolve(fake + "/slow/v1/completions"), {"prompt": "x"}, timeout=0.5)
    assert not r.ok and r.error.startswith("timeout:") and "0.5 s" in r.error
    assert time.monotonic() - t0 < 3


def test_without_usage_tokens_come_from_chunks(fake):
    r = loadtest.stream_one(loadtest.resolve(fake + "/bare/v1/completions"), {"prompt": "x"}, timeout=10)
    assert r.ok and r.output_tokens == 3 and r.tokens_from == "chunks" and r.input_tokens is None
    assert 0 <= r.ttft_s <= r.e2e_s


# --- arithmetic from recorded timings ----------------------------------------------------------------
def test_goodput_and_percentiles_from_hand_written_timings():
    rs = [RequestResult(True, ttft_s=0.5, e2e_s=2.5, output_tokens=21, input_tokens=100, tokens_from="usage"),
          RequestResult(True, ttft_s=1.5, e2e_s=2.5, output_tokens=21, input_tokens=100, tokens_from="usage"),
          RequestResult(True, ttft_s=0.2, e2e_s=8.2, output_tokens=21, input_tokens=100, tokens_from="usage"),
          RequestResult(False, error="HTTP 503")]
    # TPOT by hand: (2.5-0.5)/20 = 100 ms, (2.5-1.5)/20 = 50 ms, (8.2-0.2)/20 = 400 ms
    assert [r.tpot_ms for r in rs[:3]] == pytest.approx([100, 50, 400])
    row = summarize(rs, wall_s=10.0, concurrency=2, slo_ttft_s=1.0, slo_tpot_ms=200)
    # meets TTFT <= 1 s and TPOT <= 200 ms: only the first (the second misses TTFT, the third TPOT)
    assert row["goodput_rps"] == pytest.approx(1 / 10)
    assert row["requests"] == 4 and row["errors"] == 1 and row["requests_per_s"] == pytest.approx(3 / 10)
    assert row["output_tok_s"] == pytest.approx(63 / 10) and row["input_tok_s"] == pytest.approx(300 / 10)
    # p50 of three is the middle; p95 interpolates 90% of the way from the 2nd to the 3rd order statistic
    assert row["ttft_p50_s"] == pytest.approx(0.5) and row["ttft_p95_s"] == pytest.approx(0.5 + 0.9 * 1.0)
    assert row["tpot_p95_ms"] == pytest.approx(100 + 0.9 * 300) and row["e2e_p50_s"] == pytest.approx(2.5)
    assert summarize(rs, 10.0, 2, slo_ttft_s=2.0)["goodput_rps"] == pytest.approx(3 / 10)
    assert summarize(rs, 10.0, 2)["goodput_rps"] is None
    assert percentile([], 0.5) is None and percentile([3.0], 0.95) == 3.0


@pytest.mark.live
def test_serving_benchmark_writes_the_curve_and_the_csv(tmp_path):
    """benchmarks/serving.py (small sizes) writes the record and the tidy CSV lesson 05 reads: a describing
    first line, the columns, one row per level whose figures are the medians of its repeats."""
    out, csv_path = tmp_path / "serving.json", tmp_path / "curve.csv"
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "serving.py"), "--json", "--levels", "1,2",
                        "--repeats", "2", "--prompt-tokens", "24", "--output-tokens", "4", "--out", str(out),
                        "--csv", str(csv_path)], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    record = json.loads(out.read_text())
    lines = csv_path.read_text().splitlines()
    assert lines[0].startswith("# llama.cpp server (xllamacpp ") and "benchmarks/serving.py" in lines[0]
    import csv
    rows = list(csv.DictReader(lines[1:]))
    assert [int(row["concurrency"]) for row in rows] == [1, 2]
    for row in rows:
        c = int(row["concurrency"])
        reps = [x for x in record["raw"] if x["concurrency"] == c]
        assert int(row["repeats"]) == len(reps) == 2 and int(row["errors"]) == 0
        out_tok = sorted(x["output_tok_s"] for x in reps)
        assert float(row["output_tok_s"]) == pytest.approx(sum(out_tok) / 2, abs=1e-4)  # median of two
        assert float(row["output_tok_s_min"]) == pytest.approx(out_tok[0], abs=1e-4)
        assert all(x["output_tokens_mean"] == 4 for x in reps)


def test_duration_and_rate_are_bounded(fake):
    """--duration with --rate: Poisson arrivals for that long, then the level ends (no request starts later)."""
    t0 = time.monotonic()
    out = loadtest.run(fake + "/bare/v1/completions", [2], 8, 3, duration_s=1.0, rate=5, seed=3, warmup=False,
                       progress=False)
    (lvl,) = out["levels"]
    assert 1 <= lvl["requests"] <= 30 and lvl["errors"] == 0 and out["run"]["tokens_from"] == ["chunks"]
    assert out["run"]["per_level"][0]["wall_s"] < 5 and time.monotonic() - t0 < 10
    assert out["server"]["runtime"] == "openai-compatible" and not out["server"]["ignore_eos"]
    assert any("ignore_eos" in note for note in out["run"]["notes"])
