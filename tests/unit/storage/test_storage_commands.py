"""`souk db ...` parse, run and print JSON (on a temp SQLite database)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from souk.core.settings import load_settings
from souk.storage.commands import register
from souk.storage.migrate import head_revision


def _run(argv: list[str], data_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:  # type: ignore[type-arg]
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    bench = sub.add_parser("bench").add_subparsers(dest="bench", required=True)
    register(sub, bench)
    args = parser.parse_args(argv)
    rc = args.func(args, load_settings(data_dir=str(data_dir)))
    return rc, json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_db_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out = _run(["db", "current"], tmp_path, capsys)
    assert rc == 1 and out["current"] is None
    rc, out = _run(["db", "upgrade"], tmp_path, capsys)
    assert rc == 0 and out["revision"] == head_revision() and (tmp_path / "souk.db").exists()
    rc, first = _run(["db", "seed-demo"], tmp_path, capsys)
    assert rc == 0 and first["api_key"].startswith("sk_") and first["inserted"]["products"] == 21
    rc, second = _run(["db", "seed-demo"], tmp_path, capsys)
    assert second["api_key"] is None and not any(second["inserted"].values()) and "note" in second
    rc, out = _run(["db", "current"], tmp_path, capsys)
    assert rc == 0 and out["current"] == out["head"]

