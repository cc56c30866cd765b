"""Recording with a real Janus: an aiortc host publishes ~3 s with record on, the show ends, the Recorder
converts (janus-pp-rec + ffmpeg) to a playable file of about the show's length; a broken converter shows
failed with a reason. Run through the netns wrapper."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from souk.live.recording import Binaries
from tests.fixtures.browser import CORE_FEATURES, Souk, media_souk
from tests.integration.live.test_stage_media import Peer

pytestmark = [pytest.mark.janus, pytest.mark.slow]

FEATURES = (*CORE_FEATURES, "souk.api.routes.rtm", "souk.api.routes.live", "souk.api.routes.stage",
            "souk.api.routes.replay")


@pytest.fixture
async def souk_rec(tmp_path: Path) -> AsyncIterator[Souk]:
    if shutil.which("janus-pp-rec") is None:
        pytest.skip("janus-pp-rec not installed (make setup installs janus-tools)")
    async with media_souk(tmp_path, FEATURES) as s:
        yield s


async def _show(souk: Souk, http: httpx.AsyncClient, room: str) -> dict[str, Any]:
    host = Peer(souk, http, "hana", room, "host")
    try:
        r = await host.call("POST", "show", {"title": "Lamps", "record": True})
        assert r.status_code == 200 and r.json()["recording"] is True, r.text
        await host.connect()
        await host.join()
        await host.publish()
        await asyncio.sleep(3.5)
        r = await host.call("POST", "show/end")
        assert r.status_code == 200, r.text
        for _ in range(600):
            r = await host.call("GET", "recordings")
            assert r.status_code == 200, r.text
            recs = r.json()["recordings"]
            if recs and recs[0]["status"] in ("ready", "failed"):
                return dict(recs[0])
            await asyncio.sleep(0.1)
        raise AssertionError(f"recording not finished: {r.text}")
    finally:
        await host.aclose()


async def _duration(f: Path) -> float:
    proc = await asyncio.create_subprocess_exec(
        "ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(f),
        stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    return float(json.loads(out)["format"]["duration"])


async def test_recorded_show_becomes_a_playable_file(souk_rec: Souk, tmp_path: Path) -> None:
    souk, room = souk_rec, "live-rec"
    async with httpx.AsyncClient(base_url=souk.base_url, timeout=20) as http:
        rec = await _show(souk, http, room)
    assert rec["status"] == "ready", rec
    [p] = rec["participants"]
    assert p["identity"] == "hana" and p["main"]
    show_id = rec["id"].split(".", 1)[1]
    folder = souk.ctx.media.recordings_dir / souk.merchant_id / room / show_id
    # encrypted at rest (the default): only ciphertext on disk, no WebM/Opus/Janus headers, .mjr sources too
    assert not (folder / p["file"]).exists() and (folder / (p["file"] + ".enc")).exists()
    assert list(folder.glob("*.mjr.enc")) and not list(folder.glob("*.mjr"))
    for f in folder.iterdir():
        if f.name != "manifest.json":
            blob = f.read_bytes()
            assert not any(m in blob for m in (b"\x1aE\xdf\xa3", b"webm", b"OpusHead", b"MJR0")), f.name
    # ... and the replay decrypts it into a playable file of about the show's length
    viewer = souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity="ana", room=room, role="audience")
    async with httpx.AsyncClient(base_url=souk.base_url, timeout=20) as http:
        r = await http.get(f"/v1/replays/{rec['id']}/media/{p['file']}", headers={"Authorization": f"Bearer {viewer}"})
    assert r.status_code == 200, r.text
    f = tmp_path / "replayed.webm"
    f.write_bytes(r.content)
    assert 1.5 < await _duration(f) < 6.0


async def test_broken_converter_shows_failed_with_reason(souk_rec: Souk) -> None:
    souk, room = souk_rec, "live-rec2"
    souk.ctx.recorder.bin = Binaries(pp_rec="/bin/false", ffmpeg="ffmpeg", ffprobe="ffprobe")
    async with httpx.AsyncClient(base_url=souk.base_url, timeout=20) as http:
        rec = await _show(souk, http, room)
    assert rec["status"] == "failed" and "false exited 1" in rec["reason"], rec
    folder = souk.ctx.media.recordings_dir / souk.merchant_id / room / rec["id"].split(".", 1)[1]
    # what a failed conversion leaves is encrypted too: no plain Janus recording stays on disk
    assert list(folder.glob("*.mjr.enc")) and not list(folder.glob("*.mjr"))
