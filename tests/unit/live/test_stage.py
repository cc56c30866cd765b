"""The live stage model on a manual clock: shows, hands, invites and grants, a full stage, consent, PK links,
recording names and listeners."""

from __future__ import annotations

from typing import Any

import pytest

from souk.core.clock import ManualClock
from souk.core.errors import Conflict, Forbidden, NotFound, SoukError, TooLarge, Unavailable
from souk.core.tenancy import RoomKey
from souk.live import stage as stage_mod
from souk.live.stage import LiveStage, Show


def K(room: str, merchant: str = "shop") -> RoomKey:
    return RoomKey(merchant, room)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    async def show_started(self, show: Show) -> None:
        self.calls.append(("started", show.show_id))

    async def show_ended(self, show: Show) -> None:
        self.calls.append(("ended", show.show_id))

    async def feed_published(self, show: Show, identity: str, feed_id: int) -> None:
        self.calls.append(("feed", (identity, feed_id)))


class Broken:
    async def show_started(self, show: Show) -> None:
        raise RuntimeError("listener bug")


def code(exc: pytest.ExceptionInfo[SoukError]) -> str:
    return exc.value.code


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def stage(clock: ManualClock) -> LiveStage:
    s = LiveStage(clock, max_cohosts=2)
    await s.start_show("shop", "live-1", host="hana", title="Lamps", record=False)
    return s


async def test_a_show_is_idempotent_while_live_and_a_new_one_starts_clean(clock: ManualClock) -> None:
    stage = LiveStage(clock)
    rec = Recorder()
    stage.add_listener(Broken())  # a broken listener is logged and skipped, the others still hear
    stage.add_listener(rec)
    show, created = await stage.start_show("shop", "live-1", host="hana", title="Lamps", record=True)
    again, created_again = await stage.start_show("shop", "live-1", host="hana", title="other")
    assert created and not created_again and again is show and show.live
    assert show.started_at == clock.wall() and show.recording and show.merchant_id == "shop"
    assert stage.max_publishers == 1 + 8 + 1
    stage.invite("shop", "live-1", "ana")
    ended, link = stage.end_show("shop", "live-1")
    await stage.show_over(ended)
    assert link is None and ended.ended_at is not None and not ended.live
    assert rec.calls == [("started", show.show_id), ("ended", show.show_id)]
    with pytest.raises(Conflict) as exc:
        stage.end_show("shop", "live-1")
    assert code(exc) == "show_not_live"
    second, created = await stage.start_show("shop", "live-1", host="hana")
    assert created and second.show_id != show.show_id
    with pytest.raises(Forbidden) as exc:  # the invite of the old show is gone
        stage.accept("shop", "live-1", "ana", "Ana", consent_recording=True)
    assert code(exc) == "not_invited"


async def test_hand_approve_accept_publish_and_remove(stage: LiveStage, clock: ManualClock) -> None:
    assert stage.may_publish(K("live-1"), "hana", is_host=True)
    assert not stage.may_publish(K("live-1"), "ana", is_host=False)
    hand = stage.raise_hand("shop", "live-1", "ana", "Ana", "can I show my lamp?")
    assert hand.at == clock.wall() and stage.room(K("live-1")).hands["ana"].note == "can I show my lamp?"  # type: ignore[union-attr]
    with pytest.raises(NotFound) as exc:
        stage.approve("shop", "live-1", "bo")  # never raised a hand
    assert code(exc) == "no_hand"
    stage.approve("shop", "live-1", "ana")
    state = stage.room(K("live-1"))
    assert state is not None and "ana" in state.invites and "ana" not in state.hands
    assert not stage.may_publish(K("live-1"), "ana", is_host=False)  # invited is not granted
    stage.accept("shop", "live-1", "ana", "Ana", consent_recording=False)  # not recorded: no consent needed
    assert stage.may_publish(K("live-1"), "ana", is_host=False) and stage.on_stage(K("live-1"), "ana")
    with pytest.raises(Conflict) as exc:
        stage.raise_hand("shop", "live-1", "ana", "Ana")
    assert code(exc) == "already_on_stage"
    stage.remove("shop", "live-1", "ana")
    assert not stage.may_publish(K("live-1"), "ana", is_host=False)
    with pytest.raises(NotFound) as exc:
        stage.remove("shop", "live-1", "ana")
    assert code(exc) == "not_on_stage"


async def test_uninvited_consent_and_a_full_stage_are_refused(clock: ManualClock) -> None:
    stage = LiveStage(clock, max_cohosts=2)
    await stage.start_show("shop", "live-1", host="hana", record=True)
    with pytest.raises(Forbidden) as exc:
        stage.accept("shop", "live-1", "ana", "Ana", consent_recording=True)
    assert code(exc) == "not_invited"
    for who in ("ana", "bo", "cy"):
        stage.invite("shop", "live-1", who)
    with pytest.raises(Conflict) as exc:
        stage.accept("shop", "live-1", "ana", "Ana", consent_recording=False)
    assert code(exc) == "consent_required"
    assert not stage.may_publish(K("live-1"), "ana", is_host=False)
    stage.accept("shop", "live-1", "ana", "Ana", consent_recording=True)
    stage.accept("shop", "live-1", "ana", "Ana", consent_recording=True)  # twice: still one seat
    stage.accept("shop", "live-1", "bo", "Bo", consent_recording=True)
    with pytest.raises(Conflict) as exc:
        stage.accept("shop", "live-1", "cy", "Cy", consent_recording=True)
    assert code(exc) == "stage_full"
    assert "cy" in stage.room(K("live-1")).invites  # type: ignore[union-attr]  # still invited for when a seat frees
    stage.remove("shop", "live-1", "bo")
    stage.accept("shop", "live-1", "cy", "Cy", consent_recording=True)
    stage.invite("shop", "live-1", "dee")
    stage.decline("shop", "live-1", "dee")
    with pytest.raises(NotFound) as exc:
        stage.decline("shop", "live-1", "dee")
    assert code(exc) == "not_invited"
    with pytest.raises(Conflict) as exc:
        stage.invite("shop", "live-1", "hana")
    assert code(exc) == "already_on_stage"


async def test_nothing_happens_on_a_stage_that_is_not_live_or_not_yours(clock: ManualClock) -> None:
    stage = LiveStage(clock)
    for call in (lambda: stage.raise_hand("shop", "live-1", "ana", "Ana"),
                 lambda: stage.invite("shop", "live-1", "ana"),
                 lambda: stage.accept("shop", "live-1", "ana", "Ana", consent_recording=True)):
        with pytest.raises(Conflict) as exc:
            call()
        assert code(exc) == "show_not_live"
    await stage.start_show("shop", "live-1", host="hana")
    # another merchant's room of the same id is another stage: not live, and "shop"'s stage is untouched
    with pytest.raises(Conflict) as exc:
        stage.invite("other-shop", "live-1", "ana")
    assert code(exc) == "show_not_live"
    assert stage.room(K("live-1", "other-shop")) is None and stage.live_show(K("live-1")) is not None
    await stage.start_show("other-shop", "live-1", host="hana")  # the same room id stays usable by both
    stage.invite("other-shop", "live-1", "ana")
    assert "ana" not in stage.room(K("live-1")).invites  # type: ignore[union-attr]
    assert not stage.may_publish(K("live-1"), "ana", is_host=False)
    assert not stage.may_publish(K("live-9"), "ana", is_host=False)


async def test_bounded_hands_and_rooms(stage: LiveStage, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
                                       ) -> None:
    monkeypatch.setattr(stage_mod, "MAX_HANDS", 3)
    for i in range(3):
        stage.raise_hand("shop", "live-1", f"v{i}", "")
    stage.raise_hand("shop", "live-1", "v0", "", "again")  # re-raising is not a new hand
    with pytest.raises(TooLarge) as exc:
        stage.raise_hand("shop", "live-1", "v9", "")
    assert code(exc) == "too_many_hands"
    assert stage.lower_hand("shop", "live-1", "v1") and not stage.lower_hand("shop", "live-1", "v1")
    small = LiveStage(clock, max_rooms=2)
    await small.start_show("shop", "a", host="h")
    await small.start_show("shop", "b", host="h")
    with pytest.raises(Unavailable) as exc:  # every room is live: refuse instead of dropping a live show
        await small.start_show("shop", "c", host="h")
    assert code(exc) == "too_many_shows"
    small.end_show("shop", "a")
    await small.start_show("shop", "c", host="h")  # the ended room made space
    assert small.room(K("a")) is None and small.live_show(K("c")) is not None


async def test_pk_invite_accept_end(clock: ManualClock) -> None:
    stage = LiveStage(clock)
    await stage.start_show("shop", "live-a", host="hana")
    with pytest.raises(NotFound) as exc:  # no such room on this merchant's stage: 404, like another merchant's
        stage.pk_invite("shop", "live-a", "live-b")
    assert code(exc) == "partner_not_live"
    await stage.start_show("shop", "live-b", host="omar")
    with pytest.raises(NotFound) as exc:
        stage.pk_accept("shop", "live-b", "live-a")  # not invited yet
    assert code(exc) == "no_pk_invite"
    other = stage.pk_invite("shop", "live-a", "live-b")
    assert other.host == "omar" and stage.pk_partner(K("live-a")) is None  # invited, not linked
    inviter, mine = stage.pk_accept("shop", "live-b", "live-a")
    assert (inviter.room_id, mine.room_id) == ("live-a", "live-b")
    a, b = stage.pk_partner(K("live-a")), stage.pk_partner(K("live-b"))
    assert a is not None and b is not None
    assert (a.partner, a.partner_host, a.partner_merchant) == ("live-b", "omar", "shop")
    assert (b.partner, b.partner_host) == ("live-a", "hana")
    await stage.start_show("shop", "live-c", host="cy")
    with pytest.raises(Conflict) as exc:
        stage.pk_invite("shop", "live-c", "live-a")
    assert code(exc) == "pk_busy"
    link = stage.pk_end("shop", "live-b")
    assert link.partner == "live-a" and stage.pk_partner(K("live-a")) is None and stage.pk_partner(K("live-b")) is None
    with pytest.raises(NotFound) as exc:
        stage.pk_end("shop", "live-a")
    assert code(exc) == "not_linked"
    # a show that ends takes its link down on both sides
    stage.pk_invite("shop", "live-a", "live-b")
    stage.pk_accept("shop", "live-b", "live-a")
    _, link2 = stage.end_show("shop", "live-a")
    assert link2 is not None and link2.partner == "live-b" and stage.pk_partner(K("live-b")) is None


async def test_recording_names_are_relative_and_numbered_per_identity(stage: LiveStage) -> None:
    rec = Recorder()
    stage.add_listener(rec)
    show = stage.live_show(K("live-1"))
    assert show is not None
    first = stage.recording_name(show, "hana")
    second = stage.recording_name(show, "hana")
    other = stage.recording_name(show, "../ana")
    assert first == f"shop/live-1/{show.show_id}/hana-1" and second.endswith("/hana-2")
    assert other.endswith("/.._ana-1") and not other.startswith("/") and other.count("/") == 3
    await stage.feed_published(K("live-1"), "hana", 42)
    await stage.feed_published(K("live-9"), "hana", 43)  # no show there: nobody is told
    assert rec.calls == [("feed", ("hana", 42))]


async def test_a_pk_with_another_merchants_room_is_not_found_and_changes_nothing(clock: ManualClock) -> None:
    stage = LiveStage(clock)
    await stage.start_show("shop-a", "live-demo", host="host-a")
    await stage.start_show("shop-b", "live-b", host="host-b")
    with pytest.raises(NotFound) as exc:  # B names A's room: it is not B's, so there is no such room
        stage.pk_invite("shop-b", "live-b", "live-demo")
    assert code(exc) == "partner_not_live"
    a = stage.room(K("live-demo", "shop-a"))
    assert a is not None and a.pk_invited_by == {} and a.pk is None
    with pytest.raises(NotFound):  # nor can A accept an invitation that never reached it
        stage.pk_accept("shop-a", "live-demo", "live-b")
