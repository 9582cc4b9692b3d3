"""The code's shape: the import contracts, and the two rules they cannot state.

The layers (each imports only those beneath it; flows and services independent; every module in a
layer) and the absence of import cycles inside a layer are import-linter contracts in pyproject.toml
([tool.importlinter]), checked by `lint-imports` in `make test`. The test below shows them failing on
deliberately wrong imports. What import-linter cannot say is checked here from the syntax tree:
no late imports (an import inside a function could hide a cycle) outside the command line, and no
unnamed numbers in model/.
"""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

MODEL = ROOT / "model"  # the package jrsim
# The command line may import a command's layers inside the command (so that `jrsim run` and --help do
# not load Dask's store, SALib and the report writers: half the start-up). It is the top layer, below
# only __main__, so nothing it imports can import it back: no cycle can hide there. A module or a package.
LATE_IMPORTS_ALLOWED = "jrsim.cli"


def module_name(path: Path, folder: Path, package: str = "jrsim") -> str:
    parts = list(path.relative_to(folder).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([package, *parts])


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imported_jrsim(node: ast.AST) -> str | None:
    """The package-internal module an import statement names, or None for any other import."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names if a.name.split(".")[0] == "jrsim"]
        return names[0] if names else None
    if isinstance(node, ast.ImportFrom):
        base = "." * node.level + (node.module or "")  # relative (level > 0): always inside the package
        if node.level or base.split(".")[0] == "jrsim":
            return ", ".join(base + ("" if base.endswith(".") else ".") + a.name for a in node.names)
    return None


def late_imports(folder: Path) -> list[str]:
    """Package-internal imports inside a function or class body (not under TYPE_CHECKING, which never
    runs), as 'file:line: why', in every module but the command line's."""
    found = []

    def visit(node: ast.AST, nested: bool, where: Path) -> None:
        for child in ast.iter_child_nodes(node):
            target = _imported_jrsim(child)
            if target and nested:
                found.append(f"{where.relative_to(folder.parent)}:{child.lineno}: late import of {target} "
                             "inside a function (import at the top)")
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            visit(child, nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                                      ast.Lambda)), where)

    for path in sorted(folder.rglob("*.py")):
        name = module_name(path, folder)
        if name == LATE_IMPORTS_ALLOWED or name.startswith(LATE_IMPORTS_ALLOWED + "."):
            continue
        visit(ast.parse(path.read_text(), str(path)), False, path)
    return found


def test_no_late_imports_outside_the_command_line():
    found = late_imports(MODEL)
    assert not found, "\n".join(found)


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / "model" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path / "model"


def test_the_late_import_check_catches_one_and_lets_the_command_line_and_type_hints_be(tmp_path):
    folder = _tree(tmp_path, {
        "__init__.py": "",
        "core/streams.py": "def f():\n    from jrsim.core import population\n",  # late: caught
        "core/clock.py": "class C:\n    def g(self):\n        from . import streams\n",  # late, relative: caught
        "core/shifts.py": "def h():\n    import json\n    from typing import TYPE_CHECKING\n"
                          "    if TYPE_CHECKING:\n        from jrsim.core import clock\n",  # not internal / type hint
        "core/areas.py": "from jrsim.core import clock\n",  # at the top: fine
        "cli/__init__.py": "def run():\n    from jrsim.engine import run\n",  # the command line (a package)
        "cli/commands.py": "def run():\n    from jrsim import engine\n",
    })
    caught = [
        "model/core/clock.py:3: late import of .streams inside a function (import at the top)",
        "model/core/streams.py:2: late import of jrsim.core.population inside a function (import at the top)",
    ]
    assert late_imports(folder) == caught
    shutil.rmtree(folder / "cli")
    (folder / "cli.py").write_text("def run():\n    from jrsim.engine import run\n")  # the command line (a module)
    (folder / "engine.py").write_text("def run():\n    from jrsim.cli import main\n")  # not the command line
    assert late_imports(folder) == caught + [
        "model/engine.py:2: late import of jrsim.cli.main inside a function (import at the top)"]


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    """`lint-imports` run in root (a copy of pyproject.toml and a package jrsim), on that package."""
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                           "lint_imports_command()", "--no-cache"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)


def test_the_import_contracts_fail_on_wrong_imports(tmp_path):
    """The contracts of pyproject.toml, run on a copy of model/ (as package jrsim): kept as it is,
    broken by an upward import, a sibling import, a cycle inside a layer and a module in no layer."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    package = tmp_path / "jrsim"
    shutil.copytree(MODEL, package, ignore=shutil.ignore_patterns("__pycache__"))
    kept = _lint_imports(tmp_path)
    assert kept.returncode == 0, kept.stdout + kept.stderr

    def add(rel: str, line: str) -> None:
        path = package / rel
        path.write_text((path.read_text() if path.exists() else "") + line + "\n")

    add("core/streams.py", "from jrsim.economics import ledger  # upward")
    add("flows/offending.py", "from jrsim.services import delivery  # a sibling")
    add("core/wrong_a.py", "from jrsim.core import wrong_b")
    add("core/wrong_b.py", "from jrsim.core import wrong_a")
    add("extras.py", "")
    broken = _lint_imports(tmp_path)
    out = broken.stdout
    assert broken.returncode == 1, out + broken.stderr
    assert "jrsim.core is not allowed to import jrsim.economics" in out
    assert "jrsim.core.streams -> jrsim.economics.ledger" in out
    assert "jrsim.flows is not allowed to import jrsim.services" in out
    assert "jrsim.flows.offending -> jrsim.services.delivery" in out
    assert "No cycles are allowed in jrsim.core" in out
    assert "No cycles are allowed in jrsim.\n" not in out  # a cycle across layers: the layers contract names it
    assert ".wrong_a -> .wrong_b" in out or ".wrong_b -> .wrong_a" in out
    assert "The following modules are not listed as layers" in out and "- jrsim.extras" in out
    assert "Contracts: 0 kept, 2 broken." in out


def unnamed_numbers(folder: Path) -> list[str]:
    """Number literals other than 0, 1 and -1 that are not the value of a named constant (an
    UPPER_CASE name assigned at module or class level)."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        named: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
                if names and all(isinstance(n, ast.Name) and n.id.isupper() for n in names) and node.value:
                    named.update(id(sub) for sub in ast.walk(node.value))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value not in (0, 1, -1) \
                    and id(node) not in named:
                found.append(f"{path.relative_to(folder.parent)}:{node.lineno}: {node.value!r}")
    return found




def test_every_number_in_the_model_is_named():
    """No magic numbers in model/: each is a parameter or a named constant (with a comment saying why)."""
    found = unnamed_numbers(MODEL)
    assert not found, "name these numbers (jrsim.core.constants or a constant at the module's top):\n" + "\n".join(found)


def test_the_number_check_finds_a_bare_number(tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "m.py").write_text("LIMIT = 52  # named: fine\nx = 2 * LIMIT\ny = [0, 1, -1]\n")
    assert unnamed_numbers(tmp_path / "model") == ["model/m.py:2: 2"]
