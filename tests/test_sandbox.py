"""Model-written code is contained: the review agent's tests run through course_lib.sandbox.

A test file such as a model could write reads an API key, opens a socket, forks without bound and writes
outside its workspace; each is stopped where this machine allows it (Linux user namespaces; a pids cgroup
as root, RLIMIT_NPROC otherwise), and the sandbox says plainly what it does not protect elsewhere.
"""
import socket
import sys
import time

import pytest

from course_lib import agent, sandbox

HOSTILE = '''
import os, socket, sys, time
print("KEY", os.environ.get("OPENAI_API_KEY"), os.environ.get("ANTHROPIC_API_KEY"))
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
    print("NET connected")
except OSError as e:
    print("NET refused", type(e).__name__)
try:
    open(sys.argv[2], "w").write("escaped")
    print("WRITE outside")
except OSError as e:
    print("WRITE refused", type(e).__name__)
n = 0
try:
    for i in range(400):          # bounded even if nothing stops it
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        n += 1
    print("FORK unbounded", n)
except OSError as e:
    print("FORK stopped", n, type(e).__name__)
'''


@pytest.fixture
def listener():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    yield s.getsockname()[1]
    s.close()


def test_hostile_test_file_is_contained(tmp_path, listener, monkeypatch, missing):
    caps = sandbox.capabilities()
    if not caps["isolated"]:
        missing(f"no namespaces here ({caps['why_not']}); describe() says so: {sandbox.describe()}")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-leak")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-should-not-leak")
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "test_hostile.py").write_text(HOSTILE)
    outside = tmp_path / "outside.txt"
    t0 = time.monotonic()
    r = sandbox.run([sys.executable, "test_hostile.py", str(listener), str(outside)], ws, timeout=30)
    assert time.monotonic() - t0 < 25
    out = r.stdout
    assert "KEY None None" in out, out
    assert "NET refused" in out, out
    assert "WRITE refused" in out and not outside.exists(), out
    assert "FORK stopped" in out, out
    assert int(out.split("FORK stopped ")[1].split()[0]) <= sandbox.LIMITS["extra_processes"]


def test_a_test_that_never_ends_is_stopped(tmp_path):
    (tmp_path / "spin.py").write_text("while True:\n    pass\n")
    t0 = time.monotonic()
    r = sandbox.run([sys.executable, "spin.py"], tmp_path, timeout=2)
    assert r.timed_out and time.monotonic() - t0 < 6


def test_the_agent_runs_its_tests_in_the_sandbox(monkeypatch):
    seen = []
    real = sandbox.run
    monkeypatch.setattr(sandbox, "run", lambda *a, **k: seen.append(a[0]) or real(*a, **k))
    agent._TEST_RESULTS.clear()
    with agent.Workspace() as ws:
        assert ws.run_tests().rstrip().endswith(("OK", "FAILED (failures=1)"))
    assert seen and "unittest" in seen[0]


def test_the_sandbox_says_what_it_protects():
    text = sandbox.describe()
    assert "credentials" in text
    if sandbox.capabilities()["isolated"]:
        assert "no network" in text and "read-only" in text
    else:
        assert "NOT available" in text
