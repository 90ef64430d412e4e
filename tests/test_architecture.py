"""The library's packages depend on each other in one direction only (docs/architecture.md), and none uses Flask."""

from __future__ import annotations

import ast
from pathlib import Path

SEARCHER = Path(__file__).resolve().parent.parent / "searcher"
SHARED = {"models", "errors", "config"}  # the modules at the top that every stage may use
# Each stage package and the other stage packages it may import (docs/architecture.md, "Packages").
ALLOWED = {
    "page": set(),
    "analysis": set(),
    "corpus": {"page"},
    "index": {"corpus", "analysis"},
    "search": {"index", "analysis", "page"},
    "discovery": {"search", "index", "analysis", "corpus", "page"},
    "backends": {"search", "index", "analysis", "corpus", "page"},
}


def imported_modules(path: Path, root: Path = SEARCHER) -> set[str]:
    """Every module `path` imports, anywhere in it (lazy imports in functions too), as an absolute dotted name."""
    package = ["searcher", *path.parent.relative_to(root).parts]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            if not node.module:  # `from .. import config`: each name is a module
                found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def violations(root: Path) -> list[str]:
    """Each import of a stage package's module that reaches a package or top module the stage may not use."""
    wrong = []
    for package, allowed in ALLOWED.items():
        for path in sorted((root / package).rglob("*.py")):
            for module in sorted(imported_modules(path, root)):
                parts = module.split(".")
                if parts[0] == "searcher" and len(parts) > 1 and parts[1] not in {package} | allowed | SHARED:
                    wrong.append(f"{path.relative_to(root)} imports {module}")
    return wrong


def test_every_stage_package_is_there_and_holds_modules():
    packages = {p.parent.name for p in SEARCHER.glob("*/__init__.py")}
    assert packages == set(ALLOWED)
    for package in packages:
        assert len(list((SEARCHER / package).rglob("*.py"))) > 1, package


def test_stage_packages_import_only_the_stages_they_build_on():
    assert violations(SEARCHER) == []


def test_an_import_against_the_flow_is_caught_even_inside_a_function(tmp_path):
    (tmp_path / "page").mkdir()
    source = ("from ..index import store\nfrom . import text\nfrom .. import models\n\n\n"
              "def f():\n    from ..cli import main\n")
    (tmp_path / "page" / "x.py").write_text(source, encoding="utf-8")
    assert violations(tmp_path) == ["page/x.py imports searcher.cli", "page/x.py imports searcher.index"]


def test_the_library_never_imports_flask():
    """Only the command's `serve` starts the web app (searcher/cli.py)."""
    for path in set(SEARCHER.rglob("*.py")) - {SEARCHER / "cli.py"}:
        assert not {m for m in imported_modules(path) if m.split(".")[0] in {"flask", "web", "werkzeug"}}, path
