"""Recordings encrypted at rest, served by the replay API (no media plane): the file on disk is ciphertext
under the merchant's data key, the replay streams the plaintext with byte ranges, a damaged file is an error
(never garbage served as video), and with encryption off nothing changes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from souk.live.recording import write_manifest
from tests.fixtures.browser import CORE_FEATURES, Souk, bearer, running_souk

ROOM = "live-9"
FEATURES = (*CORE_FEATURES, "souk.api.routes.rtm", "souk.api.routes.live", "souk.api.routes.stage",
            "souk.api.routes.replay")
WEBM = b"\x1aE\xdf\xa3\x9fB\x86\x81\x01webm OpusHead " + bytes(i % 251 for i in range(300_000))


@pytest.fixture
async def souk_rec(tmp_path: Path) -> AsyncIterator[Souk]:
    async with running_souk(tmp_path / "souk", features=FEATURES) as s:
        yield s


async def _recording(souk: Souk, show: str) -> Path:
    folder = souk.ctx.settings.data_path / "recordings" / souk.merchant_id / ROOM / show
    write_manifest(folder, {"id": f"{ROOM}.{show}", "room": ROOM, "title": "Lamps", "status": "ready",
                            "reason": None, "started_at": 100.0, "ended_at": 103.0, "host": "hana",
                            "participants": [{"identity": "hana", "file": "hana-1.webm", "duration_s": 3.0,
                                              "main": True}]})
    (folder / "hana-1.webm").write_bytes(WEBM)
    return folder


async def test_sealed_recording_holds_no_plaintext_and_replays_with_ranges(souk_rec: Souk) -> None:
    souk = souk_rec
    sealer = souk.ctx.recorder.sealer if souk.ctx.recorder is not None else None
    assert sealer is not None  # encryption at rest is on by default
    folder = await _recording(souk, "s1")
    sealed = await sealer.seal(souk.merchant_id, folder / "hana-1.webm")
    blob = sealed.read_bytes()
    assert not (folder / "hana-1.webm").exists() and sealed.name == "hana-1.webm.enc"
    for marker in (b"\x1aE\xdf\xa3", b"webm", b"OpusHead"):
        assert marker not in blob
    viewer = bearer(souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity="ana", room=ROOM, role="audience"))
    url = f"/v1/replays/{ROOM}.s1/media/hana-1.webm"
    async with httpx.AsyncClient(base_url=souk.base_url, timeout=20) as http:
        r = await http.get(url, headers=viewer)
        assert r.status_code == 200 and r.content == WEBM and r.headers["accept-ranges"] == "bytes"
        assert r.headers["content-type"] == "video/webm"
        for rng, want in (("bytes=10-19", WEBM[10:20]), ("bytes=65530-131080", WEBM[65530:131081]),
                          ("bytes=-7", WEBM[-7:]), ("bytes=299990-", WEBM[299990:])):
            r = await http.get(url, headers={**viewer, "Range": rng})
            assert r.status_code == 206 and r.content == want, rng
            assert r.headers["content-range"].endswith(f"/{len(WEBM)}")
        r = await http.get(url, headers={**viewer, "Range": f"bytes={len(WEBM) + 5}-"})
        assert r.status_code == 416 and r.headers["content-range"] == f"bytes */{len(WEBM)}"
        # another merchant's token does not reach it; a damaged file is refused, not served
        other = bearer(souk.ctx.tokens.mint(merchant_id="acme", identity="ana", room=ROOM, role="audience"))
        assert (await http.get(url, headers=other)).status_code == 404
        damaged = bytearray(blob)
        damaged[len(damaged) // 2] ^= 0xFF
        sealed.write_bytes(bytes(damaged))
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            await http.get(url, headers=viewer)  # the stream breaks off: no silently corrupted video


async def test_plain_recordings_still_replay(souk_rec: Souk) -> None:
    souk = souk_rec
    await _recording(souk, "s2")  # written before encryption was on: served as it is
    viewer = bearer(souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity="ana", room=ROOM, role="audience"))
    async with httpx.AsyncClient(base_url=souk.base_url, timeout=20) as http:
        r = await http.get(f"/v1/replays/{ROOM}.s2/media/hana-1.webm", headers={**viewer, "Range": "bytes=0-3"})
    assert r.status_code == 206 and r.content == WEBM[:4]
