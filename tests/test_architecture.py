"""The layers depend one way, with no import cycles and no late imports that could hide one (the
command line, at the top, may import a command's layers when the command runs).

Every import in the package's source (module level, inside functions and under TYPE_CHECKING alike)
is read from the syntax tree and checked against the layer order below: a module may import its own
layer and the layers beneath it, never one above, and never a sibling in the same row (flows and
services do not know each other). Calibration sits above experiments: a calibration runs its
evaluations through the experiments' runner and writes the parameter sets batches draw from.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

# Lowest first. A row with several names holds independent siblings.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("jrsim.data",),
    ("jrsim.core",),
    ("jrsim.parameters",),
    ("jrsim.flows", "jrsim.services"),
    ("jrsim.commissioning",),
    ("jrsim.engine",),
    ("jrsim.outputs",),
    ("jrsim.economics",),
    ("jrsim.experiments",),
    ("jrsim.calibration",),
    ("jrsim.reporting",),
    ("jrsim.cli",),
    ("jrsim.__main__",),
)
# The command line may import a command's layers inside the command (so that `jrsim run` and --help do
# not load Dask's store, SALib and the report writers: half the start-up). The layer order above puts
# it at the top, below only __main__, so nothing it imports can import it back: no cycle can hide there.
LATE_IMPORTS_ALLOWED = ("jrsim.cli",)
# All the package's code is in model/ (the top-level scenarios/, calibration/ and experiments/ hold data).
SOURCES = {"jrsim": ROOT / "model"}


@dataclass(frozen=True)
class Import:
    source: str  # importing module
    target: str  # imported module (or package)
    line: int
    top_level: bool  # at module level (not inside a function or class)
    type_only: bool  # under ``if TYPE_CHECKING:``: never executed


def modules(sources: dict[str, Path]) -> dict[str, Path]:
    """Module name -> file, for every .py file of every mapped folder."""
    out = {}
    for package, folder in sources.items():
        for path in folder.rglob("*.py"):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([package, *parts])] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(name: str, path: Path, known: set[str]) -> list[Import]:
    """The package-internal imports of one module, resolved to module names."""
    is_package = path.name == "__init__.py"
    found: list[Import] = []

    def visit(node: ast.AST, top: bool, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == "jrsim":
                        found.append(Import(name, alias.name, child.lineno, top, type_only))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                if base.split(".")[0] != "jrsim":
                    continue
                for alias in child.names:
                    full = f"{base}.{alias.name}"
                    found.append(Import(name, full if full in known else base, child.lineno, top, type_only))
            elif isinstance(child, ast.If) and _is_type_checking(child):
                visit(child, top, True)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                visit(child, False, type_only)
            else:
                visit(child, top, type_only)

    visit(ast.parse(path.read_text(), str(path)), True, False)
    return found


def layer_of(module: str) -> tuple[int, str] | None:
    for level, row in enumerate(LAYERS):
        for part in row:
            if module == part or module.startswith(part + "."):
                return level, part
    return None


def violations(sources: dict[str, Path]) -> list[str]:
    """Every import that breaks the rule, as 'file:line: why'."""
    mods = modules(sources)
    known = set(mods)
    problems = []
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        where = layer_of(name)
        for imp in imports_of(name, path, known):
            at = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{imp.line}"
            if not imp.top_level and not imp.type_only and name not in LATE_IMPORTS_ALLOWED:
                problems.append(f"{at}: late import of {imp.target} inside a function (import at the top)")
            target = layer_of(imp.target)
            if where and target:
                (lo, part), (tlo, tpart) = where, target
                if tlo > lo:
                    problems.append(f"{at}: {name} ({part}) imports {imp.target} from a higher layer ({tpart})")
                elif tlo == lo and tpart != part:
                    problems.append(f"{at}: {name} ({part}) imports its sibling {imp.target} ({tpart})")
            if not imp.type_only and imp.target in graph:
                graph[name].add(imp.target)
    problems += [f"import cycle: {' -> '.join(c)}" for c in cycles(graph)]
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each an import cycle."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def test_every_module_is_in_a_layer():
    unplaced = [m for m in modules(SOURCES) if layer_of(m) is None and m != "jrsim"]
    assert not unplaced, f"modules outside every layer (add them to LAYERS): {unplaced}"


def test_layers_depend_one_way_with_no_cycles_and_no_late_imports():
    problems = violations(SOURCES)
    assert not problems, "\n".join(problems)


def _tree(tmp_path: Path, files: dict[str, str]) -> dict[str, Path]:
    for rel, text in files.items():
        path = tmp_path / "model" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return {"jrsim": tmp_path / "model"}


def test_the_check_catches_an_upward_import_a_sibling_a_late_import_and_a_cycle(tmp_path):
    sources = _tree(tmp_path, {
        "__init__.py": "",
        "core/__init__.py": "",
        "core/population.py": "from jrsim.economics.ledger import compare\n",  # upward
        "core/streams.py": "def f():\n    from jrsim.core import population\n",  # late
        "core/a.py": "from jrsim.core import b\n",  # a cycle a -> b -> a
        "core/b.py": "from . import a\n",
        "flows/__init__.py": "",
        "flows/offending.py": "from jrsim.services.delivery import Services\n",  # sibling
        "services/__init__.py": "",
        "services/delivery.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from jrsim.flows import offending\n",
        "economics/__init__.py": "",
        "economics/ledger.py": "from jrsim.core.population import x\n",  # downward: fine
    })
    problems = "\n".join(violations(sources))
    assert "jrsim.core.population (jrsim.core) imports jrsim.economics.ledger from a higher layer" in problems
    assert "late import of jrsim.core.population inside a function" in problems
    assert "import cycle: jrsim.core.a -> jrsim.core.b" in problems
    assert "jrsim.flows.offending (jrsim.flows) imports its sibling jrsim.services.delivery" in problems
    assert "jrsim.services.delivery (jrsim.services) imports its sibling jrsim.flows.offending" in problems
    assert "import cycle: jrsim.core.population -> jrsim.economics.ledger" in problems  # the upward one closes a loop
    assert "economics/ledger.py" not in problems  # importing downward is fine
    assert len(problems.splitlines()) == 6


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


# Moved into model/ from the top-level folders in the one-tree change; their numbers are being named (the
# pair runner's files, paired, batch, sensitivity, runner and calibrate, are named: they are checked).
NOT_YET_NAMED = ("model/calibration/check.py", "model/calibration/effects.py", "model/calibration/regression.py",
                 "model/calibration/targets.py", "model/experiments/agent_reference.py", "model/experiments/bench.py",
                 "model/experiments/bench_anchors.py", "model/experiments/bench_batch.py",
                 "model/experiments/check_report.py", "model/experiments/experiment.py", "model/experiments/store.py",
                 "model/experiments/summary.py")


def test_every_number_in_the_model_is_named():
    """No magic numbers in model/: each is a parameter or a named constant (with a comment saying why)."""
    found = [f for f in unnamed_numbers(SOURCES["jrsim"]) if not f.startswith(NOT_YET_NAMED)]
    assert not found, "name these numbers (jrsim.core.constants or a constant at the module's top):\n" + "\n".join(found)


def test_the_number_check_finds_a_bare_number(tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "m.py").write_text("LIMIT = 52  # named: fine\nx = 2 * LIMIT\ny = [0, 1, -1]\n")
    assert unnamed_numbers(tmp_path / "model") == ["model/m.py:2: 2"]
