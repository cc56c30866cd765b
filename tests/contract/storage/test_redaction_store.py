"""PII redaction of stored transcripts per merchant (souk.storage.repos.redaction) on SQLite and PostgreSQL: a
merchant's own choice over the default, a voice conversation's spoken lines and a show's captions stored
redacted when it is on (and only then), a typed conversation as typed, every choice per merchant."""

from __future__ import annotations

import dataclasses

import pytest

from souk.domain.desk.handoff import HandoffPacket, Speaker, TranscriptLine
from souk.domain.desk.timeline import AgentMessage, AiMessage, Assigned, Channel, Handoff, ShopperMessage
from souk.storage import Storage
from souk.storage.repos.captions import SqlCaptionRepo
from souk.storage.repos.desk import SqlConversationRepo
from souk.storage.repos.redaction import RedactionError, SqlRedactionRepo
from tests.contract.storage.conftest import A, B
from tests.contract.storage.test_captions_store import cap
from tests.contract.storage.test_desk_store import at, convo, packet

SAID = "mail me at ana.lopez@example.com or call +34 612 345 678, order 10023"
CLEAN = "mail me at [email] or call [phone], order 10023"


def spoken_packet() -> HandoffPacket:
    return dataclasses.replace(packet(), summary=f"asked: {SAID}",
                               transcript=(TranscriptLine(at(1), Speaker.SHOPPER, SAID),))


async def test_own_choice_over_the_default_per_merchant(two_shops: Storage) -> None:
    repo = SqlRedactionRepo(two_shops.db, two_shops.clock, transcripts_default=False)
    assert await repo.effective(A) == {"transcripts": False} and await repo.own(A) == {}
    await repo.set(A, "transcripts", True)
    assert await repo.transcripts(A) is True and await repo.transcripts(B) is False  # at once on this node
    assert await repo.own(A) == {"transcripts": True} and await repo.own(B) == {}
    on = SqlRedactionRepo(two_shops.db, two_shops.clock, transcripts_default=True)
    assert await on.transcripts(B) is True
    await on.set(B, "transcripts", False)
    assert await on.transcripts(B) is False and await on.effective(B) == {"transcripts": False}
    assert await on.clear(B, "transcripts") is True and await on.clear(B, "transcripts") is False
    assert await on.transcripts(B) is True
    with pytest.raises(RedactionError, match="unknown redaction target"):
        await repo.set(A, "everything", True)
    with pytest.raises(RedactionError, match="on or off"):
        await repo.set(A, "transcripts", 1)  # type: ignore[arg-type]


async def test_voice_lines_stored_redacted_only_when_on(two_shops: Storage) -> None:
    policy = SqlRedactionRepo(two_shops.db, two_shops.clock)
    await policy.set(A, "transcripts", True)
    desk = SqlConversationRepo(two_shops.db, two_shops.clock, redaction=policy)
    for mid, cid, channel in ((A, "voice", Channel.ASSISTANT_VOICE), (A, "typed", Channel.ASSISTANT_TEXT),
                              (B, "voice", Channel.ASSISTANT_VOICE)):
        await desk.create(convo(mid, cid, channel=channel))
        await desk.append(mid, cid, [ShopperMessage(at(1), SAID), AiMessage(at(2), f"Noted: {SAID}"),
                                     ShopperMessage(at(3), "a person please"),
                                     Handoff(at(4), packet().reason, "es", spoken_packet())])
    events = [e for _, e in await desk.events(A, "voice")]
    texts = [e.text for e in events if isinstance(e, ShopperMessage | AiMessage)]
    assert texts == [CLEAN, f"Noted: {CLEAN}", "a person please"]
    handoff = events[3]
    assert isinstance(handoff, Handoff) and handoff.packet is not None
    assert [line.text for line in handoff.packet.transcript] == [CLEAN]
    assert handoff.packet.summary == f"asked: {CLEAN}"
    assert handoff.packet.customer is not None and handoff.packet.customer.email == "ana@example.com"  # a record
    typed = [e for _, e in await desk.events(A, "typed")]
    assert isinstance(typed[0], ShopperMessage) and typed[0].text == SAID  # typed, not a transcript of speech
    other = [e for _, e in await desk.events(B, "voice")]
    assert isinstance(other[0], ShopperMessage) and other[0].text == SAID  # B did not turn it on


async def test_agent_lines_of_a_voice_conversation_stay(two_shops: Storage) -> None:
    policy = SqlRedactionRepo(two_shops.db, two_shops.clock, transcripts_default=True)
    desk = SqlConversationRepo(two_shops.db, two_shops.clock, redaction=policy)
    await desk.create(convo(A, "v", channel=Channel.ASSISTANT_VOICE))
    p = packet()
    await desk.append(A, "v", [Handoff(at(1), p.reason, "es", p)])
    await desk.append(A, "v", [Assigned(at(2), "agent-a"), AgentMessage(at(3), "agent-a", "write to help@shop.com")])
    events = [e for _, e in await desk.events(A, "v")]
    assert isinstance(events[2], AgentMessage) and events[2].text == "write to help@shop.com"


async def test_captions_stored_redacted_only_when_on(two_shops: Storage) -> None:
    policy = SqlRedactionRepo(two_shops.db, two_shops.clock)
    await policy.set(B, "transcripts", True)
    repo = SqlCaptionRepo(two_shops.db, two_shops.clock, redaction=policy)
    await repo.put(A, cap(0, SAID))
    await repo.put(B, cap(0, SAID))
    (a,) = await repo.of_show(A, "show_1")
    (b,) = await repo.of_show(B, "show_1")
    assert a.text == SAID and a.translations == {"es": f"es:{SAID}"}
    assert b.text == CLEAN and b.translations == {"es": f"es:{CLEAN}"}
