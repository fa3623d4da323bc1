"""Build notebooks/NN_topic.ipynb from notebooks/src/NN_topic.py (percent format).

Cells start with `# %%` (code) or `# %% [markdown]` (markdown, every line
starting with `# `). A cell tagged with `# %% tags=["nbval-ignore-output"]`
keeps its tags. Outputs are filled by scripts/execute_notebooks.py.

    python scripts/build_notebooks.py [NAME ...]
"""
import json
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SRC, OUT = ROOT / "notebooks" / "src", ROOT / "notebooks"
HEADER = re.compile(r"^# %%(?P<md> \[markdown\])?(?: tags=(?P<tags>\[.*\]))?\s*$")


def parse(text: str) -> list:
    cells, cur = [], None
    for line in text.splitlines():
        m = HEADER.match(line)
        if m:
            if cur:
                cells.append(cur)
            cur = {"md": bool(m["md"]), "tags": json.loads(m["tags"]) if m["tags"] else [], "lines": []}
        elif cur is not None:
            cur["lines"].append(line)
    if cur:
        cells.append(cur)
    out = []
    for c in cells:
        lines = c["lines"]
        while lines and not lines[-1].strip():
            lines.pop()
        if c["md"]:
            src = "\n".join(l[2:] if l.startswith("# ") else l.lstrip("#") for l in lines)
            cell = nbformat.v4.new_markdown_cell(src)
        else:
            cell = nbformat.v4.new_code_cell("\n".join(lines))
        if c["tags"]:
            cell.metadata["tags"] = c["tags"]
        cell.pop("id", None)
        out.append(cell)
    return out


def build(src: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = parse(src.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{src.stem[:2]}-{i:03d}"  # stable ids: a rebuild makes no diff
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
                   "language_info": {"name": "python"}}
    dest = OUT / f"{src.stem}.ipynb"
    nbformat.write(nb, dest)
    return dest


if __name__ == "__main__":
    names = sys.argv[1:] or [p.stem for p in sorted(SRC.glob("[0-9][0-9]_*.py"))]
    for name in names:
        print("built", build(SRC / f"{name}.py").relative_to(ROOT))
