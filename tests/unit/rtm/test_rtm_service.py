"""Roles, every moderation action, rate limits, slow mode, keyword filter and sizes (fake clock)."""

from __future__ import annotations

import msgspec
import pytest

from souk.core.errors import BadRequest, Forbidden, RateLimited, TooLarge
from souk.rtm.envelope import Kind, decode_message
from tests.unit.rtm.rtm_fakes import FakeConn, Rig

KEY = "m1/r1"


async def last_system(rig: Rig) -> dict:
    _seq, raw = (await rig.broker.history(KEY, since=None, limit=1))[0]
    m = decode_message(raw)
    assert m.k is Kind.SYSTEM
    return m.b


async def test_roles_map_to_what_they_may_do(rig: Rig) -> None:
    svc = rig.service
    acc = await svc.publish(rig.claims("m", "member"), "r1", Kind.CHAT, "hi", "c1")
    assert acc is not None and acc.seq == 1
    m = decode_message((await rig.broker.history(KEY, since=0, limit=1))[0][1])
    assert (m.frm, m.role, m.b) == ("m", "member", "hi")
    with pytest.raises(Forbidden) as e:
        await svc.publish(rig.claims("g", "guest"), "r1", Kind.CHAT, "hi")
    assert e.value.code == "privilege_missing"
    assert await svc.publish(rig.claims("g", "guest"), "r1", Kind.LIKE, None) is None  # guests may like
    with pytest.raises(Forbidden):
        await svc.publish(rig.claims("m", "member"), "r1", Kind.SYSTEM, "fake announcement")
    with pytest.raises(Forbidden):
        await svc.moderate(rig.claims("m", "member"), "r1", "mute", user="x")
    assert await svc.moderate(rig.claims("mod", "moderator"), "r1", "mute", user="x") is not None
    assert await svc.moderate(rig.claims("h", "host"), "r1", "unmute", user="x") is not None


async def test_channel_scope_comes_from_the_token(rig: Rig) -> None:
    with pytest.raises(Forbidden) as e:
        await rig.service.publish(rig.claims("m", room="other"), "r1", Kind.CHAT, "hi")
    assert e.value.code == "wrong_room"
    with pytest.raises(BadRequest) as e2:
        await rig.service.publish(rig.claims("m", room="*"), "bad/name", Kind.CHAT, "hi")
    assert e2.value.code == "bad_channel"
    acc = await rig.service.publish(rig.claims("staff", role="agent", room="*"), "r1", Kind.CHAT, "hi")
    assert acc is not None


async def test_mute_with_expiry_and_unmute(rig: Rig) -> None:
    host, user = rig.claims("h", "host"), rig.claims("u")
    await rig.service.moderate(host, "r1", "mute", user="u", dur=60)
    assert (await last_system(rig))["action"] == "mute"
    with pytest.raises(Forbidden) as e:
        await rig.service.publish(user, "r1", Kind.CHAT, "let me talk")
    assert e.value.code == "muted" and e.value.details["until"] == rig.clock.wall() + 60
    await rig.clock.advance(61)
    assert await rig.service.publish(user, "r1", Kind.CHAT, "back") is not None
    await rig.service.moderate(host, "r1", "mute", user="u")  # no duration: until lifted
    await rig.clock.advance(10_000)
    with pytest.raises(Forbidden):
        await rig.service.publish(user, "r1", Kind.CHAT, "still muted")
    await rig.service.moderate(host, "r1", "unmute", user="u")
    assert await rig.service.publish(user, "r1", Kind.CHAT, "free") is not None


async def test_kick_closes_the_users_connections_only(rig: Rig) -> None:
    bad, good = FakeConn(), FakeConn()
    await rig.hub.join(bad, KEY, "r1", "troll", msgspec.json.encode({"id": "troll"}), since=None, history=0)
    await rig.hub.join(good, KEY, "r1", "fan", msgspec.json.encode({"id": "fan"}), since=None, history=0)
    await rig.service.moderate(rig.claims("h", "host"), "r1", "kick", user="troll")
    await rig.hub.tick()
    assert bad.closed and bad.closed_with is not None and bad.closed_with.code == "kicked"
    assert not good.closed and good.seqs() == [1]  # everyone sees the system message
    assert await rig.service.check_join(rig.claims("troll"), "r1") == KEY  # a kick is not a ban


async def test_ban_blocks_join_and_publish_until_unban(rig: Rig) -> None:
    conn = FakeConn()
    await rig.hub.join(conn, KEY, "r1", "troll", b'{"id":"troll"}', since=None, history=0)
    host, troll = rig.claims("h", "host"), rig.claims("troll")
    await rig.service.moderate(host, "r1", "ban", user="troll", dur=3600)
    await rig.hub.tick()
    assert conn.closed and conn.closed_with is not None and conn.closed_with.code == "banned"
    for attempt in (rig.service.check_join(troll, "r1"), rig.service.publish(troll, "r1", Kind.CHAT, "x"),
                    rig.service.history(troll, "r1", since=None, limit=10)):
        with pytest.raises(Forbidden) as e:
            await attempt
        assert e.value.code == "banned"
    await rig.service.moderate(host, "r1", "unban", user="troll")
    assert await rig.service.check_join(troll, "r1") == KEY


async def test_delete_removes_from_history_and_tells_clients(rig: Rig) -> None:
    user, mod = rig.claims("u"), rig.claims("mod", "moderator")
    acc = await rig.service.publish(user, "r1", Kind.CHAT, "spam link")
    await rig.service.moderate(mod, "r1", "delete", seq=acc.seq)  # type: ignore[union-attr]
    raws = await rig.service.history(user, "r1", since=None, limit=10)
    assert [decode_message(r).b for r in raws] == [{"action": "delete", "by": "mod", "seq": acc.seq}]  # type: ignore[union-attr]
    with pytest.raises(BadRequest):
        await rig.service.moderate(mod, "r1", "delete")


async def test_slow_mode_limits_members_not_moderators(rig: Rig) -> None:
    host, user = rig.claims("h", "host"), rig.claims("u")
    await rig.service.moderate(host, "r1", "slow", dur=30)
    assert (await last_system(rig))["seconds"] == 30
    await rig.service.publish(user, "r1", Kind.CHAT, "one")
    with pytest.raises(RateLimited) as e:
        await rig.service.publish(user, "r1", Kind.CHAT, "two")
    assert e.value.code == "slow_mode" and 29 < e.value.details["retry_after"] <= 30
    await rig.service.publish(host, "r1", Kind.CHAT, "host is exempt")
    await rig.clock.advance(30)
    await rig.service.publish(user, "r1", Kind.CHAT, "two")
    await rig.service.moderate(host, "r1", "slow", dur=0)


async def test_keyword_filter_is_per_room(rig: Rig) -> None:
    await rig.service.moderate(rig.claims("h", "host"), "r1", "keywords", words=["Scam", " "])
    with pytest.raises(Forbidden) as e:
        await rig.service.publish(rig.claims("u"), "r1", Kind.DANMAKU, {"text": "total SCAM"})
    assert e.value.code == "keyword_blocked"
    assert await rig.service.publish(rig.claims("u"), "r1", Kind.CHAT, "fine") is not None
    other = rig.claims("u", merchant="m2")
    assert await rig.service.publish(other, "r1", Kind.CHAT, "scam talk elsewhere") is not None
    # another room of the same merchant keeps its own (empty) list
    assert await rig.service.publish(rig.claims("u", room="*"), "r2", Kind.CHAT, "scam in r2") is not None


async def test_unknown_or_incomplete_moderation_is_rejected(rig: Rig) -> None:
    host = rig.claims("h", "host")
    for kwargs in ({"action": "nuke"}, {"action": "mute"}, {"action": "mute", "user": "u", "dur": -1}):
        action = kwargs.pop("action")
        with pytest.raises(BadRequest):
            await rig.service.moderate(host, "r1", action, **kwargs)  # type: ignore[arg-type]


async def test_rate_limits_per_user_and_per_channel(rig: Rig) -> None:
    u = rig.claims("u")
    for _ in range(3):  # burst 3, 2/s
        await rig.service.publish(u, "r1", Kind.CHAT, "x")
    with pytest.raises(RateLimited) as e:
        await rig.service.publish(u, "r1", Kind.CHAT, "x")
    assert e.value.code == "user_rate_limited" and e.value.retryable and e.value.details["retry_after"] > 0
    # channel: burst 8 across users
    for i in range(5):
        await rig.service.publish(rig.claims(f"v{i}"), "r1", Kind.CHAT, "x")
    with pytest.raises(RateLimited) as e2:
        await rig.service.publish(rig.claims("w"), "r1", Kind.CHAT, "x")
    assert e2.value.code == "channel_rate_limited"
    await rig.clock.advance(1)
    await rig.service.publish(u, "r1", Kind.CHAT, "x")
    # reactions have their own, larger budget
    for _ in range(40):
        await rig.service.publish(u, "r1", Kind.LIKE, None)
    with pytest.raises(RateLimited):
        await rig.service.publish(u, "r1", Kind.LIKE, None)


async def test_message_size_limit(rig: Rig) -> None:
    with pytest.raises(TooLarge) as e:
        await rig.service.publish(rig.claims("u"), "r1", Kind.CHAT, "x" * 300)
    assert e.value.code == "message_too_large"
    with pytest.raises(BadRequest):
        await rig.service.publish(rig.claims("u"), "r1", Kind.CHAT, "x", cid="c" * 65)
    assert await rig.broker.last_seq(KEY) == 0  # nothing was stored
