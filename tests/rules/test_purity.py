"""The house rules for `rules/`: it imports nothing of ours, and the engine has no I/O and no clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rules

PACKAGE = Path(rules.__file__).parent
OURS = {"gateway", "adapters", "simulators", "contracts"}
ENGINE_MODULES = ("engine", "facts", "decision", "view", "texts", "vocabulary", "times", "personnummer")
NO_IO = {"os", "pathlib", "io", "socket", "time", "random", "subprocess", "threading", "shutil", "glob"}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_rules_imports_nothing_of_ours(path: Path) -> None:
    assert not imports_of(path) & OURS


@pytest.mark.parametrize("module", ENGINE_MODULES)
def test_the_engine_has_no_io_and_no_clock(module: str) -> None:
    path = PACKAGE / f"{module}.py"
    assert not imports_of(path) & NO_IO
    calls = {
        node.func.attr
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert not calls & {"now", "today", "utcnow", "time", "open", "read_text", "read_bytes"}
