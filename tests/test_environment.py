"""The two-command set-up: pins agree, CI runs the README's test command, Binder can build."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def pins(lines):
    out = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if m:
            out[m[1].lower().replace("_", "-")] = m[2]
    return out


def test_environment_yml_has_the_same_pins_as_requirements():
    req = pins((ROOT / "requirements.txt").read_text().splitlines())
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert pins(pip) == req, "environment.yml and requirements.txt drifted apart"
    assert "-e ." in pip, "environment.yml must install course_lib"


def test_every_requirement_is_pinned_and_constrained():
    lines = [l.split("#", 1)[0].strip() for l in (ROOT / "requirements.txt").read_text().splitlines()]
    lines = [l for l in lines if l]
    assert all("==" in l for l in lines), [l for l in lines if "==" not in l]
    constraints = pins((ROOT / "constraints.txt").read_text().splitlines())
    for name, version in pins(lines).items():
        assert constraints.get(name) == version, f"{name}: constraints.txt has {constraints.get(name)}"


def test_core_dependencies_present():
    req = pins((ROOT / "requirements.txt").read_text().splitlines())
    for name in ("jupyterlab", "ipywidgets", "matplotlib", "pandas", "nbval", "ollama", "genai-prices"):
        assert name in req


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^exec make test$", ci, re.M)


def test_strict_nbval_not_lax():
    cfg = (ROOT / "pyproject.toml").read_text()
    assert '"--nbval"' in cfg and "nbval-lax" not in cfg


def _fake_path(tmp_path) -> str:
    """A PATH with no chromium, no fonts, no sudo, and an `id` that says: not root."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    (bin_ / "id").write_text("#!/bin/sh\necho 1000\n")
    (bin_ / "id").chmod(0o755)
    (bin_ / "grep").symlink_to(shutil.which("grep"))
    return str(bin_)


@pytest.mark.parametrize("ci, rc", [("true", 1), ("", 0)])
def test_system_deps_script_fails_under_ci_when_it_cannot_install(tmp_path, ci, rc):
    """Without root or sudo the script only says what to install, except under CI=true, where it fails."""
    env = {"PATH": _fake_path(tmp_path), "CI": ci}
    r = subprocess.run([shutil.which("bash"), str(ROOT / "scripts" / "install-system-deps.sh")], env=env,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == rc, r.stdout + r.stderr
    assert "chromium" in r.stdout + r.stderr


@pytest.mark.parametrize("ci, outcome", [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_a_missing_browser_skips_here_and_fails_in_ci(monkeypatch, missing, ci, outcome):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="chromium"):
        missing("Debian's chromium is not installed")


def test_recorded_outputs_carry_no_home_directory():
    """Recorded server responses name the model file, not the recording machine's cache path."""
    for folder in ("recorded", "responses"):
        for p in sorted((ROOT / "data" / folder).glob("*.json")):
            text = p.read_text(encoding="utf-8")
            assert not re.search(r"/(root|home/[^/\"]+)/\.cache", text), p.name


def test_the_test_command_lints_before_it_tests():
    """scripts/run-tests.sh runs the pinned ruff with pyproject.toml's rules and stops on a finding."""
    script = (ROOT / "scripts" / "run-tests.sh").read_text()
    assert script.index("-m ruff check") < script.index("-m pytest") and "exit 1" in script
    assert "ruff" in pins((ROOT / "requirements.txt").read_text().splitlines())
    assert re.search(r'select = \["F", "E9", "B"', (ROOT / "pyproject.toml").read_text())
