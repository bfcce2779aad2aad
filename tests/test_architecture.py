"""The house along the data's path: data -> analysis -> reports -> publish -> cli.

Imports go one way only (import-linter's layers contract in pyproject.toml), no module imports
another inside a function to dodge a cycle, there are no import cycles inside a layer, and no module
grows past about 600 lines.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib" / "trygghet"
MAX_LINES = 600
#: the command line imports its commands' modules lazily so that `trygghet --help` starts fast
LAZY_IMPORTS_ALLOWED = {"cli.py"}


def test_layers_contract_holds():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_import_cycles():
    graph = grimp.build_graph("trygghet")
    modules = sorted(graph.modules)
    edges = {m: {i for i in graph.find_modules_directly_imported_by(m) if i != m} for m in modules}
    # Tarjan's strongly connected components; any component with more than one module is a cycle.
    index, low, stack, on, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for m in modules:
        if m not in index:
            visit(m)
    # a package's __init__ importing its own modules is not a cycle worth reporting unless a module
    # imports the package back; grimp reports both directions, so every component here is real
    assert not cycles, f"import cycles: {cycles}"


def test_no_function_level_imports_of_the_library():
    offenders = []
    for path in sorted(LIB.rglob("*.py")):
        if path.name in LAZY_IMPORTS_ALLOWED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("trygghet"):
                        offenders.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
                    elif isinstance(inner, ast.Import) and any(a.name.startswith("trygghet") for a in inner.names):
                        offenders.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert not offenders, "import the library at module level (a function-level import hides a cycle): " + ", ".join(sorted(set(offenders)))


def test_no_module_over_600_lines():
    long = {str(p.relative_to(ROOT)): n for p in LIB.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"split these modules (over {MAX_LINES} lines): {long}"


def test_every_module_lives_in_a_layer():
    top = {p.name for p in LIB.glob("*.py")}
    assert top <= {"__init__.py", "__main__.py", "cli.py"}, f"modules outside the layers: {sorted(top)}"
