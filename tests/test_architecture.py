"""House rules that code review forgets: layers, thin pages, one enum module."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = sorted((ROOT / "registry").rglob("*.py"))
PAGES = sorted((ROOT / "pages").rglob("*.py")) + [ROOT / "app.py"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", REGISTRY, ids=lambda p: str(p.relative_to(ROOT)))
def test_registry_never_imports_streamlit(path: Path) -> None:
    assert not any(n.split(".")[0] == "streamlit" for n in _imports(path))


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_never_touch_sql(path: Path) -> None:
    banned = {"sqlalchemy", "sqlmodel", "psycopg", "sqlite3"}
    found = {n for n in _imports(path) if n.split(".")[0] in banned}
    if path.relative_to(ROOT).as_posix() == "pages/ui/state.py":
        found -= {"sqlalchemy.engine", "sqlmodel"}  # the engine/session glue lives here only
    assert not found
    source = path.read_text(encoding="utf-8")
    for pattern in (r"(?<![\w.])select\(", r"session\.exec\(", r"session\.execute\(",
                    r"(?<![\w.])text\("):
        assert not re.search(pattern, source), f"{pattern} in a page: call a registry service"


def test_every_service_takes_actor_keyword_only_and_has_a_docstring() -> None:
    import importlib
    import inspect
    import pkgutil

    import registry.services as services

    checked = 0
    for info in pkgutil.iter_modules(services.__path__):
        module = importlib.import_module(f"registry.services.{info.name}")
        for name in getattr(module, "__all__", []):
            fn = getattr(module, name)
            if not inspect.isfunction(fn):
                continue
            params = inspect.signature(fn).parameters
            if "actor" not in params or name == "record_audit":  # the audit helper itself
                continue
            checked += 1
            assert params["actor"].kind is inspect.Parameter.KEYWORD_ONLY, name
            assert params["session"].kind is inspect.Parameter.KEYWORD_ONLY, name
            assert fn.__doc__, f"{module.__name__}.{name} needs a docstring"
    assert checked >= 10
