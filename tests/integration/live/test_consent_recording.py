"""Consent to recording enforced at the recorder, through a real Janus with aiortc peers (docs/privacy.md
"Consent"): in a recorded show a co-host with a standing yes is recorded; withdrawing mid-show stops their
recorder at once (the file is closed and stops growing, their feed goes on); a co-host whose consent was
withdrawn before publishing is published unrecorded (told ``not_recorded``) and no file of theirs exists."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.browser import CORE_FEATURES, Souk, bearer, media_souk
from tests.integration.live.test_stage_media import Peer, feeds_up

pytestmark = [pytest.mark.janus]

FEATURES = (*CORE_FEATURES, "souk.api.routes.live", "souk.api.routes.stage", "souk.api.routes.consent")


@pytest.fixture
async def souk_live(tmp_path: Path) -> AsyncIterator[Souk]:
    async with media_souk(tmp_path, FEATURES) as s:
        yield s


def _files(folder: Path, who: str) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in folder.glob(f"{who}-*") if p.is_file()} if folder.is_dir() else {}


async def _growing(folder: Path, who: str) -> dict[str, int]:
    for _ in range(200):
        files = _files(folder, who)
        if files and all(n > 2000 for n in files.values()):
            return files
        await asyncio.sleep(0.05)
    raise AssertionError(f"no growing recording of {who}: {_files(folder, who)}")


async def _on_stage(host: Peer, p: Peer) -> str:
    assert (await host.call("POST", "stage/invite", {"identity": p.identity})).status_code == 200
    r = await p.call("POST", "stage/accept", {"consent_recording": True, "language": "es"})
    assert r.status_code == 200 and r.json()["recording"] is True, r.text
    return str(r.json()["token"])


async def test_withdrawn_consent_stops_and_prevents_recording(souk_live: Souk) -> None:
    souk, room = souk_live, "live-consent"
    async with httpx.AsyncClient(base_url=souk.base_url, timeout=20) as http:
        host = Peer(souk, http, "hana", room, "host")
        ana = Peer(souk, http, "ana-shopper", room, "audience")
        bo = Peer(souk, http, "bo-shopper", room, "audience")
        try:
            r = await host.call("POST", "show", {"title": "Lamps", "record": True})
            show = souk.ctx.media.recordings_dir / souk.merchant_id / room / r.json()["show_id"]
            await host.connect()
            await host.join()
            await host.publish()

            # ana agreed on the banner (in Spanish): she is recorded
            token = await _on_stage(host, ana)
            mine = (await http.get("/v1/consent", headers=bearer(ana.token))).json()["consents"]["recording"]
            assert mine["state"] == "granted" and mine["record"]["language"] == "es"
            assert mine["record"]["channel"] == "watch_page"
            await ana.connect(token)
            await ana.join()
            await ana.publish()
            await feeds_up(souk, room, {"hana", "ana-shopper"})
            before = await _growing(show, "ana-shopper")

            # she withdraws mid-show: the recorder stops before the answer, she is told, her feed goes on
            r = await http.delete("/v1/consent/recording", params={"language": "es", "channel": "watch_page"},
                                  headers=bearer(token))
            assert r.status_code == 200 and r.json()["record"]["granted"] is False, r.text
            stopped = await ana.sig.next_event("stage", event="recording_stopped")  # type: ignore[union-attr]
            assert stopped["identity"] == "ana-shopper"
            await asyncio.sleep(1.0)  # Janus closes the file (.mjr.tmp -> .mjr)
            closed = _files(show, "ana-shopper")
            assert closed and not any(n.endswith(".tmp") for n in closed), closed
            await asyncio.sleep(1.5)
            assert _files(show, "ana-shopper") == closed  # not a byte more
            assert sum(closed.values()) >= sum(before.values())
            await _growing(show, "hana")  # the host's recording goes on

            # bo accepted, then withdrew before publishing: published, told, not recorded
            token = await _on_stage(host, bo)
            r = await http.delete("/v1/consent/recording", headers=bearer(token))
            assert r.status_code == 200
            await bo.connect(token)
            await bo.join()
            await bo.publish()
            told = await bo.sig.next_event("stage", event="not_recorded")  # type: ignore[union-attr]
            assert told["identity"] == "bo-shopper"
            await feeds_up(souk, room, {"hana", "ana-shopper", "bo-shopper"})
            await asyncio.sleep(1.5)
            assert _files(show, "bo-shopper") == {}

            # cy said yes before (any channel): accepting without the flag, that standing yes counts
            cy = Peer(souk, http, "cy-shopper", room, "audience")
            r = await http.post("/v1/consent", headers=bearer(cy.token),
                                json={"kind": "recording", "granted": True, "language": "pt", "channel": "api"})
            assert r.status_code == 200, r.text
            assert (await host.call("POST", "stage/invite", {"identity": "cy-shopper"})).status_code == 200
            r = await cy.call("POST", "stage/accept", {})
            assert r.status_code == 200 and r.json()["recording"] is True, r.text
            r = await bo.call("POST", "stage/accept", {"consent_recording": True, "text_version": "made-up"})
            assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_text_version", r.text

            assert (await host.call("POST", "show/end")).status_code == 200
            await asyncio.sleep(0.5)
            assert _files(show, "bo-shopper") == {}
            assert _files(show, "ana-shopper") == closed
        finally:
            for p in (host, ana, bo):
                await p.aclose()
