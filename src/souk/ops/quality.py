"""The quality service: a browser's report into its participant's record, the ops page's figures, the sales
join. Who reports comes from the caller's token and the room's stored kind, never from the report's body; every
figure is computed by souk.domain.quality / quality_agg over the stored records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from souk.core.clock import Clock
from souk.core.errors import BadRequest, Forbidden, NotFound
from souk.core.tenancy import RoomKey
from souk.domain.quality import Participant, QualityRecord, Report, merge, with_server_stats
from souk.domain.quality_agg import Sale, dashboard, quality_vs_sales, record_view, stats
from souk.media.evh import MediaStat

MAX_WINDOW_S = 366 * 86400
Change = Callable[[QualityRecord | None], QualityRecord | None]


class QualityStore(Protocol):
    async def apply(self, merchant_id: str, room_id: str, identity: str, session_id: str,
                    change: Change) -> QualityRecord | None: ...

    async def window(self, merchant_id: str, since: float, until: float, *,
                     max_rows: int = ...) -> tuple[list[QualityRecord], bool]: ...

    async def room(self, merchant_id: str, room_id: str, *, max_rows: int = ...) -> list[QualityRecord]: ...

    async def sales(self, merchant_id: str, customers: set[str], since: float, until: float) -> list[Sale]: ...

    async def latest_session(self, merchant_id: str, room_id: str, identity: str) -> str | None: ...


class Publishers(Protocol):
    def publisher_of(self, handle_id: int) -> tuple[RoomKey, str] | None:
        """(room, identity) of the publisher on a Janus handle this process opened."""
        ...


class RoomKinds(Protocol):
    async def kind_of(self, merchant_id: str, room_id: str) -> str | None:
        """The stored room's kind (consult, live, voice); None when the merchant has no such room."""
        ...


class Currencies(Protocol):
    async def currency_of(self, merchant_id: str) -> str: ...


@dataclass(frozen=True, slots=True)
class Reporter:
    """The caller of POST /v1/quality/reports, from its token."""

    merchant_id: str
    identity: str
    role: str
    room: str  # the token's room, or "*" (staff: any room of the merchant)
    region: str = ""


class QualityService:
    def __init__(self, store: QualityStore, rooms: RoomKinds, currencies: Currencies, clock: Clock, *,
                 attribution_s: float) -> None:
        self._store = store
        self._rooms = rooms
        self._currencies = currencies
        self._clock = clock
        self._attribution_s = attribution_s

    async def report(self, who: Reporter, report: Report) -> QualityRecord | None:
        """Fold ``report`` into the caller's record of that join; None when it was already folded in (retry).
        A room other than the token's is 403 ``wrong_room``; a room the merchant does not have, 404."""
        if who.room not in ("*", report.room_id):
            raise Forbidden("this token reports for its own room only", code="wrong_room",
                            details={"room": who.room})
        kind = await self._rooms.kind_of(who.merchant_id, report.room_id)
        if kind is None:
            raise NotFound(f"room {report.room_id!r} not found", code="room_not_found")
        participant = Participant(merchant_id=who.merchant_id, identity=who.identity, role=who.role, kind=kind,
                                  region=who.region)
        now = self._clock.wall()
        return await self._store.apply(who.merchant_id, report.room_id, who.identity, report.session_id,
                                       lambda before: merge(before, report, participant, now))

    async def janus_stats(self, stats: list[MediaStat], publishers: Publishers | None) -> dict[str, int]:
        """Janus's media statistics beside the browsers' reports: a publisher's handle is its participant's
        uplink as Janus receives it (``server.uplink_audio`` / ``uplink_video`` of their latest record in the
        room). Handles this process did not open, subscribers, and participants with no record yet are counted
        as ``unmatched``."""
        matched = unmatched = 0
        for st in stats:
            owner = publishers.publisher_of(st.handle_id) if publishers is not None else None
            if owner is None or not owner[1]:
                unmatched += 1
                continue
            room, identity = owner
            session = await self._store.latest_session(room.merchant_id, room.room_id, identity)
            if session is None:
                unmatched += 1
                continue
            entry: dict[str, Any] = {**st.stats, "codec": st.codec, "at": self._clock.wall()}
            await self._store.apply(room.merchant_id, room.room_id, identity, session,
                                    _server_change(f"uplink_{st.medium}", entry))
            matched += 1
        return {"matched": matched, "unmatched": unmatched}

    # ---------------------------------------------------------------- the ops page's reads

    def _span(self, hours: float) -> tuple[float, float]:
        if not 0 < hours * 3600 <= MAX_WINDOW_S:
            raise BadRequest("hours must be more than 0 and at most 8784", code="bad_value",
                             details={"field": "hours"})
        until = self._clock.wall()
        return until - hours * 3600, until + 1

    async def dashboard(self, merchant_id: str, *, hours: float, bucket_s: int) -> dict[str, Any]:
        since, until = self._span(hours)
        records, truncated = await self._store.window(merchant_id, since, until)
        return {"since": since, "until": until, "bucket_s": bucket_s, "truncated": truncated,
                **dashboard(records, bucket_s=bucket_s), "rooms": rooms_list(records)}

    async def room(self, merchant_id: str, room_id: str) -> dict[str, Any]:
        records = await self._store.room(merchant_id, room_id)
        if not records:
            raise NotFound(f"no quality records for room {room_id!r}", code="room_not_found")
        return {"room_id": room_id, "kind": records[0].kind, "total": stats(records),
                "participants": [record_view(r) for r in records]}

    async def sales(self, merchant_id: str, *, hours: float) -> dict[str, Any]:
        since, until = self._span(hours)
        records, truncated = await self._store.window(merchant_id, since, until)
        orders = await self._store.sales(merchant_id, {r.identity for r in records}, since,
                                         until + self._attribution_s)
        return {"since": since, "until": until, "truncated": truncated,
                **quality_vs_sales(records, orders, attribution_s=self._attribution_s,
                                   currency=await self._currencies.currency_of(merchant_id))}

    async def recent(self, merchant_id: str, *, seconds: float) -> dict[str, Any]:
        """``stats`` of the joins of the last ``seconds`` (the alert loop's window)."""
        until = self._clock.wall()
        records, _ = await self._store.window(merchant_id, until - seconds, until + 1)
        return stats(records)


def _server_change(medium: str, entry: dict[str, Any]) -> Change:
    def change(r: QualityRecord | None) -> QualityRecord | None:
        return None if r is None else with_server_stats(r, medium, entry)
    return change


def rooms_list(records: list[QualityRecord], limit: int = 100) -> list[dict[str, Any]]:
    """The window's rooms (calls, shows), latest join first, for the per-call drill-down."""
    by_room: dict[str, list[QualityRecord]] = {}
    for r in records:
        by_room.setdefault(r.room_id, []).append(r)
    rows = []
    for room_id, rs in by_room.items():
        s = stats(rs)
        rows.append({"room_id": room_id, "kind": rs[0].kind, "started_at": min(r.started_at for r in rs),
                     "participants": s["participants"], "failed": s["failed"], "connect_p95_ms": s["connect_ms"]["p95"],
                     "freeze_ratio": s["freeze_ratio"], "mos": s["mos"]["mean"]})
    rows.sort(key=lambda x: (-x["started_at"], x["room_id"]))
    return rows[:limit]
