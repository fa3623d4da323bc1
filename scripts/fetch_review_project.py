"""Fetch the real-size project the review assistant reviews by default, and the change under review.

    python scripts/fetch_review_project.py

Downloads the source distributions of marshmallow 3.21.0 and 3.21.1 from PyPI (pip download, no build),
checks their SHA-256, keeps the project's source, tests and metadata of 3.21.0 in
data/review_project/marshmallow-3.21.0/, and writes the release diff 3.21.0 -> 3.21.1 (a real bug fix:
the "must be declared as a Field instance" error message lacked its f-string prefix, marshmallow issue
2245) as data/review_project/marshmallow-3.21.1.diff, applicable with `git apply`.
The course commits the result; this script is its provenance and re-creates it.
"""
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "review_project"
SDISTS = {"3.21.0": "20f53be28c6e374a711a16165fb22a8dc6003e3f7cda1285e3ca777b9193885b",
          "3.21.1": "4e65e9e0d80fc9e609574b9983cf32579f305c718afb30d7233ab818571768c3"}
KEEP = ("src", "tests", "pyproject.toml", "README.rst", "LICENSE", "NOTICE", "CHANGELOG.rst")


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    trees = {}
    for version, sha in SDISTS.items():
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                        f"marshmallow=={version}", "-d", str(tmp)], check=True, timeout=300)
        archive = tmp / f"marshmallow-{version}.tar.gz"
        got = hashlib.sha256(archive.read_bytes()).hexdigest()
        if got != sha:
            raise SystemExit(f"sha256 of {archive.name} is {got}, expected {sha}")
        with tarfile.open(archive) as tf:
            tf.extractall(tmp / "x", filter="data")
        src = tmp / "x" / f"marshmallow-{version}"
        dst = tmp / ("a" if version == "3.21.0" else "b")
        dst.mkdir()
        for name in KEEP:
            (shutil.copytree if (src / name).is_dir() else shutil.copy2)(src / name, dst / name)
        for junk in list(dst.rglob("*.egg-info")) + list(dst.rglob("__pycache__")):
            shutil.rmtree(junk)
        trees[version] = dst
    diff = subprocess.run(["git", "diff", "--no-index", "a", "b"], cwd=tmp, capture_output=True, text=True).stdout
    diff = diff.replace(" a/a/", " a/").replace(" b/b/", " b/").replace("--- a/a/", "--- a/").replace("+++ b/b/", "+++ b/")
    target = OUT / "marshmallow-3.21.0"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(trees["3.21.0"], target)
    (OUT / "marshmallow-3.21.1.diff").write_text(diff, encoding="utf-8")
    print(f"wrote {target} and {OUT / 'marshmallow-3.21.1.diff'}")


if __name__ == "__main__":
    main()
