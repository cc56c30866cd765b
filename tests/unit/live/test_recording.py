"""Recorder on fake converters: manifest lifecycle, ready with checks, failures with a reason."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from souk.core.errors import NotFound
from souk.live.recording import Binaries, Recorder, read_manifest
from souk.live.stage import Show


def _show(ended: float | None = None, recording: bool = True) -> Show:
    return Show(merchant_id="m1", room_id="r1", show_id="s1", title="T", started_at=100.0,
                recording=recording, host="alice", ended_at=ended)


def _script(path: Path, body: str) -> str:
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def _fakes(tmp: Path, duration: str = "3.0", pp_rc: int = 0) -> Binaries:
    # janus-pp-rec IN OUT / ffmpeg ... OUT (last arg) / ffprobe ... -> duration
    pp = _script(tmp / "pp", f'[ {pp_rc} -ne 0 ] && {{ echo "bad mjr header" >&2; exit {pp_rc}; }}; echo x > "$2"')
    ff = _script(tmp / "ff", 'for a; do last="$a"; done; echo x > "$last"')
    fp = _script(tmp / "fp", f'echo {duration}')
    return Binaries(pp_rec=pp, ffmpeg=ff, ffprobe=fp)


def _mjr(folder: Path, prefix: str = "alice-1") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{prefix}-video-0.mjr").write_bytes(b"MJR")
    (folder / f"{prefix}-audio-1.mjr").write_bytes(b"MJR")


async def _run(tmp: Path, bins: Binaries, files: bool = True) -> dict:
    rec = Recorder(tmp / "rec", bins)
    await rec.show_started(_show())
    folder = rec.folder("m1", "r1", "s1")
    assert read_manifest(folder)["status"] == "recording"
    if files:
        _mjr(folder)
    await rec.show_ended(_show(ended=103.0))
    assert read_manifest(folder)["status"] in ("processing", "ready", "failed")
    await rec.convert(folder)
    await rec.aclose()
    assert [r["id"] for r in rec.list_room("m1", "r1")] == ["r1.s1"]
    return read_manifest(folder)


async def test_ready_with_host_main_file(tmp_path: Path) -> None:
    data = await _run(tmp_path, _fakes(tmp_path))
    assert data["status"] == "ready", data
    assert data["participants"] == [{"identity": "alice", "file": "alice-1.webm", "duration_s": 3.0, "main": True}]


async def test_missing_mjr_fails_with_reason(tmp_path: Path) -> None:
    data = await _run(tmp_path, _fakes(tmp_path), files=False)
    assert data["status"] == "failed" and "no .mjr" in data["reason"]


async def test_converter_exit_code_and_stderr(tmp_path: Path) -> None:
    data = await _run(tmp_path, _fakes(tmp_path, pp_rc=3))
    assert data["status"] == "failed"
    assert "exited 3" in data["reason"] and "bad mjr header" in data["reason"]


async def test_missing_binary(tmp_path: Path) -> None:
    bins = Binaries(pp_rec=str(tmp_path / "nope"), ffmpeg="ffmpeg", ffprobe="ffprobe")
    data = await _run(tmp_path, bins)
    assert data["status"] == "failed" and "not runnable" in data["reason"]


async def test_short_output_fails(tmp_path: Path) -> None:
    data = await _run(tmp_path, _fakes(tmp_path, duration="0"))
    assert data["status"] == "failed" and "too short" in data["reason"], data


async def test_not_recording_writes_nothing_and_traversal_refused(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "rec", _fakes(tmp_path))
    await rec.show_started(_show(recording=False))
    assert rec.list_room("m1", "r1") == []
    with pytest.raises(NotFound):
        rec.get("m1", "../x.s1")
