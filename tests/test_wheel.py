"""An installable library: the built wheel (not an editable install) works from another directory.

The wheel is built offline (setuptools is pinned in requirements.txt), installed with --no-deps into a fresh
virtual environment that borrows the course's already-installed dependencies through a .pth file (a
directory listed there is not scanned for further .pth files, so the course's own editable install is
not seen), and run from a temporary directory outside the repository.
"""
import json
import site
import subprocess
import sys
import venv

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    str(tmp / "dist"), str(ROOT)], check=True, timeout=300, capture_output=True)
    wheel = next((tmp / "dist").glob("course_lib-*.whl"))
    venv.EnvBuilder(with_pip=False).create(tmp / "env")
    py = tmp / "env" / "bin" / "python"
    target = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                            capture_output=True, text=True, check=True).stdout.strip()
    (tmp / "target").mkdir()
    deps = [p for p in site.getsitepackages() if "site-packages" in p]
    (__import__("pathlib").Path(target) / "course_deps.pth").write_text("\n".join(deps) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, str(wheel)],
                   check=True, timeout=300, capture_output=True)
    return py, tmp / "target"


def _run(installed, *args):
    py, cwd = installed
    return subprocess.run([str(py), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_wheel_is_what_runs(installed):
    r = _run(installed, "-c", "import course_lib, course_lib.data as d; print(course_lib.__file__); print(d.DATA_DIR)")
    assert r.returncode == 0, r.stderr
    where, data = r.stdout.split()
    assert str(ROOT) not in where and data.endswith("course_lib/_data")


def test_price_runs_and_review_from_another_directory(installed):
    r = _run(installed, "-m", "course_lib", "price", "--model", "claude-sonnet-4-6", "--input", "3200", "--output",
             "500", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["total_usd"] == pytest.approx(0.0171)
    r = _run(installed, "-m", "course_lib", "runs", "--model", "deepseek-v4-pro", "--json")
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)["runs"]) == 678
    r = _run(installed, "-m", "course_lib", "review", "--version", "v2", "--model", "gpt-5.5", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["change"] == "marshmallow-3.21.1"
