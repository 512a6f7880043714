"""The layer order the README states, kept by reading every module's imports.

A module may import its own layer and the layers below it, never one above; packages do not
import each other in a circle; only database/ imports asyncpg; the shared test harness
(testing/) and the tests serve the tests and the benchmarks only. A new top-level package
fails here until it is given a layer.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from config import PROJECT_ROOT

# Top to bottom, as the README's architecture section draws them.
LAYERS: list[tuple[str, set[str]]] = [
    ("entry points", {"main", "gunicorn.conf", "service", "bench"}),
    ("channel", {"messenger"}),
    ("conversation", {"conversation", "llm_api"}),
    ("assistant", {"assistant"}),
    ("reports", {"reports"}),
    ("tools", {"tools"}),
    ("desk", {"desk"}),
    ("import", {"importer"}),
    ("search", {"search"}),
    ("jobs", {"jobs"}),
    ("core", {"core"}),
    ("database", {"database"}),
    ("config", {"config"}),
]
LEVEL = {unit: level for level, (_, units) in enumerate(LAYERS) for unit in units}
DEV_ONLY = {"tests", "testing"}  # imported by the tests and bench/, never by production
SKIP = {".venv", ".data", ".git", "tests", "testing", "__pycache__"}


def first_party() -> set[str]:
    """The top-level names of this repository: packages and modules at its root."""
    names = {path.stem for path in PROJECT_ROOT.glob("*.py")}
    names |= {path.parent.name for path in PROJECT_ROOT.glob("*/__init__.py")}
    return names - {"conftest"}


def unit_of(path: Path) -> str:
    """The top-level package or module a file belongs to ("gunicorn.conf" for that file)."""
    relative = path.relative_to(PROJECT_ROOT)
    return relative.parts[0] if len(relative.parts) > 1 else relative.name.removesuffix(".py")


def modules() -> Iterator[Path]:
    """Every production (and benchmark) Python file."""
    for path in sorted(PROJECT_ROOT.rglob("*.py")):
        if not SKIP & set(path.relative_to(PROJECT_ROOT).parts):
            yield path


def imported(path: Path) -> Iterator[tuple[int, str]]:
    """(line, top-level name) of every absolute import in the file, lazy ones included."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


def edges() -> dict[str, set[str]]:
    """Which first-party top-level units each unit imports."""
    ours = first_party() | DEV_ONLY
    graph: dict[str, set[str]] = {}
    for path in modules():
        source = unit_of(path)
        for _, name in imported(path):
            if name in ours and name != source:
                graph.setdefault(source, set()).add(name)
    return graph


def test_every_top_level_package_has_a_layer() -> None:
    missing = sorted(first_party() - set(LEVEL) - DEV_ONLY)
    assert missing == [], f"give these a layer in tests/test_layers.py and the README: {missing}"


def test_imports_only_go_down_the_layers() -> None:
    ours = first_party()
    upward = []
    for path in modules():
        source = unit_of(path)
        for line, name in imported(path):
            if name in ours and name in LEVEL and LEVEL[name] < LEVEL[source]:
                where = f"{path.relative_to(PROJECT_ROOT)}:{line}"
                upward.append(f"{where} imports {name} ({LAYERS[LEVEL[name]][0]} layer)")
    assert upward == []


def test_no_package_imports_another_in_a_circle() -> None:
    graph = edges()

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            unit = todo.pop()
            for nxt in graph.get(unit, ()):
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    circles = sorted(f"{a} <-> {b}" for a in graph for b in graph[a] if a < b and reaches(b, a))
    assert circles == []


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("asyncpg", {"database"}),
        ("testing", {"bench"}),
        ("tests", set()),
    ],
)
def test_who_may_import(name: str, allowed: set[str]) -> None:
    found = sorted(
        f"{path.relative_to(PROJECT_ROOT)}:{line}"
        for path in modules()
        if unit_of(path) not in allowed
        for line, imported_name in imported(path)
        if imported_name == name
    )
    assert found == []
