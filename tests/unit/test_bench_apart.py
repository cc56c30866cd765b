"""Benchmarks, load bots and test clients live in souk.bench, and product code never imports them.

Every module under src/souk is parsed: every import statement (top level or inside a function, absolute or
relative), ``importlib.import_module`` / ``__import__`` / ``find_spec`` calls and any call given a
``"souk.bench..."`` string (``python -m souk.bench.x`` in a subprocess argv) count. The one module outside
souk.bench allowed to use it is the CLI entry point that wires ``souk bench ...``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.unit._imports import SRC, imports, module_name

BENCH = "souk.bench"
ALLOWED = {"souk.cli.main"}  # wires the `souk bench ...` sub-commands (souk.bench.cli.register)


def _is_bench(name: str) -> bool:
    return name == BENCH or name.startswith(BENCH + ".")


def _strings(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def bench_uses(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """Every way ``source`` (the text of ``module``) reaches souk.bench, as 'line N: what'."""
    by_line: dict[int, set[str]] = {}
    for imp in imports(source, module, is_package=is_package):  # every import statement, resolved
        by_line.setdefault(imp.line, set()).update(n for n in imp.names if _is_bench(n))
    for node in ast.walk(ast.parse(source)):  # any call given a "souk.bench..." string (subprocess argv)
        if isinstance(node, ast.Call):
            strings = [s for arg in [*node.args, *(k.value for k in node.keywords)] for s in _strings(arg)]
            by_line.setdefault(node.lineno, set()).update(s for s in strings if _is_bench(s))
    return [f"line {line}: {', '.join(sorted(hits))}" for line, hits in sorted(by_line.items()) if hits]


def _modules() -> list[Path]:
    return sorted((SRC / "souk").rglob("*.py"))


def test_product_code_never_imports_souk_bench() -> None:
    offenders = {}
    for path in _modules():
        name = module_name(path)
        if _is_bench(name) or name in ALLOWED:
            continue
        uses = bench_uses(path.read_text(encoding="utf-8"), name, is_package=path.name == "__init__.py")
        if uses:
            offenders[str(path.relative_to(SRC))] = uses
    assert not offenders, f"product modules that reach souk.bench: {offenders}"


def test_the_cli_entry_point_is_what_wires_the_benches() -> None:
    main = SRC / "souk" / "cli" / "main.py"
    assert bench_uses(main.read_text(encoding="utf-8"), "souk.cli.main"), "souk.cli.main no longer wires souk bench"


def test_benches_live_in_souk_bench_only() -> None:
    """No ``bench`` package or module is left in a product package."""
    stray = [str(p.relative_to(SRC)) for p in _modules()
             if "bench" in p.stem.split("_") + p.parent.name.split("_") and not _is_bench(module_name(p))]
    assert not stray, stray


@pytest.mark.parametrize(("source", "module"), [
    ("import souk.bench.bots\n", "souk.media.x"),
    ("from souk.bench.bots import PublisherBot\n", "souk.media.x"),
    ("from souk import bench\n", "souk.media.x"),
    ("from .. import bench\n", "souk.media.x"),
    ("from ..bench.bots import PublisherBot\n", "souk.media.x"),
    ("def f():\n    from souk.bench import cli\n", "souk.api.x"),
    ("import importlib\ndef f():\n    importlib.import_module('souk.bench.rtm.run')\n", "souk.api.x"),
    ("def f():\n    return __import__('souk.bench')\n", "souk.api.x"),
    ("import subprocess, sys\nsubprocess.run([sys.executable, '-m', 'souk.bench.rtm.loadgen'])\n", "souk.rtm.x"),
])
def test_the_scan_sees_every_kind_of_import(source: str, module: str) -> None:
    assert bench_uses(source, module)


@pytest.mark.parametrize("source", [
    '"""Docstrings may name souk.bench.raw."""\n',
    "import souk.benchmarks\nfrom souk.media import bench_like\n",
    "from . import bench\n",  # souk.media.bench would be a stray module, caught by the layout test
])
def test_the_scan_does_not_flag_what_is_not_an_import_of_souk_bench(source: str) -> None:
    assert not bench_uses(source, "souk.media.x")
