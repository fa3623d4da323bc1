"""The house of course_lib: imports go one way (no circles), and nothing imports the rooms at the top.

Every import is counted, the ones inside functions too (an import moved into a function to break a
circle is still a circle). Modules in sub-packages count by their dotted name under course_lib.
"""
import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "course_lib"
TOP = {"cli", "widgets", "exercises", "__main__"}  # the CLI, the calculators, the exercises: nothing imports them


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


def _resolve(here: str, is_pkg: bool, node: ast.ImportFrom) -> list[str]:
    if node.level == 0:
        if not (node.module or "").startswith("course_lib."):
            return []
        return [node.module.removeprefix("course_lib.")]
    base = here.split(".") if is_pkg else here.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    if node.module:
        return [".".join(base + node.module.split("."))]
    return [".".join(base + [a.name]) for a in node.names]


def import_graph() -> dict[str, set[str]]:
    """course_lib module -> the course_lib modules it imports (anywhere in its body, functions included; not the
    names imported only for type annotations under ``if TYPE_CHECKING:``, which never run)."""
    files = {_name(p): p for p in ROOT.rglob("*.py")}
    graph = {}
    for name, path in files.items():
        deps = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {id(n) for block in ast.walk(tree)
                       if isinstance(block, ast.If) and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
                       for stmt in block.body for n in ast.walk(stmt)}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and id(node) not in typing_only:
                for target in _resolve(name, path.name == "__init__.py", node):
                    while target and target not in files:  # `from .pkg import name`: name is not a module
                        target = target.rpartition(".")[0]
                    if target and target != name:
                        deps.add(target)
        graph[name] = deps
    return graph


def test_imports_make_no_circle():
    graph = import_graph()
    assert "data" in graph and "prices" in graph["billing"]  # the graph is read, not empty
    try:
        list(TopologicalSorter(graph).static_order())
    except CycleError as e:
        raise AssertionError(f"course_lib imports in a circle: {' -> '.join(e.args[1])}") from None


def test_nothing_imports_the_top_floor():
    graph = import_graph()
    up = sorted((m, d) for m, deps in graph.items() for d in deps if d.split(".")[0] in TOP and m != "__main__")
    assert not up, up


def test_data_is_the_bottom_room():
    """course_lib.data reads files and imports no other room; the rooms that only need a CSV import it."""
    graph = import_graph()
    assert graph["data"] == set()
    for room in ("vram", "tco", "money", "levers", "runs", "agent"):
        assert "data" in graph[room], room
    readers = {m: deps for m, deps in graph.items() if m == "logs" or m.startswith("logs")}
    assert readers and not any("levers" in deps for deps in readers.values()), \
        "lesson 06's logs read the assumptions through data, not through lesson 03's levers module"
