"""The layering of the code base, checked from the import statements (parsed, not executed): arrows
point down only.

    ui ──► app ──► {sync, db}        server ──► {sync, db}        demo ──► {app, server, sync, db}

- `sync` and `db` import nothing of `app`, `ui`, `server` or `demo`;
- `app` imports no Qt (`PySide6`), `ui`, `server` or `demo`;
- `ui` never imports `db`, `sqlalchemy` or `requests` (widgets run no SQL and no HTTP: they ask
  app/ services through the task runner), nor `server`;
- `server` imports no `app`, `ui` or `demo`, except `server/cli.py`'s developer command
  `seed-demo`, which loads `demo.seed` lazily (docs/decisions/0004-server-seed-demo.md);
- `demo` imports no `ui`.

Every import counts, also one inside a function or under `TYPE_CHECKING`: a lazy import is still
an arrow."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "ui", "sync", "db", "server", "demo")

FORBIDDEN: dict[str, set[str]] = {
    "sync": {"app", "ui", "server", "demo"},
    "db": {"app", "ui", "server", "demo"},
    "app": {"PySide6", "ui", "server", "demo"},
    "ui": {"db", "sqlalchemy", "requests", "server"},
    "server": {"app", "ui", "demo"},
    "demo": {"ui"},
}
# (importing file, imported top-level name): the one reviewed exception, see the module docstring.
ALLOWED = {("server/cli.py", "demo")}


def _imported_names(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    """(line, full dotted name) of every import in a module; relative imports resolved."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[:-node.level]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def _modules(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        rel = path.relative_to(ROOT)
        if "migrations" in rel.parts and "versions" in rel.parts:
            continue
        module = ".".join(rel.with_suffix("").parts)
        yield rel.as_posix(), module, ast.parse(path.read_text(encoding="utf-8"), str(rel))


def violations(package: str) -> list[str]:
    bad = []
    for rel, module, tree in _modules(package):
        for line, name in _imported_names(tree, module):
            top = name.split(".")[0]
            if top in FORBIDDEN[package] and (rel, top) not in ALLOWED:
                bad.append(f"{rel}:{line} imports {name}")
    return bad


@pytest.mark.parametrize("package", PACKAGES)
def test_arrows_point_down(package):
    assert (ROOT / package).is_dir()
    assert violations(package) == []


def test_the_check_sees_a_lazy_import_inside_a_function():
    """The parser finds imports wherever they are written, so a violation cannot hide in a function."""
    tree = ast.parse("def f():\n    from server.store import pull\n    import PySide6.QtCore\n")
    assert _imported_names(tree, "app.x") == [(2, "server.store"), (3, "PySide6.QtCore")]
    tree = ast.parse("from ..db import models\nfrom . import wire\n")
    assert _imported_names(tree, "sync.sub.mod") == [(1, "sync.db"), (2, "sync.sub")]


def test_no_source_file_is_over_500_lines():
    """A file a reader can hold in their head: none over 500 lines, tests and benches included. The
    two generated initial-schema migrations are the exception (they are the schema, not code)."""
    exempt = {"db/migrations/versions/0001_initial_schema.py", "server/migrations/versions/0001_initial_schema.py"}
    long = []
    for folder in (*PACKAGES, "tests", "bench", "scripts"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            lines = path.read_text(encoding="utf-8").count("\n")
            if name not in exempt and lines > 500:
                long.append(f"{name}: {lines}")
    assert long == [], "split these files: " + ", ".join(long)
