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

SRC = Path(__file__).resolve().parents[2] / "src"
BENCH = "souk.bench"
ALLOWED = {"souk.cli.main"}  # wires the `souk bench ...` sub-commands (souk.bench.cli.register)
MAX_LINES = 500


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_bench(name: str) -> bool:
    return name == BENCH or name.startswith(BENCH + ".")


def _strings(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def bench_uses(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """Every way ``source`` (the text of ``module``) reaches souk.bench, as 'line N: what'."""
    found: list[str] = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)] if node.level > 1 else base_parts
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Call):
            names = [s for arg in [*node.args, *(k.value for k in node.keywords)] for s in _strings(arg)]
        hits = sorted({n for n in names if _is_bench(n)})
        if hits:
            found.append(f"line {node.lineno}: {', '.join(hits)}")
    return found


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


def test_bench_files_over_500_lines_say_why_at_the_top() -> None:
    long = []
    for path in sorted((SRC / "souk" / "bench").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > MAX_LINES and "lines" not in "\n".join(lines[:15]):
            long.append(f"{path.relative_to(SRC)}: {len(lines)} lines")
    assert not long, long


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
