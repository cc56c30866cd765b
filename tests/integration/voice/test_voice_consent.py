"""Recording consent in voice rooms (souk.voice.service, docs/privacy.md "Consent") over real storage (SQLite
and PostgreSQL) and the real ConsentService: in a recorded room a listener without a standing yes to recording
cannot take a seat nor accept an invitation (409 consent_required), with one they can; a withdrawal while
seated moves them back to listening (the plane drops them) before it is answered; the host is not asked; an
unrecorded room asks nobody; no consent service in the process refuses every listener (fail closed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from souk.core.clock import ManualClock
from souk.core.errors import Conflict
from souk.domain.consent import Channel as ConsentChannel
from souk.domain.consent import ConsentKind
from souk.domain.seats import Actor, AnswerInvite, InviteToSeat, TakeSeat
from souk.domain.voice_rooms import VoiceRoomSpec
from souk.privacy.consent import ConsentService
from souk.storage import Storage
from souk.voice.service import VoiceRooms
from tests.contract.storage.conftest import A, merchant
from tests.integration.voice.test_voice_service import KEY, Channel, Plane

HOST = Actor("host", "Host", host=True)
ANN, BEN = Actor("ann", "Ann"), Actor("ben", "Ben")


@pytest.fixture
async def shop(storage: Storage) -> Storage:
    await storage.merchants.create(merchant(A))
    return storage


async def _say(consent: ConsentService, who: str, granted: bool) -> None:
    await consent.answer(A, who, ConsentKind.RECORDING, granted, channel=ConsentChannel.VOICE_ROOM, language="es")


async def test_a_recorded_room_seats_only_with_consent(shop: Storage, tmp_path: Path) -> None:
    plane, consent = Plane(), ConsentService(shop.consent)
    voice = VoiceRooms(shop.voice_rooms, Channel(), plane, ManualClock(), recordings_dir=tmp_path, consent=consent)
    try:
        await voice.open(A, "v1", VoiceRoomSpec(host_identity="host", seats=4, free_seating=True, record=True))
        with pytest.raises(Conflict) as refused:
            await voice.act(A, "v1", ANN, TakeSeat())
        assert refused.value.code == "consent_required" and not await voice.may_speak(KEY, "ann")
        await voice.act(A, "v1", HOST, InviteToSeat("ben"))
        with pytest.raises(Conflict) as refused:
            await voice.act(A, "v1", BEN, AnswerInvite(accept=True))
        assert refused.value.code == "consent_required"
        await voice.act(A, "v1", BEN, AnswerInvite(accept=False))  # declining needs nothing
        await _say(consent, "ann", False)  # a no is no
        with pytest.raises(Conflict):
            await voice.act(A, "v1", ANN, TakeSeat())

        await _say(consent, "ann", True)
        room = await voice.act(A, "v1", ANN, TakeSeat())
        assert "ann" in room.seats.speakers and await voice.may_speak(KEY, "ann")
        await _say(consent, "ann", False)  # withdrawn while seated: answered once she is back to listening
        assert not await voice.may_speak(KEY, "ann") and plane.calls[-1] == ("kick", "ann")
        assert "ann" not in (await voice.get(A, "v1")).seats.speakers
        await _say(consent, "ann", True)  # a yes again: she may take a seat again
        assert "ann" in (await voice.act(A, "v1", ANN, TakeSeat())).seats.speakers

        seated_host = await voice.act(A, "v1", HOST, TakeSeat())  # the host side is not asked
        assert "host" in seated_host.seats.speakers
    finally:
        await voice.aclose()


async def test_unrecorded_rooms_ask_nobody_and_no_service_refuses(shop: Storage, tmp_path: Path) -> None:
    voice = VoiceRooms(shop.voice_rooms, Channel(), Plane(), ManualClock(), recordings_dir=tmp_path)
    try:
        await voice.open(A, "v1", VoiceRoomSpec(host_identity="host", seats=4, free_seating=True))
        assert "ann" in (await voice.act(A, "v1", ANN, TakeSeat())).seats.speakers
        await voice.end(A, "v1")
        await voice.open(A, "v2", VoiceRoomSpec(host_identity="host", seats=4, free_seating=True, record=True))
        with pytest.raises(Conflict) as refused:  # recorded, and no consent records here: fail closed
            await voice.act(A, "v2", ANN, TakeSeat())
        assert refused.value.code == "consent_required"
    finally:
        await voice.aclose()
