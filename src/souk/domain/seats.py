"""Voice-room seats (issue 15): the seat map, who may do what, and every change as a pure transition.

A voice room has a merchant-set number of seats (1..MAX_SEATS). Whoever holds a seat is a speaker: the
media plane lets exactly the seated identities speak (souk.voice); everyone else in the room listens.

- The host side (``Actor.host``: host/moderator role with the moderate privilege) may take any free seat
  (locked ones too), invite, lock/unlock, mute/unmute a speaker, kick a speaker off a seat, move a speaker,
  lower anyone's hand and change the seat count.
- A listener takes a free, unlocked seat by itself only in a ``free_seating`` room; otherwise it raises its
  hand and waits for an invitation, which names a seat (or any free seat) and expires after INVITE_TTL_S.
  Accepting takes the invited seat even if it is locked (the host chose it). A guest (anonymous token,
  ``Actor.may_seat`` false) only listens.
- One identity holds at most one seat; a seat holds at most one identity. A speaker mutes itself
  (``self_muted``); a host mute (``host_muted``) is separate, so the speaker cannot undo it.

:func:`souk.domain.seat_rules.apply` takes the map, the actor, an operation and the wall time, and returns the new map with the
events it caused (or raises a SoukError and changes nothing). An operation that changes nothing (a second
raise of the same hand) returns the map unchanged with no events, so retries are harmless. The version
counts changes: storage writes a map only over the version it read (souk.storage.repos.voice_rooms).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from souk.core.errors import BadRequest, Conflict, Forbidden

MAX_SEATS = 32  # at least 16 speakers (issue 15); AudioBridge mixes each room in one thread
MAX_HANDS = 200  # raised hands waiting at once (past it: 409 hands_full)
INVITE_TTL_S = 120.0  # an unanswered invitation lapses
MAX_NAME = 80


@dataclass(frozen=True, slots=True)
class Seat:
    index: int
    identity: str | None = None
    name: str = ""
    locked: bool = False
    self_muted: bool = False
    host_muted: bool = False

    @property
    def free(self) -> bool:
        return self.identity is None

    @property
    def muted(self) -> bool:
        return self.self_muted or self.host_muted

    def emptied(self) -> Seat:
        return Seat(index=self.index, locked=self.locked)


@dataclass(frozen=True, slots=True)
class Hand:
    identity: str
    name: str
    raised_at: float


@dataclass(frozen=True, slots=True)
class Invite:
    identity: str
    seat: int | None  # None: any free seat
    by: str
    at: float


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks: the identity of the token, whether it holds the room's host privilege, whether it may sit."""

    identity: str
    name: str = ""
    host: bool = False
    may_seat: bool = True


@dataclass(frozen=True, slots=True)
class SeatEvent:
    """One thing that happened: ``kind`` (seat_taken, seat_left, seat_moved, seat_kicked, seat_muted,
    seat_locked, hand_raised, hand_lowered, invited, invite_accepted, invite_declined, invite_cancelled,
    seats_resized), who it concerns, the seat, and a few details."""

    kind: str
    identity: str | None = None
    seat: int | None = None
    by: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_doc(self) -> dict[str, Any]:
        return {"kind": self.kind, "identity": self.identity, "seat": self.seat, "by": self.by, **self.details}


@dataclass(frozen=True, slots=True)
class SeatMap:
    seats: tuple[Seat, ...]
    hands: tuple[Hand, ...] = ()
    invites: tuple[Invite, ...] = ()
    free_seating: bool = False
    version: int = 0

    @classmethod
    def new(cls, count: int, *, free_seating: bool = False) -> SeatMap:
        check_count(count)
        return cls(seats=tuple(Seat(index=i) for i in range(count)), free_seating=bool(free_seating))

    def seat_of(self, identity: str) -> Seat | None:
        return next((s for s in self.seats if s.identity == identity), None)

    def seat(self, index: int) -> Seat:
        if not isinstance(index, int) or isinstance(index, bool):
            raise BadRequest(f"a seat is a number, got {index!r}", code="bad_seat")
        if not 0 <= index < len(self.seats):  # the room's count can change: a conflict with its state
            raise Conflict(f"this room has seats 0..{len(self.seats) - 1}, not {index}", code="no_such_seat",
                           details={"seat": index, "seats": len(self.seats)})
        return self.seats[index]

    def invite_of(self, identity: str) -> Invite | None:
        return next((i for i in self.invites if i.identity == identity), None)

    def hand_of(self, identity: str) -> Hand | None:
        return next((h for h in self.hands if h.identity == identity), None)

    @property
    def speakers(self) -> dict[str, bool]:
        """Seated identity -> muted."""
        return {s.identity: s.muted for s in self.seats if s.identity is not None}

    def to_doc(self) -> dict[str, Any]:
        return {
            "seats": [{"index": s.index, "identity": s.identity, "name": s.name, "locked": s.locked,
                       "self_muted": s.self_muted, "host_muted": s.host_muted} for s in self.seats],
            "hands": [{"identity": h.identity, "name": h.name, "raised_at": h.raised_at} for h in self.hands],
            "invites": [{"identity": i.identity, "seat": i.seat, "by": i.by, "at": i.at} for i in self.invites],
            "free_seating": self.free_seating, "version": self.version,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> SeatMap:
        return cls(
            seats=tuple(Seat(index=int(s["index"]), identity=s.get("identity"), name=str(s.get("name", "")),
                             locked=bool(s.get("locked")), self_muted=bool(s.get("self_muted")),
                             host_muted=bool(s.get("host_muted"))) for s in doc["seats"]),
            hands=tuple(Hand(identity=h["identity"], name=str(h.get("name", "")), raised_at=float(h["raised_at"]))
                        for h in doc.get("hands", [])),
            invites=tuple(Invite(identity=i["identity"], seat=None if i.get("seat") is None else int(i["seat"]),
                                 by=str(i.get("by", "")), at=float(i["at"])) for i in doc.get("invites", [])),
            free_seating=bool(doc.get("free_seating")), version=int(doc.get("version", 0)))


def check_count(count: int) -> int:
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_SEATS:
        raise BadRequest(f"a voice room has 1..{MAX_SEATS} seats, got {count!r}", code="bad_seat_count",
                         details={"max": MAX_SEATS})
    return count


# ---- operations -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TakeSeat:
    seat: int | None = None  # None: the first free seat this actor may take


@dataclass(frozen=True, slots=True)
class LeaveSeat:
    pass


@dataclass(frozen=True, slots=True)
class RaiseHand:
    pass


@dataclass(frozen=True, slots=True)
class LowerHand:
    identity: str | None = None  # another's hand: host only


@dataclass(frozen=True, slots=True)
class InviteToSeat:
    identity: str
    name: str = ""
    seat: int | None = None


@dataclass(frozen=True, slots=True)
class AnswerInvite:
    accept: bool


@dataclass(frozen=True, slots=True)
class CancelInvite:
    identity: str


@dataclass(frozen=True, slots=True)
class LockSeat:
    seat: int
    locked: bool


@dataclass(frozen=True, slots=True)
class Mute:
    muted: bool
    identity: str | None = None  # None or the actor: self mute; another speaker: host mute


@dataclass(frozen=True, slots=True)
class Kick:
    identity: str


@dataclass(frozen=True, slots=True)
class Move:
    to: int
    identity: str | None = None  # None or the actor: move oneself; another speaker: host only


@dataclass(frozen=True, slots=True)
class Resize:
    count: int


Op = (TakeSeat | LeaveSeat | RaiseHand | LowerHand | InviteToSeat | AnswerInvite | CancelInvite | LockSeat | Mute
      | Kick | Move | Resize)


@dataclass(frozen=True, slots=True)
class Change:
    before: SeatMap
    after: SeatMap
    events: tuple[SeatEvent, ...]

    @property
    def changed(self) -> bool:
        return bool(self.events)


@dataclass(frozen=True, slots=True)
class MediaDelta:
    """What the media plane must do after a change: who may now speak, who may not, whose mute changed."""

    granted: tuple[str, ...]
    revoked: tuple[str, ...]
    muted: tuple[tuple[str, bool], ...]

    @property
    def empty(self) -> bool:
        return not (self.granted or self.revoked or self.muted)


def media_delta(before: SeatMap, after: SeatMap) -> MediaDelta:
    old, new = before.speakers, after.speakers
    return MediaDelta(
        granted=tuple(sorted(set(new) - set(old))),
        revoked=tuple(sorted(set(old) - set(new))),
        muted=tuple(sorted((who, m) for who, m in new.items() if who in old and old[who] != m)))


def not_host(action: str) -> Forbidden:
    return Forbidden(f"only the room's host may {action}", code="not_host", details={"action": action})


def conflict(code: str, message: str, **details: Any) -> Conflict:
    return Conflict(message, code=code, details=details)
