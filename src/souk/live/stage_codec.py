"""A room's stage as JSON bytes: how it is kept in the shared state and told on the bus (pure, no I/O)."""

from __future__ import annotations

import json
from typing import Any

from souk.live.stage import Hand, PkLink, RoomStage, Show


def encode_stage(state: RoomStage) -> bytes:
    show = state.show
    data: dict[str, Any] = {
        "room_id": state.room_id, "merchant_id": state.merchant_id,
        "show": None if show is None else {
            "show_id": show.show_id, "title": show.title, "started_at": show.started_at,
            "recording": show.recording, "host": show.host, "ended_at": show.ended_at},
        "hands": [[h.identity, h.name, h.note, h.at] for h in state.hands.values()],  # queue order
        "invites": state.invites,
        "cohosts": state.cohosts,
        "pk": None if state.pk is None else [state.pk.partner, state.pk.partner_merchant, state.pk.partner_host,
                                             state.pk.active],
        "pk_invited_by": state.pk_invited_by,
    }
    return json.dumps(data, separators=(",", ":"), sort_keys=True).encode()


def decode_stage(raw: bytes) -> RoomStage:
    """Raises ValueError (or KeyError/TypeError) on a malformed value."""
    data = json.loads(raw)
    merchant_id, room_id = str(data["merchant_id"]), str(data["room_id"])
    s = data.get("show")
    show = None if s is None else Show(
        merchant_id=merchant_id, room_id=room_id, show_id=str(s["show_id"]), title=str(s["title"]),
        started_at=float(s["started_at"]), recording=bool(s["recording"]), host=str(s["host"]),
        ended_at=None if s.get("ended_at") is None else float(s["ended_at"]))
    pk = data.get("pk")
    return RoomStage(
        room_id=room_id, merchant_id=merchant_id, show=show,
        hands={str(i): Hand(str(i), str(n), str(t), float(a)) for i, n, t, a in data.get("hands", [])},
        invites={str(k): float(v) for k, v in data.get("invites", {}).items()},
        cohosts={str(k): str(v) for k, v in data.get("cohosts", {}).items()},
        pk=None if pk is None else PkLink(str(pk[0]), str(pk[1]), str(pk[2]), bool(pk[3])),
        pk_invited_by={str(k): str(v) for k, v in data.get("pk_invited_by", {}).items()},
    )
