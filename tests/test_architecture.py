"""Data flows one way (DESIGN.md): channel -> intake -> storage -> workers/assistant -> bots, web, channels.
A module that imports against the flow fails here, with the offending line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "channels": {"storage", "workers", "okno", "web", "bots", "assistant"},
    "intake": {"channels", "workers", "okno", "web", "bots", "assistant"},
    "storage": {"channels", "intake", "workers", "okno", "web", "bots", "assistant"},
    "workers": {"okno", "web", "bots"},
    "assistant": {"okno", "web", "bots", "channels"},
    "sandbox": {"okno", "storage", "workers", "intake"},
    "bots": {"okno", "web"},
}


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_against_the_flow(package: str) -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, module in imports_of(path)
        if module.split(".")[0] in FORBIDDEN[package]
    ]
    assert offences == []
