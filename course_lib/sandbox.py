"""Run model-written code contained (notebook ``02_review_assistant``).

The review agent applies the edits a model proposes and runs the project's tests: code a model wrote
runs on the learner's machine. :func:`run` contains it as far as the operating system allows:

* **credentials**: the child gets a short allow-list of environment variables, never API keys or tokens;
* **resources**: CPU time, memory, file size and number of processes are limited (``resource.setrlimit``),
  a wall-clock timeout kills the whole process group;
* **network**: none, in a new network namespace (``unshare -n``: not even loopback is up);
* **files**: every mount is remounted read-only in a new mount namespace, except the workspace.

The last two need Linux user namespaces (``unshare -r``). Where they are not available (macOS, Windows,
a kernel or distribution that disables them) :func:`capabilities` says so plainly, and only the first
two protections apply: the code can then reach the network and write wherever the learner can.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: Environment variables the contained process may see; everything else (API keys included) is dropped.
ENV_ALLOW = ("PATH", "LANG", "LC_ALL", "TZ")
LIMITS = {"cpu_s": 120, "memory_bytes": 2 * 1024 ** 3, "file_bytes": 64 * 1024 ** 2, "extra_processes": 64}

_ISOLATE = r"""
ws="$1"; shift
mount --bind "$ws" "$ws" || exit 97
awk '{print $5}' /proc/self/mountinfo | sort -r | while read -r mp; do
  mp=$(printf '%b' "$mp")
  [ "$mp" = "$ws" ] && continue
  mount -o remount,bind,ro "$mp" 2>/dev/null || true
done
exec "$@"
"""


@dataclass(frozen=True)
class Result:
    """What a contained command did. Taught in notebook ``02_review_assistant``."""
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool
    isolated: bool


@lru_cache(maxsize=1)
def capabilities() -> dict:
    """Which protections this machine gives: credentials and limits always; network and file isolation where
    Linux user namespaces work. Taught in notebook ``02_review_assistant``."""
    unshare = shutil.which("unshare")
    isolated, why = False, ""
    if sys.platform != "linux" or unshare is None:
        why = "no Linux `unshare` here"
    else:
        try:
            r = subprocess.run([unshare, "-rmn", "--fork", "sh", "-c", "mount -o remount,bind,ro / && echo ok"],
                               capture_output=True, text=True, timeout=10)
            isolated = r.stdout.strip() == "ok"
            why = "" if isolated else f"user namespaces refused: {(r.stderr or r.stdout).strip()[:120]}"
        except (OSError, subprocess.TimeoutExpired) as e:
            why = f"unshare failed: {e}"
    return {"credentials": "stripped", "limits": dict(LIMITS), "network": "none" if isolated else "NOT isolated",
            "files": "read-only except the workspace" if isolated else "NOT isolated",
            "isolated": isolated, "why_not": why}


def describe() -> str:
    """One paragraph a learner can read: what the sandbox does and does not protect. Taught in notebook
    ``02_review_assistant``."""
    c = capabilities()
    text = (f"Model-written code runs with an environment stripped of credentials, at most {LIMITS['cpu_s']} s of "
            f"CPU, {LIMITS['memory_bytes'] // 1024 ** 3} GiB of memory, {LIMITS['file_bytes'] // 1024 ** 2} MiB per "
            f"file and {LIMITS['extra_processes']} extra processes")
    if c["isolated"]:
        return text + ", with no network and every file outside its workspace read-only."
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


def run(cmd: list[str], workspace: Path, timeout: float = 60, env: dict | None = None) -> Result:
    """Run ``cmd`` in ``workspace`` contained (see the module). ``env`` adds variables to the allow-list's.

    Taught in notebook ``02_review_assistant``."""
    workspace = Path(workspace).resolve()
    base = {k: os.environ[k] for k in ENV_ALLOW if k in os.environ}
    tmp = workspace / ".tmp"
    tmp.mkdir(exist_ok=True)
    child_env = {**base, "HOME": str(workspace), "TMPDIR": str(tmp), **(env or {})}
    isolated = capabilities()["isolated"]
    full = (["unshare", "-rmn", "--fork", "--kill-child", "sh", "-c", _ISOLATE, "sh", str(workspace), *cmd]
            if isolated else list(cmd))
    group = _pids_cgroup()
    out_path, err_path = tmp / "stdout.txt", tmp / "stderr.txt"
    timed_out = False
    try:
        with open(out_path, "w") as out, open(err_path, "w") as err:
            proc = subprocess.Popen(full, cwd=workspace, env=child_env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
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
    stdout, stderr = out_path.read_text(errors="replace"), err_path.read_text(errors="replace")
    for p in (out_path, err_path):
        p.unlink(missing_ok=True)
    return Result(proc.returncode, stdout, stderr, timed_out, isolated)


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
