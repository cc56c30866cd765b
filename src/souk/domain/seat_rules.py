"""The voice room's rules: one pure transition per seat operation (the data is souk.domain.seats).

:func:`apply` returns the new map and its events, or raises a SoukError (403 ``not_host``, ``invite_only``,
``listener_only``; 409 ``seat_taken``, ``seat_locked``, ``already_seated``, ``not_seated``, ``seats_full``,
``hands_full``, ``invites_full``, ``no_invite``, ``seats_occupied``, ``no_such_seat``; 400 ``bad_seat``, ``bad_seat_count``,
``bad_identity``) and changes nothing.
"""

from __future__ import annotations

from dataclasses import replace

from souk.core.errors import BadRequest, Forbidden
from souk.domain.seats import (
    INVITE_TTL_S,
    MAX_HANDS,
    MAX_NAME,
    Actor,
    AnswerInvite,
    CancelInvite,
    Change,
    Hand,
    Invite,
    InviteToSeat,
    Kick,
    LeaveSeat,
    LockSeat,
    LowerHand,
    Move,
    Mute,
    Op,
    RaiseHand,
    Resize,
    Seat,
    SeatEvent,
    SeatMap,
    TakeSeat,
    check_count,
    conflict,
    not_host,
)

Result = tuple[SeatMap, list[SeatEvent]]
MAX_IDENTITY = 128


def apply(state: SeatMap, actor: Actor, op: Op, now: float) -> Change:
    """The map after ``actor`` did ``op`` at wall time ``now``, with its events; a SoukError if not allowed.
    Lapsed invitations are dropped first (that alone is no change and writes nothing)."""
    live = replace(state, invites=tuple(i for i in state.invites if now - i.at < INVITE_TTL_S))
    after, events = _transition(live, actor, op, now)
    if not events:
        return Change(before=state, after=state, events=())
    return Change(before=state, after=replace(after, version=state.version + 1), events=tuple(events))


def _transition(state: SeatMap, actor: Actor, op: Op, now: float) -> Result:
    match op:
        case TakeSeat(seat=seat):
            return _take(state, actor, seat, state.invite_of(actor.identity))
        case LeaveSeat():
            return _leave(state, actor)
        case RaiseHand():
            return _raise(state, actor, now)
        case LowerHand(identity=who):
            return _lower(state, actor, who or actor.identity)
        case InviteToSeat():
            return _invite(state, actor, op, now)
        case AnswerInvite(accept=accept):
            return _answer(state, actor, accept)
        case CancelInvite(identity=who):
            return _cancel(state, actor, who)
        case LockSeat(seat=seat, locked=locked):
            return _lock(state, actor, seat, locked)
        case Mute(muted=muted, identity=who):
            return _mute(state, actor, who or actor.identity, muted)
        case Kick(identity=who):
            return _kick(state, actor, who)
        case Move(to=to, identity=who):
            return _move(state, actor, who or actor.identity, to)
        case Resize(count=count):
            return _resize(state, actor, count)
    raise BadRequest(f"unknown seat operation {op!r}", code="bad_operation")  # pragma: no cover


def _with_seat(state: SeatMap, seat: Seat) -> tuple[Seat, ...]:
    return tuple(seat if s.index == seat.index else s for s in state.seats)


def _need_host(actor: Actor, action: str) -> None:
    if not actor.host:
        raise not_host(action)


def _need_seater(actor: Actor) -> None:
    if not actor.may_seat:
        raise Forbidden("a guest may only listen: sign in to take a seat or raise a hand", code="listener_only")


def _seated(state: SeatMap, identity: str) -> Seat:
    seat = state.seat_of(identity)
    if seat is None:
        raise conflict("not_seated", f"{identity!r} holds no seat", identity=identity)
    return seat


def _take(state: SeatMap, actor: Actor, wanted: int | None, invite: Invite | None) -> Result:
    _need_seater(actor)
    mine = state.seat_of(actor.identity)
    if mine is not None:
        if wanted is None or wanted == mine.index:
            return state, []
        raise conflict("already_seated", f"you hold seat {mine.index}: leave it or move", seat=mine.index)
    if not (actor.host or state.free_seating or invite is not None):
        raise Forbidden("seats in this room are by invitation: raise your hand", code="invite_only")
    if wanted is None and invite is not None and invite.seat is not None:
        wanted = invite.seat
    may_locked = actor.host or (invite is not None and invite.seat is not None and invite.seat == wanted)
    if wanted is not None:
        seat = state.seat(wanted)
        if not seat.free:
            raise conflict("seat_taken", f"seat {wanted} is taken", seat=wanted)
        if seat.locked and not may_locked:
            raise conflict("seat_locked", f"seat {wanted} is locked", seat=wanted)
    else:
        free = [s for s in state.seats if s.free and (not s.locked or actor.host)]
        if not free:
            raise conflict("seats_full", "no free seat", seats=len(state.seats))
        seat = free[0]
    taken = Seat(index=seat.index, identity=actor.identity, name=actor.name[:MAX_NAME], locked=seat.locked)
    after = replace(state, seats=_with_seat(state, taken),
                    hands=tuple(h for h in state.hands if h.identity != actor.identity),
                    invites=tuple(i for i in state.invites if i.identity != actor.identity))
    return after, [SeatEvent("seat_taken", actor.identity, seat.index, by=actor.identity,
                             details={"name": taken.name, "invited": invite is not None})]


def _leave(state: SeatMap, actor: Actor) -> Result:
    seat = state.seat_of(actor.identity)
    if seat is None:
        return state, []
    return (replace(state, seats=_with_seat(state, seat.emptied())),
            [SeatEvent("seat_left", actor.identity, seat.index, by=actor.identity)])


def _raise(state: SeatMap, actor: Actor, now: float) -> Result:
    _need_seater(actor)
    seat = state.seat_of(actor.identity)
    if seat is not None:
        raise conflict("already_seated", "you already hold a seat", seat=seat.index)
    if state.hand_of(actor.identity) is not None:
        return state, []
    if len(state.hands) >= MAX_HANDS:
        raise conflict("hands_full", f"{MAX_HANDS} hands are already raised", max=MAX_HANDS)
    hand = Hand(identity=actor.identity, name=actor.name[:MAX_NAME], raised_at=now)
    return (replace(state, hands=(*state.hands, hand)),
            [SeatEvent("hand_raised", actor.identity, by=actor.identity, details={"name": hand.name})])


def _lower(state: SeatMap, actor: Actor, who: str) -> Result:
    if who != actor.identity:
        _need_host(actor, "lower another's hand")
    if state.hand_of(who) is None:
        return state, []
    return (replace(state, hands=tuple(h for h in state.hands if h.identity != who)),
            [SeatEvent("hand_lowered", who, by=actor.identity)])


def _identity(who: str) -> str:
    if not isinstance(who, str) or not who.strip() or len(who) > MAX_IDENTITY:
        raise BadRequest(f"an identity is 1..{MAX_IDENTITY} characters", code="bad_identity")
    return who


def _invite(state: SeatMap, actor: Actor, op: InviteToSeat, now: float) -> Result:
    _need_host(actor, "invite to a seat")
    who = _identity(op.identity)
    held = state.seat_of(who)
    if held is not None:
        raise conflict("already_seated", f"{who!r} already holds seat {held.index}", seat=held.index)
    if op.seat is not None:
        if not state.seat(op.seat).free:
            raise conflict("seat_taken", f"seat {op.seat} is taken", seat=op.seat)
    elif not any(s.free for s in state.seats):
        raise conflict("seats_full", "no free seat", seats=len(state.seats))
    others = tuple(i for i in state.invites if i.identity != who)
    if len(others) >= len(state.seats):
        raise conflict("invites_full", f"{len(others)} invitations are pending", max=len(state.seats))
    hand = state.hand_of(who)
    name = (op.name or (hand.name if hand else ""))[:MAX_NAME]
    invite = Invite(identity=who, seat=op.seat, by=actor.identity, at=now)
    return (replace(state, invites=(*others, invite)),
            [SeatEvent("invited", who, op.seat, by=actor.identity,
                       details={"name": name, "expires_at": now + INVITE_TTL_S})])


def _answer(state: SeatMap, actor: Actor, accept: bool) -> Result:
    invite = state.invite_of(actor.identity)
    if invite is None:
        raise conflict("no_invite", "there is no pending invitation for you (it may have lapsed)")
    if accept:
        return _take(state, actor, invite.seat, invite)
    return (replace(state, invites=tuple(i for i in state.invites if i.identity != actor.identity)),
            [SeatEvent("invite_declined", actor.identity, invite.seat, by=actor.identity)])


def _cancel(state: SeatMap, actor: Actor, who: str) -> Result:
    _need_host(actor, "cancel an invitation")
    invite = state.invite_of(who)
    if invite is None:
        return state, []
    return (replace(state, invites=tuple(i for i in state.invites if i.identity != who)),
            [SeatEvent("invite_cancelled", who, invite.seat, by=actor.identity)])


def _lock(state: SeatMap, actor: Actor, index: int, locked: bool) -> Result:
    _need_host(actor, "lock or unlock a seat")
    seat = state.seat(index)
    if seat.locked == bool(locked):
        return state, []
    return (replace(state, seats=_with_seat(state, replace(seat, locked=bool(locked)))),
            [SeatEvent("seat_locked", seat.identity, index, by=actor.identity, details={"locked": bool(locked)})])


def _mute(state: SeatMap, actor: Actor, who: str, muted: bool) -> Result:
    by_host = who != actor.identity
    if by_host:
        _need_host(actor, "mute or unmute a speaker")
    seat = _seated(state, who)
    changed = replace(seat, host_muted=bool(muted)) if by_host else replace(seat, self_muted=bool(muted))
    if changed == seat:
        return state, []
    return (replace(state, seats=_with_seat(state, changed)),
            [SeatEvent("seat_muted", who, seat.index, by=actor.identity,
                       details={"muted": changed.muted, "self_muted": changed.self_muted,
                                "host_muted": changed.host_muted})])


def _kick(state: SeatMap, actor: Actor, who: str) -> Result:
    _need_host(actor, "remove a speaker from a seat")
    seat = _seated(state, who)
    return (replace(state, seats=_with_seat(state, seat.emptied()),
                    hands=tuple(h for h in state.hands if h.identity != who),
                    invites=tuple(i for i in state.invites if i.identity != who)),
            [SeatEvent("seat_kicked", who, seat.index, by=actor.identity)])


def _move(state: SeatMap, actor: Actor, who: str, to: int) -> Result:
    if who != actor.identity:
        _need_host(actor, "move a speaker")
    seat = _seated(state, who)
    dest = state.seat(to)
    if dest.index == seat.index:
        return state, []
    if not dest.free:
        raise conflict("seat_taken", f"seat {to} is taken", seat=to)
    if dest.locked and not actor.host:
        raise conflict("seat_locked", f"seat {to} is locked", seat=to)
    moved = replace(seat, index=dest.index, locked=dest.locked)
    seats = tuple(moved if s.index == dest.index else s.emptied() if s.index == seat.index else s
                  for s in state.seats)
    return (replace(state, seats=seats),
            [SeatEvent("seat_moved", who, dest.index, by=actor.identity, details={"from": seat.index})])


def _resize(state: SeatMap, actor: Actor, count: int) -> Result:
    _need_host(actor, "change the number of seats")
    check_count(count)
    if count == len(state.seats):
        return state, []
    held = [s.index for s in state.seats[count:] if not s.free]
    if held:
        raise conflict("seats_occupied", f"seats {held} are taken: free them first", seats=held)
    seats = state.seats[:count] + tuple(Seat(index=i) for i in range(len(state.seats), count))
    invites = tuple(i for i in state.invites if i.seat is None or i.seat < count)
    return (replace(state, seats=seats, invites=invites),
            [SeatEvent("seats_resized", by=actor.identity, details={"count": count})])
