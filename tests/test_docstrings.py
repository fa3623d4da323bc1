"""Every public function and class of course_lib names the notebook that teaches it (as d2l's functions do)."""
import importlib
import inspect
import pkgutil
import re

import course_lib


def test_public_docstrings_name_their_notebook():
    missing = []
    for m in pkgutil.iter_modules(course_lib.__path__):
        if m.name.startswith("_") or m.name == "cli":
            continue
        mod = importlib.import_module(f"course_lib.{m.name}")
        for name, obj in vars(mod).items():
            if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if obj.__module__ != mod.__name__:
                continue
            if not re.search(r"notebook", obj.__doc__ or "") and not re.search(r"notebook", mod.__doc__ or ""):
                missing.append(f"{m.name}.{name}")
            elif not re.search(r"notebook|lesson", obj.__doc__ or "") and m.name not in ("exercises", "widgets"):
                missing.append(f"{m.name}.{name}")
    assert not missing, missing
