"""The package's layout holds its own rules: folders are stages, imports run one way, the map is true.

Read from the source with `ast` (nothing is imported), so a rule broken anywhere fails here by name.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "generator" / "apiforge"


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _runtime_imports(tree: ast.Module) -> Iterator[ast.ImportFrom | ast.Import]:
    """Imports that run: those under `if TYPE_CHECKING:` only feed the type checker."""
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _is_type_checking(node.test)
        for statement in node.body
        for inner in ast.walk(statement)
    }
    for node in ast.walk(tree):
        if isinstance(node, (ast.ImportFrom, ast.Import)) and id(node) not in typing_only:
            yield node


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(modules: dict[str, Path]) -> dict[str, list[tuple[str, str]]]:
    """Module -> [(imported module, imported name or "")], apiforge's own imports only."""
    graph: dict[str, list[tuple[str, str]]] = {}
    for name, path in modules.items():
        edges = []
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges += [(a.name, "") for a in node.names if a.name.startswith("apiforge")]
            elif node.module and node.module.startswith("apiforge") and node.level == 0:
                for alias in node.names:
                    whole = f"{node.module}.{alias.name}"
                    edges.append((whole, "") if whole in modules else (node.module, alias.name))
        graph[name] = edges
    return graph


def _folder(module: str) -> str:
    """The stage a module belongs to: its first folder under apiforge, or "" at the top level."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and _is_package(module)) else ""


def _is_package(module: str) -> bool:
    return (PACKAGE.parent.joinpath(*module.split(".")) / "__init__.py").is_file()


def test_no_import_cycle() -> None:
    modules = _modules()
    graph = {
        m: sorted({t for t, _ in edges if t in modules and t != m})
        for m, edges in _imports(modules).items()
    }
    cycles = _cycles(graph)
    assert not cycles, "modules that import each other: " + "; ".join(
        " -> ".join(c) for c in cycles
    )


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, []))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_private_name_crosses_a_folder() -> None:
    """A stage uses another's public surface only: no `_name`, no `_module`, from another folder."""
    modules = _modules()
    crossings = []
    for importer, edges in _imports(modules).items():
        for target, name in edges:
            if _folder(importer) == _folder(target) and _folder(importer):
                continue
            hidden = [p for p in target.split(".") if p.startswith("_") and p != "__init__"]
            if hidden or (name.startswith("_") and name != "__version__"):
                crossings.append(f"{importer} imports {target}{'.' + name if name else ''}")
    assert not crossings, crossings


def test_generated_code_support_imports_nothing_of_the_generator() -> None:
    """runtime/ ships inside generated packages, which never import apiforge."""
    modules = _modules()
    leaks = [
        f"{m} imports {t}"
        for m, edges in _imports(modules).items()
        if m.startswith("apiforge.runtime")
        for t, _ in edges
    ]
    assert not leaks, leaks


_MAP_LINE = re.compile(r"^  (generator/apiforge/|  [a-z_/]+/)\s{2,}([a-z_ ]+)$")


def test_the_readme_layout_map_is_the_tree() -> None:
    """Each folder's line in the README's map names exactly the modules it holds."""
    block = (
        (REPO / "README.md")
        .read_text(encoding="utf-8")
        .split("The repository's top level follows")[1]
    )
    block = block.split("```")[1]
    mapped = {}
    for line in block.splitlines():
        match = _MAP_LINE.match(line)
        if match:
            folder = match.group(1).strip().removeprefix("generator/apiforge/").rstrip("/")
            mapped[folder] = set(match.group(2).split())
    actual: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if "__pycache__" in path.parts or path.name in {"__init__.py", "__main__.py"}:
            continue
        folder = path.parent.relative_to(PACKAGE).as_posix()
        actual.setdefault("" if folder == "." else folder, set()).add(path.stem)
    assert mapped == actual


def test_every_folder_says_what_it_is_for() -> None:
    """A folder's `__init__` opens with the stage's job, so `help(apiforge.<stage>)` answers."""
    silent = [
        init.parent.relative_to(PACKAGE).as_posix()
        for init in PACKAGE.rglob("__init__.py")
        if "__pycache__" not in init.parts
        and not ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    ]
    assert not silent, silent


def test_modules_stay_short_enough_to_read_whole() -> None:
    """About 400 lines each (issue 26): past 450 a module is doing two jobs, so split it by job."""
    long = {
        path.relative_to(PACKAGE).as_posix(): lines
        for path in PACKAGE.rglob("*.py")
        if "__pycache__" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > 450
    }
    assert not long, long
