"""What a module of src/souk imports, read from its source with ``ast`` (shared by the structure tests).

Every import statement counts wherever it stands: at the top level, inside a function or class, under
``if TYPE_CHECKING:`` or in a ``try``. Relative imports are resolved against the importing module's package
(the package itself for an ``__init__``). ``from pkg import name`` names ``pkg.name`` when that is a module,
else ``pkg``. A call ``importlib.import_module("souk.x")`` or ``__import__("souk.x")`` with a literal name
counts too.

Package ``__init__`` files count as modules of their own (``souk.consult`` is ``souk/consult/__init__.py``).
Importing ``a.b.c`` runs ``a`` and ``a.b`` first, so it also counts as importing those packages, except the
importer's own enclosing packages: Python has started those before the importer's first line runs, so they
add no order between the two (an explicit ``from souk.consult import X`` inside ``souk.consult.service``
still counts: it needs names the ``__init__`` defines).
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
ROOT = "souk"


def module_name(path: Path, src: Path = SRC) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def module_files(src: Path = SRC) -> dict[str, Path]:
    """Every module under src/souk by dotted name."""
    return {module_name(p, src): p for p in sorted((src / ROOT).rglob("*.py"))}


@dataclass(frozen=True, slots=True)
class Import:
    line: int
    names: tuple[str, ...]  # every dotted name the statement reaches, before resolution to modules


def _base(module: str, is_package: bool, level: int, target: str | None) -> str:
    if not level:
        return target or ""
    package = module if is_package else module.rpartition(".")[0]
    parts = package.split(".")
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    return ".".join(parts + ([target] if target else []))


def _is_import_call(node: ast.Call) -> bool:
    f = node.func
    return (isinstance(f, ast.Name) and f.id in {"__import__", "import_module"}) or (
        isinstance(f, ast.Attribute) and f.attr == "import_module")


def imports(source: str, module: str, *, is_package: bool = False) -> list[Import]:
    """Every import in ``source`` (the text of ``module``), in source order."""
    found: list[Import] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.append(Import(node.lineno, tuple(a.name for a in node.names)))
        elif isinstance(node, ast.ImportFrom):
            base = _base(module, is_package, node.level, node.module)
            found.append(Import(node.lineno, tuple(base if a.name == "*" else f"{base}.{a.name}"
                                                   for a in node.names)))
        elif isinstance(node, ast.Call) and _is_import_call(node) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append(Import(node.lineno, (first.value,)))
    return sorted(found, key=lambda i: i.line)


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def resolve(imp: Import, importer: str, known: set[str]) -> set[str]:
    """The modules of ``known`` that ``imp`` runs (or needs run) when ``importer`` executes it.

    ``import a.b`` and ``from a import b`` both name ``a.b``; a name that is not a module (a class, a
    function) falls back to the longest prefix that is one (``from a import f`` -> ``a``).
    """
    out: set[str] = set()
    for name in imp.names:
        target = name
        while target and target not in known:
            target = target.rpartition(".")[0]
        if not target:
            continue  # not ours (stdlib, third party)
        out.add(target)
        importer_packages = set(_ancestors(importer))
        out.update(a for a in _ancestors(target) if a in known and a not in importer_packages)
    out.discard(importer)
    return out


def graph(src: Path = SRC) -> dict[str, dict[str, int]]:
    """module -> {imported module: first line importing it} for every module under src/souk."""
    files = module_files(src)
    known = set(files)
    edges: dict[str, dict[str, int]] = {}
    for name, path in files.items():
        out: dict[str, int] = {}
        for imp in imports(path.read_text(encoding="utf-8"), name, is_package=path.name == "__init__.py"):
            for target in resolve(imp, name, known):
                out.setdefault(target, imp.line)
        edges[name] = out
    return edges


def cycles(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted; a module that
    imports itself is not counted (``resolve`` drops it)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0

    def visit(root: str) -> None:
        nonlocal counter
        work = [(root, iter(sorted(edges.get(root, {}))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, {})))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))

    for name in sorted(edges):
        if name not in index:
            visit(name)
    return sorted(out)


def one_cycle(component: list[str], edges: dict[str, dict[str, int]]) -> list[str]:
    """A shortest closed path through the component's first module, as 'a:LINE -> b:LINE -> ... -> a'."""
    members = set(component)
    start = component[0]
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt: list[str] = []
        for node in frontier:
            for child in sorted(edges[node]):
                if child not in members:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    path.reverse()
                    path.append(start)
                    return [f"{a} (line {edges[a][b]})" for a, b in itertools.pairwise(path)] + [start]
                if child not in previous and child != start:
                    previous[child] = node
                    nxt.append(child)
        frontier = nxt
    return component
