"""The layers stay one-way: every import (function-local ones included) points down, and none forms a cycle.

errors (and lazy, the lazy-export helper) -> core -> engine -> render -> api -> cli (the package __init__ on top).
"""

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "calcgraph"
RANKS = {"errors": 0, "lazy": 0, "core": 1, "engine": 2, "render": 3, "api": 4, "cli": 5, "__init__": 6, "__main__": 6}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def rank(module: str) -> int:
    parts = module.split(".")
    return RANKS["__init__"] if len(parts) == 1 else RANKS[parts[1]]


def imports_of(path: Path) -> set[str]:
    """Every calcgraph module ``path`` imports, wherever the import statement stands."""
    here = module_name(path)
    package = here.split(".") if path.name == "__init__.py" else here.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [target] + [f"{target}.{a.name}" for a in node.names]  # a member, or a module
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {n for n in names if n == "calcgraph" or n.startswith("calcgraph.")}
    return found


def import_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    for name, path in modules.items():
        graph.add_node(name)
        for target in imports_of(path):
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]  # `from .pkg import name` names a module or a member
            if target != name:
                graph.add_edge(name, target)
    return graph


def upward(edges) -> list[str]:
    return [f"{a} (layer {rank(a)}) imports {b} (layer {rank(b)})" for a, b in edges if rank(b) > rank(a)]


def test_every_import_points_down_or_sideways():
    assert upward(import_graph().edges) == []


def test_no_import_cycle():
    graph = import_graph()
    graph.remove_node("calcgraph")
    assert list(nx.simple_cycles(graph)) == []


def test_the_check_sees_function_local_and_upward_imports():
    assert upward([("calcgraph.engine.solve.scalar", "calcgraph.render.values")]) != []
    assert upward([("calcgraph.render.values", "calcgraph.engine.solve.scalar")]) == []
    assert "calcgraph.core.names" in imports_of(PACKAGE / "cli" / "commands.py")
    local = {b for a, b in import_graph().edges if a == "calcgraph.cli"}
    assert "calcgraph.cli.commands" in local  # imported inside main(), after parsing arguments


def _docstrings(tree: ast.AST) -> set[int]:
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body
            and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}


def test_no_engine_module_prints_parses_arguments_or_names_a_flag():
    problems = []
    for layer in ("core", "engine"):
        for path in sorted((PACKAGE / layer).glob("*.py")):
            tree = ast.parse(path.read_text())
            docs = _docstrings(tree)
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                    problems.append(f"{path.name}:{node.lineno} prints")
                if isinstance(node, (ast.Import, ast.ImportFrom)) and "argparse" in ast.unparse(node):
                    problems.append(f"{path.name}:{node.lineno} imports argparse")
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs \
                        and any(flag in node.value for flag in ("--set", "--where", "--vary", "--only", "--for ")):
                    problems.append(f"{path.name}:{node.lineno} names a flag: {node.value[:40]!r}")
    assert problems == []


def test_modules_stay_small():
    big = [f"{p.relative_to(PACKAGE)}: {n}" for p in PACKAGE.rglob("*.py")
           if (n := len(p.read_text().splitlines())) > 350]
    assert big == []
