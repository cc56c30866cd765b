"""The voice room's seat rules (souk.domain.seats, souk.domain.seat_rules): pure, no I/O."""

from __future__ import annotations

import pytest

from souk.core.errors import BadRequest, Conflict, Forbidden, SoukError
from souk.domain.seat_rules import apply
from souk.domain.seats import (
    INVITE_TTL_S,
    MAX_HANDS,
    MAX_SEATS,
    Actor,
    AnswerInvite,
    CancelInvite,
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
    SeatMap,
    TakeSeat,
    media_delta,
)

HOST = Actor("host", "Host", host=True)
ANN = Actor("ann", "Ann")
BOB = Actor("bob", "Bob")
GUEST = Actor("guest-1", may_seat=False)


def run(state: SeatMap, actor: Actor, *ops: Op, now: float = 100.0) -> SeatMap:
    for op in ops:
        state = apply(state, actor, op, now).after
    return state


def refused(state: SeatMap, actor: Actor, op: Op, code: str, kind: type[SoukError], now: float = 100.0) -> None:
    with pytest.raises(kind) as caught:
        apply(state, actor, op, now)
    assert caught.value.code == code


def test_seat_count_is_merchant_set_and_bounded() -> None:
    assert len(SeatMap.new(16).seats) == 16 and len(SeatMap.new(MAX_SEATS).seats) == MAX_SEATS >= 16
    for bad in (0, MAX_SEATS + 1, -1, True, "8"):
        with pytest.raises(BadRequest) as caught:
            SeatMap.new(bad)  # type: ignore[arg-type]
        assert caught.value.code == "bad_seat_count"


def test_free_seating_take_leave_and_a_seat_cannot_be_taken_twice() -> None:
    room = SeatMap.new(4, free_seating=True)
    change = apply(room, ANN, TakeSeat(2), 1.0)
    assert change.after.seats[2].identity == "ann" and change.after.version == 1
    assert [e.kind for e in change.events] == ["seat_taken"]
    refused(change.after, BOB, TakeSeat(2), "seat_taken", Conflict)
    refused(change.after, ANN, TakeSeat(1), "already_seated", Conflict)
    again = apply(change.after, ANN, TakeSeat(2), 2.0)  # a retry of the same take: no change, no event
    assert not again.changed and again.after is change.after
    left = run(change.after, ANN, LeaveSeat())
    assert left.seats[2].free and left.version == 2
    assert not apply(left, ANN, LeaveSeat(), 3.0).changed  # leaving twice is harmless


def test_first_free_seat_and_full_room() -> None:
    room = run(SeatMap.new(2, free_seating=True), ANN, TakeSeat())
    room = run(room, BOB, TakeSeat())
    assert [s.identity for s in room.seats] == ["ann", "bob"]
    refused(room, Actor("cy"), TakeSeat(), "seats_full", Conflict)
    refused(room, ANN, TakeSeat(5), "already_seated", Conflict)
    refused(room, Actor("cy"), TakeSeat(5), "no_such_seat", Conflict)
    refused(room, Actor("cy"), TakeSeat(True), "bad_seat", BadRequest)


def test_invite_only_room_listener_must_be_invited_and_guest_only_listens() -> None:
    room = SeatMap.new(4)
    refused(room, ANN, TakeSeat(0), "invite_only", Forbidden)
    refused(room, GUEST, TakeSeat(0), "listener_only", Forbidden)
    refused(room, GUEST, RaiseHand(), "listener_only", Forbidden)
    host_seated = run(room, HOST, TakeSeat(0))  # the host sits anywhere without invitation
    assert host_seated.seats[0].identity == "host"


def test_hand_invite_accept_flow() -> None:
    room = run(SeatMap.new(4), HOST, TakeSeat(0))
    room = run(room, ANN, RaiseHand())
    assert [h.identity for h in room.hands] == ["ann"]
    assert not apply(room, ANN, RaiseHand(), 101).changed
    refused(room, ANN, InviteToSeat("bob"), "not_host", Forbidden)
    invited = apply(room, HOST, InviteToSeat("ann", seat=2), 110.0)
    assert [e.kind for e in invited.events] == ["invited"] and invited.events[0].details["name"] == "Ann"
    seated = apply(invited.after, ANN, AnswerInvite(accept=True), 111.0)
    assert seated.after.seats[2].identity == "ann"
    assert seated.after.hands == () and seated.after.invites == ()  # the hand and invitation are used up
    assert media_delta(room, seated.after).granted == ("ann",)


def test_decline_cancel_and_lapsed_invite() -> None:
    room = apply(SeatMap.new(3), HOST, InviteToSeat("ann"), 0.0).after
    declined = apply(room, ANN, AnswerInvite(accept=False), 1.0)
    assert declined.after.invites == () and declined.events[0].kind == "invite_declined"
    refused(declined.after, ANN, AnswerInvite(accept=True), "no_invite", Conflict)
    cancelled = apply(room, HOST, CancelInvite("ann"), 1.0)
    assert cancelled.after.invites == () and cancelled.events[0].kind == "invite_cancelled"
    refused(room, ANN, AnswerInvite(accept=True), "no_invite", Conflict, now=INVITE_TTL_S + 1)
    # an invitation in an invite-only room lets the invitee take a seat directly too
    took = apply(room, ANN, TakeSeat(), 2.0).after
    assert took.seats[0].identity == "ann"


def test_locked_seat_refuses_listeners_but_not_the_host_or_an_invitation_to_it() -> None:
    room = run(SeatMap.new(3, free_seating=True), HOST, LockSeat(1, True))
    assert room.seats[1].locked
    refused(room, ANN, TakeSeat(1), "seat_locked", Conflict)
    refused(room, ANN, LockSeat(1, False), "not_host", Forbidden)
    assert run(room, ANN, TakeSeat()).seat_of("ann").index == 0  # type: ignore[union-attr]  # skips locked
    invited = run(room, HOST, InviteToSeat("ann", seat=1))
    assert run(invited, ANN, AnswerInvite(True)).seats[1].identity == "ann"
    assert run(room, HOST, TakeSeat(1)).seats[1].identity == "host"
    assert not apply(room, HOST, LockSeat(1, True), 1).changed
    unlocked = run(room, HOST, LockSeat(1, False))
    assert run(unlocked, ANN, TakeSeat(1)).seats[1].identity == "ann"


def test_self_mute_and_host_mute_are_separate() -> None:
    room = run(SeatMap.new(3, free_seating=True), ANN, TakeSeat(0))
    room = run(room, BOB, TakeSeat(1))
    refused(room, Actor("cy"), Mute(True), "not_seated", Conflict)
    refused(room, BOB, Mute(True, identity="ann"), "not_host", Forbidden)
    host_muted = run(room, HOST, Mute(True, identity="ann"))
    assert host_muted.seats[0].muted and host_muted.seats[0].host_muted
    assert media_delta(room, host_muted).muted == (("ann", True),)
    still = run(host_muted, ANN, Mute(False))  # the speaker's own unmute does not undo the host's
    assert still.seats[0].muted
    freed = run(still, HOST, Mute(False, identity="ann"))
    assert not freed.seats[0].muted
    self_muted = run(room, BOB, Mute(True))
    assert self_muted.seats[1].self_muted and not apply(self_muted, BOB, Mute(True), 1).changed


def test_kick_and_move() -> None:
    room = run(SeatMap.new(4, free_seating=True), ANN, TakeSeat(0), Mute(True))
    refused(room, BOB, Kick("ann"), "not_host", Forbidden)
    refused(room, HOST, Kick("bob"), "not_seated", Conflict)
    kicked = apply(room, HOST, Kick("ann"), 1)
    assert kicked.after.seats[0].free and media_delta(room, kicked.after).revoked == ("ann",)
    moved = apply(room, HOST, Move(3, identity="ann"), 1)
    assert moved.after.seats[3].identity == "ann" and moved.after.seats[3].self_muted and moved.after.seats[0].free
    assert moved.events[0].details == {"from": 0} and media_delta(room, moved.after).empty
    refused(room, BOB, Move(3, identity="ann"), "not_host", Forbidden)
    with_bob = run(room, BOB, TakeSeat(1))
    refused(with_bob, ANN, Move(1), "seat_taken", Conflict)
    locked = run(with_bob, HOST, LockSeat(2, True))
    refused(locked, ANN, Move(2), "seat_locked", Conflict)
    assert run(locked, ANN, Move(3)).seats[3].identity == "ann"  # a speaker may move itself to a free seat
    assert run(locked, HOST, Move(2, identity="ann")).seats[2].identity == "ann"


def test_hands_are_bounded_and_host_lowers_any() -> None:
    room = SeatMap.new(2)
    for i in range(MAX_HANDS):
        room = run(room, Actor(f"l{i}"), RaiseHand(), now=float(i))
    refused(room, ANN, RaiseHand(), "hands_full", Conflict)
    refused(room, ANN, LowerHand("l0"), "not_host", Forbidden)
    room = run(room, HOST, LowerHand("l0"))
    assert len(room.hands) == MAX_HANDS - 1 and room.hands[0].identity == "l1"


def test_resize_keeps_taken_seats() -> None:
    room = run(SeatMap.new(4, free_seating=True), ANN, TakeSeat(3))
    refused(room, HOST, Resize(2), "seats_occupied", Conflict)
    refused(room, ANN, Resize(8), "not_host", Forbidden)
    grown = run(room, HOST, Resize(16))
    assert len(grown.seats) == 16 and grown.seats[3].identity == "ann" and grown.seats[15].free


def test_document_round_trip() -> None:
    room = run(SeatMap.new(4), HOST, TakeSeat(0), LockSeat(3, True), InviteToSeat("bob", seat=1))
    room = run(room, ANN, RaiseHand())
    assert SeatMap.from_doc(room.to_doc()) == room
