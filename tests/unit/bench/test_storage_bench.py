"""`souk bench storage` runs on a temp SQLite database and prints JSON: exactly the stock sold, none failed."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from souk.bench.storage import register
from souk.core.settings import load_settings


def test_bench_storage_reports_exactly_the_stock_sold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="bench", required=True))
    args = parser.parse_args(["storage", "--buyers", "30", "--stock", "12"])
    rc = args.func(args, load_settings(data_dir=str(tmp_path)))
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert rc == 0 and out["sold"] == 12 and out["stock_left"] == 0 and out["backend"] == "sqlite"
    assert out["failed"] == 0 and out["latency_ms_p50"] is not None
