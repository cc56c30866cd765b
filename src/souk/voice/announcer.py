"""Seat and talking announcements on a room's RTM channel, coalesced so a burst never hits the rate limit.

RTM lets one sender publish a few messages a second per channel (rtm.user_rate_per_s, burst rtm.user_burst).
A burst of seat changes (64 listeners taking seats at once) or of talking changes (16 speakers) would be
refused past it, so per room and per stream (``seats``, ``talking``) at most one message goes out per
``interval_s``: the first at once, later ones gathered until the interval has passed. A seat message carries
every event since the last one and the newest map (its ``version``); a talking message carries who is talking
now and what changed. A refused publish is retried after the limiter's ``retry_after`` a few times, then
dropped with a log line (a client that sees a version gap reads the room).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from souk.core.clock import Clock
from souk.core.errors import RateLimited, SoukError
from souk.core.tasks import TaskOwner
from souk.core.tenancy import RoomKey
from souk.voice.ports import Publisher

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 0.25  # 4 messages a second a stream, under RTM's default 5/s per sender
MAX_ROOMS_PENDING = 10_000
MAX_RETRIES = 3


@dataclass
class _Pending:
    events: list[dict[str, Any]] = field(default_factory=list)
    view: dict[str, Any] | None = None  # the newest room view (seats)
    changed: dict[str, bool] = field(default_factory=dict)  # identity -> talking (talking)
    last_sent: float = float("-inf")
    armed: bool = False


class Announcer:
    def __init__(self, publisher: Publisher, clock: Clock, *, interval_s: float = DEFAULT_INTERVAL_S,
                 talking: Publisher | None = None) -> None:
        self._pubs = {"seats": publisher, "talking": talking or publisher}
        self._clock = clock
        self._interval = interval_s
        self._pending: dict[tuple[RoomKey, str], _Pending] = {}
        self._talking: dict[RoomKey, set[str]] = {}
        self._tasks = TaskOwner("voice-announcer")

    def seats(self, key: RoomKey, events: list[dict[str, Any]], view: dict[str, Any]) -> None:
        """Announce a seat change (its events and the map after it)."""
        slot = self._slot(key, "seats")
        if slot is None:
            return
        slot.events.extend(events)
        if slot.view is None or view.get("version", 0) >= slot.view.get("version", 0):
            slot.view = view
        self._arm(key, "seats", slot)

    def talking(self, key: RoomKey, identity: str, talking: bool) -> None:
        """A speaker started or stopped talking; a repeat of the current state is ignored."""
        now = self._talking.setdefault(key, set())
        if (identity in now) == talking:
            return
        (now.add if talking else now.discard)(identity)
        slot = self._slot(key, "talking")
        if slot is None:
            return
        slot.changed[identity] = talking
        self._arm(key, "talking", slot)

    def forget(self, key: RoomKey) -> None:
        """The room ended: nobody talks in it any more; its pacing state goes once nothing is waiting."""
        self._talking.pop(key, None)
        for stream in ("seats", "talking"):
            slot = self._pending.get((key, stream))
            if slot is not None and not slot.armed:
                del self._pending[(key, stream)]

    def _slot(self, key: RoomKey, stream: str) -> _Pending | None:
        slot = self._pending.get((key, stream))
        if slot is None:
            if len(self._pending) >= MAX_ROOMS_PENDING:
                log.warning("voice announcements backed up (%d rooms); %s of %s dropped", len(self._pending),
                            stream, key)
                return None
            slot = self._pending[(key, stream)] = _Pending()
        return slot

    def _arm(self, key: RoomKey, stream: str, slot: _Pending) -> None:
        if not slot.armed:
            slot.armed = True
            self._tasks.spawn(self._flush(key, stream, slot), f"voice-{stream}:{key}")

    async def _flush(self, key: RoomKey, stream: str, slot: _Pending) -> None:
        wait = slot.last_sent + self._interval - self._clock.now()
        if wait > 0:
            await self._clock.sleep(wait)
        body = self._body(key, stream, slot)
        slot.armed = False
        slot.last_sent = self._clock.now()
        for attempt in range(MAX_RETRIES + 1):
            try:
                await self._pubs[stream].publish(key.merchant_id, key.room_id, body)
                return
            except RateLimited as exc:
                if attempt == MAX_RETRIES:
                    log.warning("voice room %s: %s announcement dropped after %d tries: %s", key, stream,
                                attempt + 1, exc)
                    return
                await self._clock.sleep(float(exc.details.get("retry_after", self._interval)) or self._interval)
            except SoukError as exc:
                log.warning("voice room %s: %s not announced: %s", key, stream, exc)
                return

    def _body(self, key: RoomKey, stream: str, slot: _Pending) -> dict[str, Any]:
        if stream == "seats":
            view = slot.view or {}
            body = {"type": "seats", "version": view.get("version"), "events": slot.events, "room": view}
            slot.events, slot.view = [], None
            return body
        body = {"type": "talking", "talking": sorted(self._talking.get(key, ())), "changed": slot.changed}
        slot.changed = {}
        return body

    async def aclose(self) -> None:
        await self._tasks.aclose()
