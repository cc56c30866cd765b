"""The shape of src/souk: no import circles, files that say why they are long, the cheap layer rules.

Imports are read from source (tests/unit/_imports.py says exactly what counts: every import statement,
inside functions and under TYPE_CHECKING too, relative ones resolved, package ``__init__`` files included).

Long files: a module over MAX_LINES lines must say why within its first MARKER_WITHIN lines, on a comment or
docstring line that starts with MARKER ("Over 500 lines because ..."), so a reader meets the reason before
the length.

Layers (shared/STYLE.md): ``core`` imports nothing of ours outside core; ``domain`` imports only core and
domain and nothing that does I/O; ``media``, ``rtm``, ``agent`` and ``signal`` know nothing of commerce
(signaling sees the live stage and consult calls only through its own Protocols).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.unit._imports import SRC, Import, cycles, graph, imports, module_files, one_cycle, resolve

MAX_LINES = 500
MARKER = "Over 500 lines because"
MARKER_WITHIN = 10

# Modules whose import in domain/ would mean I/O (files, sockets, processes, databases, clocks of the OS are
# fine: datetime and zoneinfo read no state of ours).
IO_MODULES = {
    "asyncio", "socket", "ssl", "select", "selectors", "subprocess", "threading", "multiprocessing",
    "concurrent", "os", "io", "pathlib", "shutil", "tempfile", "glob", "sqlite3", "urllib", "http", "logging",
    "sqlalchemy", "aiosqlite", "asyncpg", "psycopg", "httpx", "aiohttp", "requests", "websockets", "redis",
    "uvicorn", "fastapi", "starlette", "importlib",
}
# What media, rtm and agent must not know: commerce and the layers that join it to them.
COMMERCE = {"domain", "storage", "assistant", "desk", "live", "consult", "api", "cli", "web", "data", "bench"}
ENGINES = ("media", "rtm", "agent", "signal", "translate")  # signal: beside rtm, typed against Protocols


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


@pytest.fixture(scope="module")
def edges() -> dict[str, dict[str, int]]:
    return graph()


def test_no_import_circles_in_src_souk(edges: dict[str, dict[str, int]]) -> None:
    found = cycles(edges)
    shown = [" -> ".join(one_cycle(c, edges)) + (f"\n   (all of: {', '.join(c)})" if len(c) > 2 else "")
             for c in found]
    assert not found, "import circles (module (line of the import) -> ...):\n" + "\n".join(shown)


def _states_why(lines: list[str]) -> bool:
    for line in lines[:MARKER_WITHIN]:
        text = line.strip().lstrip("#").strip().lstrip("rbuRBU").lstrip("\"'").strip()
        if text.startswith(MARKER):
            return True
    return False


def test_no_file_over_500_lines_without_its_reason_at_the_top() -> None:
    long = []
    for path in module_files().values():
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > MAX_LINES and not _states_why(lines):
            long.append(f"{path.relative_to(SRC)}: {len(lines)} lines")
    assert not long, f"over {MAX_LINES} lines, no '{MARKER} ...' line in the first {MARKER_WITHIN}: {long}"


def _ours_outside(edges: dict[str, dict[str, int]], layer: str, allowed: set[str]) -> list[str]:
    return [f"{m} (line {line}) imports {target}" for m, out in sorted(edges.items()) if _layer(m) == layer
            for target, line in sorted(out.items()) if target != "souk" and _layer(target) not in allowed]


def test_core_imports_nothing_of_ours_outside_core(edges: dict[str, dict[str, int]]) -> None:
    assert not _ours_outside(edges, "core", {"core"})


def test_domain_imports_only_core_and_domain(edges: dict[str, dict[str, int]]) -> None:
    assert not _ours_outside(edges, "domain", {"core", "domain"})


def _io_uses(source: str, module: str, is_package: bool) -> list[str]:
    found = [f"line {imp.line}: {name}" for imp in imports(source, module, is_package=is_package)
             for name in imp.names if name.split(".")[0] in IO_MODULES]
    found += [f"line {n.lineno}: open()" for n in ast.walk(ast.parse(source))
              if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "open"]
    return found


def test_domain_does_no_io() -> None:
    offenders = {}
    for name, path in module_files().items():
        if _layer(name) == "domain":
            uses = _io_uses(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")
            if uses:
                offenders[name] = uses
    assert not offenders, offenders


@pytest.mark.parametrize("engine", ENGINES)
def test_media_rtm_and_agent_know_nothing_of_commerce(edges: dict[str, dict[str, int]], engine: str) -> None:
    bad = [f"{m} (line {line}) imports {t}" for m, out in sorted(edges.items()) if _layer(m) == engine
           for t, line in sorted(out.items()) if _layer(t) in COMMERCE]
    assert not bad, bad


# ---------------------------------------------------------------- the checks themselves can fail


def _graph_of(tmp_path: Path, files: dict[str, str]) -> dict[str, dict[str, int]]:
    for rel, text in files.items():
        path = tmp_path / "souk" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "souk" / "__init__.py").touch()
    return graph(tmp_path)


@pytest.mark.parametrize("b_source", [
    "from souk.a import X\n",  # top level
    "def f():\n    from souk.a import X\n",  # inside a function
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from souk.a import X\n",
    "from . import a\n",  # relative, names a module
    "from .a import X\n",
    "import souk.a\n",
    "import importlib\nimportlib.import_module('souk.a')\n",
])
def test_a_circle_is_found_whatever_kind_of_import_closes_it(tmp_path: Path, b_source: str) -> None:
    edges = _graph_of(tmp_path, {"a.py": "from souk.b import Y\nX = 1\n", "b.py": b_source + "Y = 2\n"})
    assert cycles(edges) == [["souk.a", "souk.b"]]
    assert one_cycle(["souk.a", "souk.b"], edges)[0] == "souk.a (line 1)"


def test_a_circle_through_a_package_init_is_found(tmp_path: Path) -> None:
    """pkg/__init__ re-exports pkg.m; other.py imports pkg.m (which runs pkg/__init__ first), and pkg.m
    imports other: other -> pkg -> pkg.m -> other."""
    edges = _graph_of(tmp_path, {
        "pkg/__init__.py": "from souk.pkg.m import M\n", "pkg/m.py": "from souk.other import O\nM = 1\n",
        "other.py": "from souk.pkg.m import M\nO = 2\n"})
    assert cycles(edges) == [["souk.other", "souk.pkg", "souk.pkg.m"]]


def test_a_module_importing_a_sibling_is_no_circle_with_its_own_package(tmp_path: Path) -> None:
    """souk.pkg/__init__ imports pkg.m, pkg.m imports pkg.n: pkg has started before m runs, so no circle."""
    edges = _graph_of(tmp_path, {"pkg/__init__.py": "from souk.pkg.m import M\n",
                                 "pkg/m.py": "from souk.pkg.n import N\nM = 1\n", "pkg/n.py": "N = 1\n"})
    assert cycles(edges) == []
    assert edges["souk.pkg.m"] == {"souk.pkg.n": 1}


def test_from_package_import_a_name_counts_the_package_and_a_module_counts_the_module() -> None:
    known = {"souk.pkg", "souk.pkg.mod", "souk.x"}
    assert resolve(Import(1, ("souk.pkg.mod",)), "souk.x", known) == {"souk.pkg", "souk.pkg.mod"}
    assert resolve(Import(1, ("souk.pkg.func",)), "souk.x", known) == {"souk.pkg"}
    assert resolve(Import(1, ("json",)), "souk.x", known) == set()
    # inside the package: a sibling does not count the package (started first), a name from its __init__ does
    known |= {"souk.pkg.other"}
    assert resolve(Import(1, ("souk.pkg.other",)), "souk.pkg.mod", known) == {"souk.pkg.other"}
    assert resolve(Import(1, ("souk.pkg.func",)), "souk.pkg.mod", known) == {"souk.pkg"}


@pytest.mark.parametrize(("head", "ok"), [
    ('"""Over 500 lines because the table below is one wire format."""\n', True),
    ('"""The wire format.\n\nOver 500 lines because the table below is one wire format.\n"""\n', True),
    ("# Over 500 lines because: generated\n", True),
    ('"""The wire format (it has many lines)."""\n', False),
    ("\n" * MARKER_WITHIN + "# Over 500 lines because it is late in the file\n", False),
])
def test_the_long_file_marker(head: str, ok: bool) -> None:
    assert _states_why((head + "x = 1\n" * 600).splitlines()) is ok


def test_the_io_check_sees_imports_and_open() -> None:
    assert _io_uses("import asyncio\n", "souk.domain.x", False)
    assert _io_uses("def f():\n    from pathlib import Path\n", "souk.domain.x", False)
    assert _io_uses("def f(p):\n    return open(p).read()\n", "souk.domain.x", False)
    assert not _io_uses("import re\nfrom decimal import Decimal\n", "souk.domain.x", False)
