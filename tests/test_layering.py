"""bot -> domain <- storage: the domain knows neither Slack, HTTP nor the ORM."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TRY_OUT_TOOLS = {"slack_emulator", "local_smtp", "aiosmtpd"}
"""Shipped with the source for the tests and the demo, not installed with Roster."""
FORBIDDEN = {
    "domain": {"slack_bolt", "slack_sdk", "aiohttp", "tortoise", "bot", "storage", "asyncpg"}
    | TRY_OUT_TOOLS,
    "storage": {"slack_bolt", "slack_sdk", "aiohttp", "bot"} | TRY_OUT_TOOLS,
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_dependencies_point_one_way(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
        if _imports(path) & FORBIDDEN[package]
    }
    assert offenders == {}


def test_the_installed_product_needs_no_demo_tools() -> None:
    """Only the demo (run from a source checkout) drives the emulator and the SMTP
    server; everything else in the package runs where they are not installed."""
    users = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "bot").rglob("*.py")
        if _imports(path) & TRY_OUT_TOOLS
    }
    assert users == {"bot/demo.py"}


def _domain_modules(path: Path) -> set[str]:
    """The ``domain.*`` modules a file imports, by their dotted names."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("domain"):
            found.add(node.module)
    return found


def _source(module: str) -> Path:
    path = ROOT / module.replace(".", "/")
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def test_the_ports_depend_on_records_only() -> None:
    """Nothing a port needs, however indirectly, needs the ports back: a service
    imports its ports, never the other way round."""
    seen: set[str] = set()
    todo = [f"domain.ports.{p.stem}" for p in (ROOT / "domain/ports").glob("*.py")]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(_domain_modules(_source(module)))
    needing_ports = {
        m
        for m in seen
        if not m.startswith("domain.ports")
        and any(d.startswith("domain.ports") for d in _domain_modules(_source(m)))
    }
    assert needing_ports == set()
