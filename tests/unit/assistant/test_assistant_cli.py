"""``souk agent replay`` end to end through the real command (one process, every case, one result line each)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from souk.cli.main import main


def test_replay_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in [
        {"id": "a", "customer": "C-510", "turns": ["Where is my package?", "It's order 1014"]},
        {"id": "b", "customer": None, "lang": "es", "turns": ["¿Cuánto tarda el envío estándar a México?"]},
    ]), encoding="utf-8")
    out = tmp_path / "results.jsonl"
    assert main(["agent", "replay", str(cases), "--out", str(out), "--offline"]) == 0
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in results] == ["a", "b"]
    assert len(results[0]["replies"]) == 2 and "JD9848249509" in results[0]["replies"][1]["text"]
    reply = results[1]["replies"][0]
    assert reply["language"] == "es" and reply["handoff"] is None and reply["tool_calls"][0]["name"] == "shipping_info"
    assert '"turn_p50_ms"' in capsys.readouterr().err
    assert main(["agent", "replay", str(tmp_path / "missing.jsonl"), "--out", str(out)]) == 2
