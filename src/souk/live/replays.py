"""The replay side of recorded shows: a room's recordings, one replay with its chapters and chat, its media
files, and adding a chapter's product to the cart.

:class:`ReplayService` is what the replay routes call. It reads the recordings (:class:`Recorder`), the
room channel's history through the small :class:`RoomHistory` port (RTM in the app) and puts products in
the viewer's cart through live commerce. Chapters and chat are assembled by the pure souk.live.replay.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Protocol

from souk.auth.tokens import AccessClaims
from souk.core.errors import Forbidden, NotFound, SoukError
from souk.live.access import require_host
from souk.live.recording import Recorder, SealedReader
from souk.live.replay import assemble, decode
from souk.live.service import LiveCommerce

log = logging.getLogger(__name__)

HISTORY_LIMIT = 1000  # the room channel's last messages a replay reads its chapters and chat from


class RoomHistory(Protocol):
    async def history(self, merchant_id: str, room_id: str, *, limit: int) -> list[bytes]:
        """The room channel's last ``limit`` messages, oldest first (raw JSON)."""


class ReplayService:
    def __init__(self, recorder: Recorder, history: RoomHistory | None, live: LiveCommerce) -> None:
        self.recorder = recorder
        self._history = history  # None: no RTM in this process; replays have no chapters or chat
        self._live = live

    def recordings(self, claims: AccessClaims, room_id: str) -> list[dict[str, Any]]:
        """The room's recordings with their status and reason (the host side of the room)."""
        require_host(claims, room_id, "list recordings")
        return [_public(d) for d in self.recorder.list_room(claims.merchant_id, room_id)]

    async def replay(self, claims: AccessClaims, recording_id: str) -> dict[str, Any]:
        """One recording with its main video's URL, chapters (pins) and chat at offsets from the start."""
        data = self._manifest(claims, recording_id)[1]
        out = _public(data)
        main = next((p for p in out["participants"] if p.get("main")), None)
        out["video_url"] = f"/v1/replays/{recording_id}/media/{main['file']}" if main else None
        out["chapters"], out["chat"] = await self._chapters_and_chat(claims.merchant_id, data)
        return out

    def media_file(self, claims: AccessClaims, recording_id: str, name: str) -> Path:
        """The path of one of a ready recording's files (404 ``replay_media_not_found`` for anything else)."""
        folder, data = self._manifest(claims, recording_id)
        files = {p["file"] for p in data.get("participants", [])}
        if data["status"] != "ready" or name not in files:
            log.warning("replay %s: media %r refused (status %s)", recording_id, name, data["status"])
            raise NotFound("no such replay file", code="replay_media_not_found")
        return folder / name

    async def media(self, claims: AccessClaims, recording_id: str, name: str) -> Path | SealedReader:
        """A ready recording's file: its path, or a decrypting reader when it is encrypted at rest."""
        path = self.media_file(claims, recording_id, name)
        return await self.recorder.media(claims.merchant_id, path.parent, name)

    async def add_to_cart(self, claims: AccessClaims, recording_id: str, sku: str, qty: int) -> list[dict[str, Any]]:
        """Add a chapter's product to the viewer's cart of the room (403 ``not_a_chapter`` for any other)."""
        data = self._manifest(claims, recording_id)[1]
        chapters, _ = await self._chapters_and_chat(claims.merchant_id, data)
        if sku not in {c["sku"] for c in chapters}:
            log.warning("replay %s: %s tried to add %s, not a chapter; refused", recording_id, claims.identity, sku)
            raise Forbidden("only products shown in the replay's chapters may be added", code="not_a_chapter",
                            details={"sku": sku})
        return await self._live.cart_add(claims, data["room"], sku, qty, require_pin=False)

    def manifest(self, claims: AccessClaims, recording_id: str) -> dict[str, Any]:
        """A recording's manifest (its room, show id, start) for a reader of the room (the replay's captions)."""
        return self._manifest(claims, recording_id)[1]

    def _manifest(self, claims: AccessClaims, recording_id: str) -> tuple[Path, dict[str, Any]]:
        folder, data = self.recorder.get(claims.merchant_id, recording_id)
        claims.require_room(data["room"])
        return folder, data

    async def _chapters_and_chat(self, merchant_id: str, data: dict[str, Any]) -> tuple[list[Any], list[Any]]:
        """Chapters and chat from the room channel's history; empty without a history or a start."""
        if self._history is None or not data.get("started_at"):
            return [], []
        try:
            raws = await self._history.history(merchant_id, data["room"], limit=HISTORY_LIMIT)
        except SoukError as exc:
            log.warning("replay %s: no RTM history: %s", data["id"], exc.message)
            return [], []
        return assemble(decode(raws), float(data["started_at"]), data.get("ended_at"))


def _public(data: dict[str, Any]) -> dict[str, Any]:
    started, ended = data.get("started_at"), data.get("ended_at")
    return {
        "id": data["id"], "room": data["room"], "title": data.get("title", ""), "status": data["status"],
        "reason": data.get("reason"), "started_at": started, "ended_at": ended,
        "duration_s": round(ended - started, 2) if started and ended else None,
        "participants": data.get("participants", []),
    }
