"""Model-written code is contained: the review agent's tests run through course_lib.sandbox.

One hostile test file per way out that issue 22 found or tried (each as a model could write it), run in the
sandbox: with bubblewrap every one is stopped; the hand-written namespace fallback is held to what its
docstring claims, and its stated limits are checked to be stated. Each check is made from the host side too
(the listener saw no connection, the file outside does not exist, no daemon is alive).
Under CI=true a missing or broken bubblewrap fails the run instead of skipping it.
"""
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest

from course_lib import agent, sandbox

PRELUDE = "import json, os, socket, sys, time\nA = json.loads(sys.argv[1])\n"

HOSTILE = {
    "unix_socket": """
        for name, addr in (("file", A["unix"]), ("abstract", "\\0" + A["abstract"])):
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(2)
            try:
                s.connect(addr)
                print("LEAK unix", name, "connected")
            except OSError as e:
                print("HELD unix", name, type(e).__name__)
        """,
    "read_outside": """
        for p in ("/etc/shadow", "/etc/passwd", A["key"]):
            try:
                print("LEAK read", p, open(p).read()[:60])
            except OSError as e:
                print("HELD read", p, type(e).__name__)
        """,
    "tcp": """
        try:
            socket.create_connection(("127.0.0.1", A["port"]), timeout=2)
            print("LEAK tcp connected")
        except OSError as e:
            print("HELD tcp", type(e).__name__)
        """,
    "env_credentials": """
        found = [k for k, v in os.environ.items() if A["secret"] in v or "KEY" in k or "TOKEN" in k]
        print("LEAK env", found) if found else print("HELD env", sorted(os.environ))
        """,
    "proc_environ": """
        seen = []
        for p in ["/proc/%d/environ" % A["host_pid"], "/proc/%d/environ" % os.getppid(), *[
                "/proc/%s/environ" % d for d in os.listdir("/proc") if d.isdigit()]]:
            try:
                if A["secret"].encode() in open(p, "rb").read():
                    seen.append(p)
            except OSError:
                pass
        print("LEAK proc", seen) if seen else print("HELD proc")
        """,
    "write_outside": """
        os.symlink(A["outside_link_target"], "link")
        for p in (A["outside"], "link", A["host_tmp"], A["host_shm"]):
            try:
                with open(p, "w") as f:
                    f.write("escaped")
                print("WROTE", p)  # harmless where the path is the sandbox's own: the host checks its side
            except OSError as e:
                print("HELD write", p, type(e).__name__)
        """,
    "fork_bomb": """
        n = 0
        try:
            for i in range(400):          # bounded even if nothing stops it
                if os.fork() == 0:
                    time.sleep(30)
                    os._exit(0)
                n += 1
            print("LEAK fork unbounded", n)
        except OSError as e:
            print("HELD fork", n, type(e).__name__)
        """,
    "big_allocation": """
        try:
            b = bytearray(3 * 1024 ** 3)
            print("LEAK allocated", len(b))
        except MemoryError:
            print("HELD allocation MemoryError")
        """,
    "fill_workspace": """
        written = 0
        try:
            for i in range(64):           # 64 files of 16 MiB: 1 GiB, each file under the per-file cap
                with open("fill-%d.bin" % i, "wb") as f:
                    for _ in range(16):
                        f.write(b"x" * 1024 ** 2)
                        written += 1024 ** 2
            print("LEAK workspace", written)
        except OSError as e:
            print("HELD workspace", written, type(e).__name__)
        """,
    "daemons": """
        code = {"sleep": "import time\\nwhile True: time.sleep(1)", "busy": "while True: pass"}
        for kind in code:
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.execv(sys.executable, [sys.executable, "-c", code[kind], A["token"]])
                os._exit(0)
        time.sleep(0.5)
        print("STARTED daemons")
        """,
    "relative_writes": """
        os.makedirs("out/sub", exist_ok=True)
        with open("out/sub/result.txt", "w") as f:
            f.write("ok")
        print("OK relative" if open(os.path.join(os.getcwd(), "out/sub/result.txt")).read() == "ok" else "BAD")
        """,
}

# what the fallback (namespaces) holds; the rest is stated as its limit in the module docstring and describe()
FALLBACK_HOLDS = {"tcp", "env_credentials", "proc_environ", "write_outside", "fork_bomb", "big_allocation",
                  "daemons", "relative_writes"}
FALLBACK_LEAKS = {"unix_socket": "Unix socket", "read_outside": "readable file", "fill_workspace": "size of each file"}


def _require(kind):
    caps = sandbox.capabilities()
    if kind not in caps["available"]:
        msg = f"sandbox {kind!r} cannot run here: {caps['why_not']}"
        if kind == "bubblewrap" and os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg + " (CI installs bubblewrap: scripts/install-system-deps.sh)")
        pytest.skip(msg)


@pytest.fixture
def scene(tmp_path, monkeypatch):
    """A host with things worth stealing: a key file, a Unix socket, an abstract socket, a TCP listener and
    credentials in the environment, all outside the workspace."""
    token = f"course-sandbox-{uuid.uuid4().hex[:12]}"
    secret = f"sk-{uuid.uuid4().hex}"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    monkeypatch.setenv("ANTHROPIC_API_KEY", secret)
    ws, outside = tmp_path / "ws", tmp_path / "outside"
    ws.mkdir()
    outside.mkdir()
    (outside / "id_ed25519").write_text(f"-----BEGIN OPENSSH PRIVATE KEY----- {secret}\n")
    accepted = []
    listeners = []
    for family, addr in ((socket.AF_UNIX, str(outside / "agent.sock")), (socket.AF_UNIX, "\0" + token),
                         (socket.AF_INET, ("127.0.0.1", 0))):
        s = socket.socket(family)
        s.bind(addr)
        s.listen(4)
        s.settimeout(0.2)
        listeners.append(s)

    def serve():
        while listeners:
            for s in list(listeners):
                try:
                    accepted.append(s.accept())
                except OSError:
                    pass
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    # a host process started with the key in its environment, as a notebook kernel is: /proc/<pid>/environ
    # shows a process's environment as it started
    keeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                              env={**os.environ, "OPENAI_API_KEY": secret})
    args = {"unix": str(outside / "agent.sock"), "abstract": token, "port": listeners[2].getsockname()[1],
            "key": str(outside / "id_ed25519"), "secret": secret, "host_pid": keeper.pid, "token": token,
            "outside": str(outside / "escaped.txt"), "outside_link_target": str(outside / "via-link.txt"),
            "host_tmp": f"/tmp/{token}.txt", "host_shm": f"/dev/shm/{token}.txt"}
    yield {"ws": ws, "args": args, "accepted": accepted, "secret": secret}
    listeners.clear()
    thread.join(2)
    keeper.kill()
    keeper.wait()
    for p in (args["host_tmp"], args["host_shm"]):
        Path(p).unlink(missing_ok=True)


def _run_hostile(count, scene, kind):
    script = scene["ws"] / f"test_{count}.py"
    script.write_text(PRELUDE + textwrap.dedent(HOSTILE[count]))
    t0 = time.monotonic()
    r = sandbox.run([sys.executable, script.name, json.dumps(scene["args"])], scene["ws"], timeout=30, kind=kind)
    assert time.monotonic() - t0 < 28, "the hostile file ran into the timeout"
    assert r.sandbox == kind
    return r


def _alive(token):
    for p in Path("/proc").glob("[0-9]*"):
        try:
            if token.encode() in (p / "cmdline").read_bytes():
                return True
        except OSError:
            continue
    return False


def _check(count, scene, r):
    """The hostile file was stopped: from its own output and from the host's side."""
    out, a = r.stdout, scene["args"]
    assert "LEAK" not in out and scene["secret"] not in out + r.stderr, out + r.stderr
    if count == "unix_socket":
        assert out.count("HELD unix") == 2, out
    elif count == "read_outside":
        assert f"HELD read {a['key']}" in out and "HELD read /etc/shadow" in out, out
    elif count in ("tcp", "env_credentials", "proc_environ"):
        assert "HELD" in out, out + r.stderr
    elif count == "write_outside":
        for p in (a["outside"], a["outside_link_target"], a["host_tmp"], a["host_shm"]):
            assert not Path(p).exists(), f"{p} written from inside: {out}"
    elif count == "fork_bomb":
        assert "HELD fork" in out, out + r.stderr
        assert int(out.split("HELD fork ")[1].split()[0]) <= sandbox.LIMITS["extra_processes"]
    elif count == "big_allocation":
        assert "HELD allocation" in out, out + r.stderr
    elif count == "fill_workspace":
        assert "HELD workspace" in out, out + r.stderr
        assert int(out.split("HELD workspace ")[1].split()[0]) <= sandbox.LIMITS["workspace_bytes"]
    elif count == "daemons":
        assert "STARTED daemons" in out, out + r.stderr
        deadline = time.monotonic() + 3
        while _alive(a["token"]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(a["token"]), "a daemon outlived the sandbox"
    elif count == "relative_writes":
        assert "OK relative" in out, out + r.stderr
    assert not scene["accepted"], "a listener on the host accepted a connection from inside"


@pytest.mark.parametrize("count", sorted(HOSTILE))
def test_bubblewrap_stops_every_hostile_file(count, scene):
    _require("bubblewrap")
    _check(count, scene, _run_hostile(count, scene, "bubblewrap"))


@pytest.mark.parametrize("count", sorted(FALLBACK_HOLDS))
def test_the_namespace_fallback_holds_what_it_claims(count, scene):
    _require("namespaces")
    _check(count, scene, _run_hostile(count, scene, "namespaces"))


def test_the_fallback_states_its_limits():
    """What the fallback does not hold is said in the module's docstring and in describe()."""
    doc = " ".join(sandbox.__doc__.split())
    fallback = doc.split('``"namespaces"``')[1].split('``"none"``')[0]
    for count, words in FALLBACK_LEAKS.items():
        assert words in fallback, (count, words)
    assert set(FALLBACK_HOLDS) | set(FALLBACK_LEAKS) == set(HOSTILE)


def test_a_test_that_never_ends_is_stopped(tmp_path):
    (tmp_path / "spin.py").write_text("while True:\n    pass\n")
    t0 = time.monotonic()
    r = sandbox.run([sys.executable, "spin.py"], tmp_path, timeout=2)
    assert r.timed_out and time.monotonic() - t0 < 6


def test_a_sandbox_that_cannot_run_here_is_refused(tmp_path):
    with pytest.raises(ValueError, match="kind: 'docker' is not one of"):
        sandbox.run(["true"], tmp_path, kind="docker")


def test_the_agent_runs_its_tests_in_the_sandbox(monkeypatch):
    seen = []
    real = sandbox.run
    monkeypatch.setattr(sandbox, "run", lambda *a, **k: seen.append(a[0]) or real(*a, **k))
    agent._TEST_RESULTS.clear()
    with agent.Workspace() as ws:
        assert ws.run_tests().rstrip().endswith(("OK", "FAILED (failures=1)"))
    assert seen and "unittest" in seen[0]


def test_search_does_not_follow_a_link_out_of_the_workspace(tmp_path):
    """The search tool runs outside the sandbox: a link that model-written code planted must not let it
    read a file outside (read_file refuses the same link)."""
    secret = tmp_path / "secret.py"
    secret.write_text("API_KEY = 'sk-planted-outside'\n")
    with agent.Workspace() as ws:
        (ws.root / "leak.py").symlink_to(secret)
        (ws.root / "leakdir").symlink_to(tmp_path, target_is_directory=True)
        assert "sk-planted" not in ws.search("API_KEY")
        with pytest.raises(ValueError, match="outside the project"):
            ws.read_file("leak.py")
        with pytest.raises(ValueError, match="outside the project"):
            ws.search("API_KEY", "leakdir")


def test_the_sandbox_says_what_it_protects():
    text = sandbox.describe()
    assert "credentials" in text
    kind = sandbox.capabilities()["sandbox"]
    if kind == "bubblewrap":
        assert "inside bubblewrap" in text and "no network" in text
    elif kind == "namespaces":
        assert all(words in text for words in FALLBACK_LEAKS.values()), text
    else:
        assert "NOT available" in text


def test_under_ci_a_missing_bubblewrap_fails_instead_of_skipping(monkeypatch):
    monkeypatch.setattr(sandbox, "capabilities", lambda: {"available": ["namespaces", "none"],
                                                          "why_not": "bubblewrap (bwrap) is not installed"})
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI installs bubblewrap"):
        _require("bubblewrap")
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception):
        _require("bubblewrap")
