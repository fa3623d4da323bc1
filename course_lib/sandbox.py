"""Run model-written code contained (notebook ``02_review_assistant``).

The review agent applies the edits a model proposes and runs the project's tests: code a model wrote
runs on the learner's machine. :func:`run` contains it with the best of three ways this machine offers,
and its :class:`Result` says which one ran (``sandbox``):

``"bubblewrap"`` (Debian's ``bwrap``, the well-kept tool made for exactly this; preferred):
  the code sees a new, nearly empty root: read-only ``/usr`` (with the ``/bin``, ``/lib`` links), the
  running Python's own prefixes (the interpreter, its standard library and the virtual environment's
  site-packages) and the workspace; nothing else of the host file system (no ``/etc``, no home, no
  sockets of the host: a Docker socket or an ssh-agent is not there to connect to). Every namespace is
  new (``--unshare-all``): no network (only its own loopback), its own process tree and ``/proc``, no
  abstract Unix sockets of the host. ``/tmp`` and ``/dev/shm`` are small private tmpfs. The workspace is a
  copy on a tmpfs of bounded size, mounted where the workspace is (``--chdir`` into it, so relative paths
  work): the code may write there, at most ``LIMITS['workspace_bytes']`` in all (then "No space left on
  device"), and its writes are discarded when it ends (the agent edits files with its own tools, outside).
  ``--die-with-parent`` and ``--new-session``; as root every capability is dropped.
``"namespaces"`` (the hand-written fallback where ``bwrap`` is missing or cannot run, with ``unshare``):
  a new network namespace (no network), a new process tree with its own ``/proc``, and a mount namespace
  in which every mount is remounted read-only except the workspace (``cd`` into it, so relative paths
  work; its writes stay). Its limits: every readable file of the host can still be read (and returned to
  the model through test output), a Unix socket on the host file system can still be connected to, and
  only the size of each file is capped (nothing caps the workspace's total).
``"none"`` (no Linux user namespaces: macOS, Windows, some distributions): only the protections below;
  the code can reach the network and write wherever the learner can. :func:`describe` says so.

In every case: the environment is a short allow-list (no API keys or tokens); CPU time, memory, file size
and processes are limited (``resource.setrlimit``; as root a pids cgroup, since the kernel exempts root from
``RLIMIT_NPROC``); a wall-clock timeout kills the whole process group.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: Environment variables the contained process may see; everything else (API keys included) is dropped.
ENV_ALLOW = ("PATH", "LANG", "LC_ALL", "TZ")
LIMITS = {"cpu_s": 120, "memory_bytes": 2 * 1024 ** 3, "file_bytes": 64 * 1024 ** 2, "extra_processes": 64,
          "workspace_bytes": 256 * 1024 ** 2, "tmp_bytes": 64 * 1024 ** 2}
#: The ways :func:`run` contains code, strongest first.
KINDS = ("bubblewrap", "namespaces", "none")

# the fallback: user, mount, network and pid namespaces, with a /proc of its own
_UNSHARE = ("-rmnp", "--fork", "--mount-proc")
_ISOLATE = r"""
ws="$1"; shift
mount --bind "$ws" "$ws" || exit 97
awk '{print $5}' /proc/self/mountinfo | sort -r | while read -r mp; do
  mp=$(printf '%b' "$mp")
  [ "$mp" = "$ws" ] && continue
  mount -o remount,bind,ro "$mp" 2>/dev/null || true
done
cd "$ws" || exit 97
exec "$@"
"""
# inside bwrap: fill the workspace's tmpfs from the read-only copy of the real one, then run the command
# (links copied as links; modes and times kept, not owners: as root without CAP_CHOWN that would fail)
_FILL = ('cp -RP --preserve=mode,timestamps /run/workspace/. "$0"/ '
         '|| { echo "sandbox: could not copy the workspace into its tmpfs" >&2; exit 97; }; exec "$@"')


@dataclass(frozen=True)
class Result:
    """What a contained command did, and which sandbox contained it (one of :data:`KINDS`).
    Taught in notebook ``02_review_assistant``."""
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool
    sandbox: str = "none"

    @property
    def isolated(self) -> bool:
        """True when the network and the file system were isolated (``bubblewrap`` or ``namespaces``)."""
        return self.sandbox != "none"


def _python_roots() -> list[str]:
    """The directories the running interpreter needs: its prefixes (standard library, venv site-packages)
    and the directory of the real executable, outermost first, without ones already inside another."""
    paths = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    paths.add(Path(sys.executable).resolve().parent)
    paths.add(Path(sys.executable).parent.resolve())
    roots: list[Path] = []
    for p in sorted(paths, key=lambda p: len(p.parts)):
        if p.is_dir() and not any(r == p or r in p.parents for r in roots):
            roots.append(p)
    return [str(r) for r in roots]


def _bwrap_args(bwrap: str, workspace: Path, workspace_size: int) -> list[str]:
    # the private /tmp first, then the interpreter over it: a checkout (and its venv) under /tmp stays visible
    args = [bwrap, "--unshare-all", "--die-with-parent", "--new-session",
            "--proc", "/proc", "--dev", "/dev",
            "--size", str(LIMITS["tmp_bytes"]), "--tmpfs", "/dev/shm",
            "--size", str(LIMITS["tmp_bytes"]), "--tmpfs", "/tmp",
            "--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for root in _python_roots():
        if root != "/usr" and not root.startswith("/usr/"):
            args += ["--ro-bind", root, root]
    args += ["--ro-bind", str(workspace), "/run/workspace",
             "--size", str(workspace_size), "--tmpfs", str(workspace), "--chdir", str(workspace)]
    if os.geteuid() == 0:
        args += ["--cap-drop", "ALL"]  # root inside must not mount or mknod its way back to the host
    return args


def _disk_usage(root: Path) -> int:
    """Bytes ``root`` takes on a tmpfs (whole pages per file), not following links."""
    total, stack = 0, [root]
    while stack:
        with os.scandir(stack.pop()) as it:
            for e in it:
                st = e.stat(follow_symlinks=False)
                total += -(-st.st_size // 4096) * 4096 + 4096  # contents in pages, plus the inode
                if e.is_dir(follow_symlinks=False):
                    stack.append(Path(e.path))
    return total


@lru_cache(maxsize=1)
def capabilities() -> dict:
    """Which protections this machine gives: credentials and limits always; the strongest sandbox that runs
    here (``sandbox``, one of :data:`KINDS`; ``available``: every one that runs), each tried with a real
    command. Taught in notebook ``02_review_assistant``."""
    why: list[str] = []
    available = []
    if sys.platform != "linux":
        why.append("not Linux")
    else:
        bwrap, unshare = shutil.which("bwrap"), shutil.which("unshare")
        if bwrap is None:
            why.append("bubblewrap (bwrap) is not installed")
        else:
            with tempfile.TemporaryDirectory(prefix="sandbox-probe-") as d:
                ok, err = _probe(_bwrap_args(bwrap, Path(d), 1024 ** 2) + [sys.executable, "-c", "print('ok')"])
            available += ["bubblewrap"] if ok else []
            why += [] if ok else [f"bwrap cannot run: {err}"]
        if unshare is None:
            why.append("no `unshare`")
        else:
            ok, err = _probe([unshare, *_UNSHARE, "sh", "-c", "mount -o remount,bind,ro / && echo ok"])
            available += ["namespaces"] if ok else []
            why += [] if ok else [f"user namespaces refused: {err}"]
    kind = (available + ["none"])[0]
    return {"sandbox": kind, "available": available + ["none"], "isolated": kind != "none",
            "credentials": "stripped", "limits": dict(LIMITS), "network": "none" if kind != "none" else "NOT isolated",
            "files": {"bubblewrap": "only the interpreter and the workspace are visible; the workspace is a bounded copy",
                      "namespaces": "read-only except the workspace (but all readable)",
                      "none": "NOT isolated"}[kind],
            "why_not": "; ".join(why) if kind != "bubblewrap" else ""}


def _probe(cmd: list[str]) -> tuple[bool, str]:
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
        return r.stdout.strip() == "ok", (r.stderr or r.stdout).strip()[:160]
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, str(e)[:160]


def describe() -> str:
    """One paragraph a learner can read: what the sandbox does and does not protect here. Taught in notebook
    ``02_review_assistant``."""
    c = capabilities()
    text = (f"Model-written code runs with an environment stripped of credentials, at most {LIMITS['cpu_s']} s of "
            f"CPU, {LIMITS['memory_bytes'] // 1024 ** 3} GiB of memory, {LIMITS['file_bytes'] // 1024 ** 2} MiB per "
            f"file and {LIMITS['extra_processes']} extra processes")
    if c["sandbox"] == "bubblewrap":
        return text + (f", inside bubblewrap: no network, no file of the host but the interpreter and a copy of its "
                       f"workspace (at most {LIMITS['workspace_bytes'] // 1024 ** 2} MiB written there), its own "
                       "processes only.")
    if c["sandbox"] == "namespaces":
        return text + (f", in namespaces (bubblewrap is not available: {c['why_not']}): no network and every file "
                       "outside its workspace read-only, its own processes only; but every readable file of yours it can "
                       "read too, a Unix socket on your file system can be reached, and only the size of each file "
                       "is capped.")
    return (text + f". Network and file isolation are NOT available here ({c['why_not']}): the code can reach "
            "the network and write wherever you can. Review a model's edits before running them on such a machine.")


def _own_processes() -> int:
    uid = os.getuid()
    n = 0
    for p in Path("/proc").glob("[0-9]*"):
        try:
            if p.stat().st_uid == uid:
                n += 1
        except OSError:
            continue
    return n


def _pids_cgroup() -> Path | None:
    """As root, RLIMIT_NPROC is not enforced (the kernel exempts uid 0, in any namespace): a pids cgroup
    bounds the processes instead, where one can be made (cgroup v1 ``pids`` or v2 with the controller)."""
    if os.geteuid() != 0:
        return None
    for base in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")):
        if (base / "cgroup.procs").exists() and (base is not Path("/sys/fs/cgroup") or
                                                  "pids" in _read(base / "cgroup.controllers")):
            group = base / f"course-sandbox-{os.getpid()}-{len(list(base.glob('course-sandbox-*')))}"
            try:
                group.mkdir()
                (group / "pids.max").write_text(str(LIMITS["extra_processes"]))
                return group
            except OSError:
                continue
    return None


def _read(p: Path) -> str:
    try:
        return p.read_text()
    except OSError:
        return ""


def _limit(nproc: int, group: Path | None):
    def apply():
        import resource
        os.setsid()  # a group of its own: a timeout kills it and every child
        if group is not None:
            (group / "cgroup.procs").write_text(str(os.getpid()))
        resource.setrlimit(resource.RLIMIT_CPU, (LIMITS["cpu_s"], LIMITS["cpu_s"]))
        resource.setrlimit(resource.RLIMIT_AS, (LIMITS["memory_bytes"], LIMITS["memory_bytes"]))
        resource.setrlimit(resource.RLIMIT_FSIZE, (LIMITS["file_bytes"], LIMITS["file_bytes"]))
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    return apply


def _command(kind: str, cmd: list[str], workspace: Path) -> tuple[list[str], dict]:
    """The full command line for ``kind`` and the variables that depend on it (``TMPDIR``)."""
    if kind == "bubblewrap":
        size = _disk_usage(workspace) + LIMITS["workspace_bytes"]
        return [*_bwrap_args(shutil.which("bwrap"), workspace, size), "sh", "-c", _FILL, str(workspace), *cmd], \
            {"TMPDIR": "/tmp"}
    tmp = workspace / ".tmp"
    tmp.mkdir(exist_ok=True)
    if kind == "namespaces":
        return ["unshare", *_UNSHARE, "--kill-child", "sh", "-c", _ISOLATE, "sh", str(workspace), *cmd], \
            {"TMPDIR": str(tmp)}
    return list(cmd), {"TMPDIR": str(tmp)}


def run(cmd: list[str], workspace: Path, timeout: float = 60, env: dict | None = None,
        kind: str | None = None) -> Result:
    """Run ``cmd`` in ``workspace`` contained (see the module). ``env`` adds variables to the allow-list's;
    ``kind`` picks a weaker sandbox than the strongest available (one of :data:`KINDS`); the result's
    ``sandbox`` says which one ran.

    Taught in notebook ``02_review_assistant``."""
    workspace = Path(workspace).resolve()
    best = capabilities()["sandbox"]
    kind = best if kind is None else kind
    if kind not in KINDS:
        raise ValueError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    if kind not in capabilities()["available"]:
        raise ValueError(f"kind: {kind!r} cannot run here (available: {', '.join(capabilities()['available'])})")
    full, kind_env = _command(kind, cmd, workspace)
    base = {k: os.environ[k] for k in ENV_ALLOW if k in os.environ}
    child_env = {**base, "HOME": str(workspace), **kind_env, **(env or {})}
    group = _pids_cgroup()
    timed_out = False
    # the output goes to files outside the workspace (RLIMIT_FSIZE caps them too)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(full, cwd=workspace, env=child_env, stdout=out, stderr=err,
                                    stdin=subprocess.DEVNULL,
                                    preexec_fn=_limit(_own_processes() + LIMITS["extra_processes"], group))
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)  # nothing it started outlives it
                except (ProcessLookupError, PermissionError):
                    pass
                proc.wait()
        finally:
            if group is not None:
                _remove_group(group)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    return Result(proc.returncode, stdout, stderr, timed_out, kind)


def _remove_group(group: Path) -> None:
    import time
    for pid in _read(group / "cgroup.procs").split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    for _ in range(50):
        try:
            group.rmdir()
            return
        except OSError:
            time.sleep(0.05)
