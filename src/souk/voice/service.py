"""VoiceRooms: open and end voice rooms, change seats, and keep the voice plane and the room's RTM channel in step.

Every seat change goes through the database (souk.storage.repos.voice_rooms: the rules run on the map read
under the row lock), so two nodes changing seats at once cannot both win. After a change:

- the room's RTM channel gets one ``system`` message ``{"type": "seats", "version", "events", "room"}`` with
  the whole map, ordered with the chat; a client that sees a version gap reads GET /v1/voice/{room};
- the voice plane follows the map: a speaker who lost its seat (left, kicked, moved out by the end) is removed
  from the AudioBridge, a change of a speaker's mute (its own or the host's) mutes it there. A granted seat
  needs nothing of the plane: the page sees the event and opens its speaker connection (``voice.speak``),
  which the plane allows through :meth:`may_speak`.

A speaker whose connection left the bridge (not kicked) keeps its seat for ``seat_grace_s``; if it is not back
by then its seat is freed. The plane's talking events become ``{"type": "talking", "talking": [identities], "changed": {identity: bool}}``
messages. Both kinds are paced per room (souk.voice.announcer) under RTM's per-sender rate limit.
A failure to announce or to reach the plane is logged; the seat change stands (the database is the truth).

Recording consent (issue 17 part 2, docs/privacy.md "Consent"): a recorded room records one mix, which cannot
leave a speaker out, so nobody but the host side speaks there without a standing yes to ``recording``: taking
a seat or accepting an invitation without it is refused (409 ``consent_required``; no consent records in the
process: refused too, fail closed). A withdrawal while seated moves the speaker back to listening (their seat
is left, the plane drops them) before the withdrawal is answered. Limit: the watches are per process, so a
withdrawal made on another node moves them only when that node's API serves it.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from souk.core.clock import Clock
from souk.core.errors import Conflict, SoukError
from souk.core.tasks import TaskOwner
from souk.core.tenancy import RoomKey
from souk.domain.seats import Actor, AnswerInvite, Change, LeaveSeat, Op, TakeSeat, media_delta
from souk.domain.voice_rooms import VoiceRoom, VoiceRoomRepo, VoiceRoomSpec
from souk.live.recording import FileSealer
from souk.media.voice_plane import SpeakerJoined, SpeakerLeft, Talking, VoiceEvent
from souk.voice import recording
from souk.voice.announcer import DEFAULT_INTERVAL_S, Announcer
from souk.voice.ports import Publisher, RecordingConsent, VoiceMedia

log = logging.getLogger(__name__)

DEFAULT_PREBUFFER = 2  # AudioBridge packets of 20 ms: ~100 ms mouth to ear here (NOTES.md)
DEFAULT_SEAT_GRACE_S = 30.0  # a speaker whose connection left keeps its seat this long (a reload, a reconnect)


def room_view(room: VoiceRoom) -> dict[str, Any]:
    """The room as the API and the RTM messages show it."""
    return {"room": room.room_id, "title": room.title, "host": room.host_identity, "live": room.live,
            "record": room.record, "created_at": room.created_at.timestamp(),
            "ended_at": None if room.ended_at is None else room.ended_at.timestamp(), **room.seats.to_doc()}


class VoiceRooms:
    """The voice-room service; also the signaling socket's seat policy (``may_speak``, ``host_muted``)."""

    def __init__(self, store: VoiceRoomRepo, publisher: Publisher, media: VoiceMedia | None, clock: Clock, *,
                 prebuffer: int = DEFAULT_PREBUFFER, announce_interval_s: float = DEFAULT_INTERVAL_S,
                 talking_publisher: Publisher | None = None, seat_grace_s: float = DEFAULT_SEAT_GRACE_S,
                 recordings_dir: Path | None = None, sealer: FileSealer | None = None,
                 consent: RecordingConsent | None = None) -> None:
        self._store = store
        self._consent = consent  # who may be recorded in a recorded room (None: only the host side)
        self._consent_watches: dict[tuple[RoomKey, str], Callable[[], None]] = {}
        self._recordings = recordings_dir  # where the plane writes recorded mixes (None: rooms are not recorded)
        self._sealer = sealer  # encryption at rest of finished mixes (souk.privacy.vault; None: plain)
        self._grace = seat_grace_s
        self._gone: dict[tuple[RoomKey, str], asyncio.Task[None]] = {}  # speakers whose connection left
        self._tasks = TaskOwner("voice-seats")
        self._media = media
        self._clock = clock
        self._prebuffer = prebuffer
        # talking goes out as its own sender, so it never eats the seats' share of RTM's per-sender limit
        self.announcer = Announcer(publisher, clock, interval_s=announce_interval_s,
                                   talking=talking_publisher or publisher)
        if media is not None:
            media.on_event(self._on_media_event)

    # ---- rooms ----------------------------------------------------------------------------------------

    async def open(self, merchant_id: str, room_id: str, spec: VoiceRoomSpec) -> VoiceRoom:
        """Create the room and its AudioBridge (with the mix recorded when ``spec.record`` and a recordings
        folder is known: souk.voice.recording). If the plane cannot make it, the room is ended again and the
        plane's error raised."""
        room = await self._store.create(merchant_id, room_id, spec)
        record = self._recording(room)
        if self._media is not None:
            try:
                await self._media.ensure_room(RoomKey(merchant_id, room_id), seats=spec.seats,
                                              prebuffer=self._prebuffer, record=record)
            except SoukError:
                log.warning("voice room %s/%s: the voice plane could not make it; ending it", merchant_id, room_id)
                await self._store.end(merchant_id, room_id)
                raise
            if record is not None and self._recordings is not None:
                recording.started(self._recordings, room)
        log.info("voice room %s/%s opened by %s: %d seats%s", merchant_id, room_id, spec.host_identity,
                 spec.seats, ", recorded" if record else "")
        self._announce(room, [{"kind": "room_opened", "by": spec.host_identity}])
        return room

    def _recording(self, room: VoiceRoom) -> str | None:
        if not room.record or self._recordings is None:
            return None
        return recording.mix_path(room)

    async def get(self, merchant_id: str, room_id: str) -> VoiceRoom:
        return await self._store.get(merchant_id, room_id)

    async def list(self, merchant_id: str, *, live_only: bool = True, limit: int = 100) -> list[VoiceRoom]:
        return await self._store.list(merchant_id, live_only=live_only, limit=limit)

    async def end(self, merchant_id: str, room_id: str) -> VoiceRoom:
        room, change = await self._store.end(merchant_id, room_id)
        self._unwatch_gone(RoomKey(merchant_id, room_id), room)
        if change.changed:
            self._announce(room, [e.to_doc() for e in change.events])
            self.announcer.forget(RoomKey(merchant_id, room_id))
            if self._media is not None:
                try:
                    await self._media.destroy_room(RoomKey(merchant_id, room_id))  # closes the mix's file
                except SoukError as exc:
                    log.warning("voice room %s/%s ended; the plane could not destroy it: %s", merchant_id,
                                room_id, exc)
                if self._recording(room) is not None and self._recordings is not None:
                    try:
                        done = recording.finished(self._recordings, room)
                        if self._sealer is not None and done["status"] == "ready":
                            await recording.seal(self._recordings, room, self._sealer)
                    except (SoukError, OSError) as exc:
                        log.warning("voice room %s/%s: recording not finished: %s", merchant_id, room_id, exc)
        return room

    # ---- seats ----------------------------------------------------------------------------------------

    async def act(self, merchant_id: str, room_id: str, actor: Actor, op: Op) -> VoiceRoom:
        """Run one seat operation (souk.domain.seat_rules) atomically, then announce it and apply it to the
        plane. Raises the rules' errors; an operation that changes nothing announces nothing."""
        seating = isinstance(op, TakeSeat) or (isinstance(op, AnswerInvite) and op.accept)
        recorded = seating and not actor.host and await self._recorded(merchant_id, room_id, actor.identity)
        if recorded and not await self._may_record(merchant_id, actor.identity):
            log.info("voice room %s/%s is recorded: %s has no consent to recording; seat refused", merchant_id,
                     room_id, actor.identity)
            raise Conflict("this room is recorded: agree to be recorded to take a seat", code="consent_required")
        room, change = await self._store.apply(merchant_id, room_id, actor, op)
        if change.changed:
            log.info("voice room %s/%s: %s by %s -> version %d", merchant_id, room_id,
                     ",".join(e.kind for e in change.events), actor.identity, change.after.version)
            self._announce(room, [e.to_doc() for e in change.events])
            await self._follow(room, change)
        key = RoomKey(merchant_id, room_id)
        if recorded and actor.identity in room.seats.speakers:
            self._watch_consent(key, actor.identity)
        self._unwatch_gone(key, room)
        return room

    # ---- recording consent ----------------------------------------------------------------------------

    async def _recorded(self, merchant_id: str, room_id: str, identity: str) -> bool:
        """The room is a recorded one (as it tells its listeners, whether or not this node writes the mix) and
        ``identity`` is not its host."""
        try:
            room = await self._store.get(merchant_id, room_id)
        except SoukError:
            return False  # the operation itself says what is wrong (voice_room_not_found)
        return room.record and identity != room.host_identity

    async def _may_record(self, merchant_id: str, identity: str) -> bool:
        return self._consent is not None and await self._consent.may_record(merchant_id, identity)

    def _watch_consent(self, key: RoomKey, identity: str) -> None:
        """Move ``identity`` back to listening when they withdraw consent to recording while seated."""
        if self._consent is None or (key, identity) in self._consent_watches:
            return

        async def withdrawn(record: Any) -> None:
            if str(getattr(record, "kind", "")) != "recording":
                return
            cancel = self._consent_watches.pop((key, identity), None)
            if cancel is not None:
                cancel()
            try:
                room = await self.act(key.merchant_id, key.room_id, Actor(identity, host=False), LeaveSeat())
            except SoukError as exc:
                log.info("voice room %s: %s withdrew consent to recording; seat not left: %s", key, identity, exc)
                return
            log.info("voice room %s: %s withdrew consent to recording: back to listening (version %d)", key,
                     identity, room.seats.version)

        self._consent_watches[(key, identity)] = self._consent.on_withdraw(key.merchant_id, identity, withdrawn)

    def _unwatch_gone(self, key: RoomKey, room: VoiceRoom) -> None:
        speakers = room.seats.speakers if room.live else {}
        for k in [k for k in self._consent_watches if k[0] == key and k[1] not in speakers]:
            self._consent_watches.pop(k)()

    async def _follow(self, room: VoiceRoom, change: Change) -> None:
        if self._media is None:
            return
        key = RoomKey(room.merchant_id, room.room_id)
        delta = media_delta(change.before, change.after)
        for who in delta.revoked:
            if who == room.host_identity:
                continue  # the host speaks with or without a seat
            await self._plane("kick", key, who, self._media.kick(key, who))
        for who, muted in delta.muted:
            await self._plane("mute" if muted else "unmute", key, who, self._media.mute(key, who, muted))

    async def _plane(self, what: str, key: RoomKey, who: str, call: Any) -> None:
        try:
            done = await call
        except SoukError as exc:
            log.warning("voice room %s: %s %s on the plane failed: %s", key, what, who, exc)
            return
        if not done:
            log.info("voice room %s: %s %s: not connected to the bridge (nothing to do there)", key, what, who)

    def _announce(self, room: VoiceRoom, events: builtins.list[dict[str, Any]]) -> None:
        self.announcer.seats(RoomKey(room.merchant_id, room.room_id), events, room_view(room))

    # ---- the signaling socket's seat policy (contract V1: souk.signal.voice.SeatPolicy) ----------------

    async def may_speak(self, room: RoomKey, identity: str) -> bool:
        """``identity`` holds a seat in the live room, or is its host."""
        try:
            found = await self._store.get(room.merchant_id, room.room_id)
        except SoukError:
            return False
        return found.live and (identity == found.host_identity or identity in found.seats.speakers)

    async def host_muted(self, room: RoomKey, identity: str) -> bool:
        try:
            found = await self._store.get(room.merchant_id, room.room_id)
        except SoukError:
            return False
        seat = found.seats.seat_of(identity)
        return seat is not None and seat.host_muted

    async def restore(self, room: RoomKey) -> bool:
        """Put a live room back on the plane after it lost it (a Souk or Janus restart), with its own seat count
        and the talking events; False when the room is not live here or there is no plane. The mix recorded
        before the loss stays as it was; the restored room is not recorded again."""
        if self._media is None:
            return False
        try:
            found = await self._store.get(room.merchant_id, room.room_id)
        except SoukError:
            return False
        if not found.live:
            return False
        await self._media.ensure_room(room, seats=len(found.seats.seats), prebuffer=self._prebuffer)
        log.info("voice room %s put back on the plane (%d seats)", room, len(found.seats.seats))
        return True

    # ---- the plane's events ---------------------------------------------------------------------------

    def _on_media_event(self, event: VoiceEvent) -> None:
        match event:
            case Talking(room=key, identity=who, talking=talking):
                self.announcer.talking(key, who, talking)
            case SpeakerLeft(room=key, identity=who, reason=reason):
                self.announcer.talking(key, who, False)
                if reason == "left" and (key, who) not in self._gone and not self._tasks.closed:
                    self._gone[(key, who)] = self._tasks.spawn(self._release(key, who), f"voice-release:{key}:{who}")
            case SpeakerJoined(room=key, identity=who):
                task = self._gone.pop((key, who), None)
                if task is not None:
                    task.cancel()  # back within the grace period: the seat stays

    async def _release(self, key: RoomKey, who: str) -> None:
        """A speaker's connection left the bridge: if it is not back within the grace period, free its seat."""
        try:
            await self._clock.sleep(self._grace)
            if self._media is not None:
                try:
                    if any(s.identity == who and s.connected for s in await self._media.speakers(key)):
                        return
                except SoukError as exc:
                    log.info("voice room %s: cannot ask the bridge for %s (%s); freeing its seat", key, who, exc)
            room = await self.act(key.merchant_id, key.room_id, Actor(who, host=False), LeaveSeat())
            log.info("voice room %s: %s left the bridge %gs ago; its seat is free (version %d)", key, who,
                     self._grace, room.seats.version)
        except SoukError as exc:
            log.info("voice room %s: the seat of %s not released: %s", key, who, exc)
        finally:
            if self._gone.get((key, who)) is asyncio.current_task():
                del self._gone[(key, who)]

    async def aclose(self) -> None:
        for cancel in self._consent_watches.values():
            cancel()
        self._consent_watches.clear()
        await self._tasks.aclose()
        await self.announcer.aclose()
