"""Voice rooms over the signaling socket, through Souk to a real Janus AudioBridge, with aiortc peers: a seat
holder speaks, a listener hears the mix, the seat policy is asked, host mute and kick reach the page, and no
Janus handle is left behind. The seat policy here is a stand-in for the voice-room service (souk.voice), which
has its own tests; this is the socket's side of the contract (/work/notes/contract-V1.md)."""

from __future__ import annotations

import os
import signal

import pytest

from souk.bench.signal_client import SignalClient, SignalError
from souk.bench.voiceroom_bots import ListenerBot, SpeakerBot, until
from souk.core.tenancy import RoomKey
from souk.media.types import Jsep
from tests.contract.storage.conftest import merchant
from tests.fixtures.browser import Souk
from tests.integration.api.test_signal_media import handles, settle_handles

pytestmark = [pytest.mark.janus, pytest.mark.timeout(90)]

LOUD = 600.0


class Seats:
    """The seat policy (souk.signal.voice.SeatPolicy) as the test sets it."""

    def __init__(self, *seated: str) -> None:
        self.seated = set(seated)
        self.muted: set[str] = set()

    async def may_speak(self, room: RoomKey, identity: str) -> bool:
        return identity in self.seated

    async def host_muted(self, room: RoomKey, identity: str) -> bool:
        return identity in self.muted


async def _client(souk: Souk, room: str, identity: str, role: str) -> SignalClient:
    token = souk.ctx.tokens.mint(merchant_id="lumen", identity=identity, room=room, role=role)
    client = await SignalClient.connect(souk.ws_url, token)
    await client.request({"type": "join", "room": room})
    return client


async def _speak(client: SignalClient, pitch: float) -> SpeakerBot:
    bot = SpeakerBot(pitch)
    offer = await bot.offer()
    reply = await client.request({"type": "voice.speak", "sdp": offer.sdp})
    await bot.accept(Jsep("answer", reply["sdp"]))
    return bot


async def test_speak_listen_seat_policy_host_mute_kick_and_no_leaked_handle(souk_media: Souk) -> None:
    ctx = souk_media.ctx
    assert ctx.voice_plane is not None and ctx.media is not None
    room = str((await ctx.storage.rooms.create("lumen", "voice")).id)
    key = RoomKey("lumen", room)
    seats = Seats("host")
    ctx.voice_seats = seats
    await ctx.voice_plane.ensure_room(key, seats=4)
    base = await handles(souk_media)  # the plane's own: control handles, the mix mountpoint's
    host = await _client(souk_media, room, "host", "host")
    guest = await _client(souk_media, room, "guest", "audience")
    fan = await _client(souk_media, room, "fan", "audience")
    bots: list[SpeakerBot | ListenerBot] = []
    try:
        bots.append(await _speak(host, 440.0))
        with pytest.raises(SignalError) as err:  # a listener without a seat cannot speak
            await _speak(guest, 1000.0)
        assert err.value.code == "not_seated"
        seats.seated.add("guest")  # the service granted the seat
        g_bot = await _speak(guest, 1000.0)
        bots.append(g_bot)
        with pytest.raises(SignalError) as err:
            await guest.request({"type": "voice.speak", "sdp": (await SpeakerBot(1.0).offer()).sdp})
        assert err.value.code == "already_speaking"

        ear = ListenerBot()
        bots.append(ear)
        offer = await fan.request({"type": "voice.listen"})
        assert offer["type"] == "voice.offer"
        answer = await ear.answer(Jsep("offer", offer["sdp"]))
        await fan.request({"type": "voice.answer", "sdp": answer.sdp})
        await fan.next_event("media", target="listen", webrtc="up")
        await until(lambda: ear.ear.heard(440.0) > LOUD and ear.ear.heard(1000.0) > LOUD, 10, "fan hears both")
        assert sum(ctx.voice_plane.listeners(key).values()) == 1
        with pytest.raises(SignalError) as err:
            await fan.request({"type": "voice.listen"})
        assert err.value.code == "already_listening"

        await guest.request({"type": "voice.mute", "muted": True})  # self mute, then the host's
        seats.muted.add("guest")
        assert await ctx.voice_plane.mute(key, "guest", True)
        with pytest.raises(SignalError) as err:
            await guest.request({"type": "voice.mute", "muted": False})
        assert err.value.code == "host_muted"

        assert await ctx.voice_plane.kick(key, "guest")  # the seat was taken away: the page is told
        removed = await guest.next_event("voice.removed", timeout=5)
        assert removed == {"type": "voice.removed", "room": room, "reason": "kicked"}
        with pytest.raises(SignalError) as err:
            await guest.request({"type": "voice.mute", "muted": True})
        assert err.value.code == "not_speaking"

        await host.request({"type": "voice.unspeak"})
        await fan.request({"type": "voice.unlisten"})
    finally:
        for client in (host, guest, fan):
            await client.aclose()
        for bot in bots:
            await bot.aclose()
        ctx.voice_seats = None
    assert await settle_handles(souk_media, base) == base
    await ctx.voice_plane.destroy_room(key)


async def test_voice_messages_outside_a_voice_room_and_before_join(souk_media: Souk) -> None:
    ctx = souk_media.ctx
    consult = str((await ctx.storage.rooms.create("lumen", "consult")).id)
    client = await SignalClient.connect(souk_media.ws_url, ctx.tokens.mint(
        merchant_id="lumen", identity="shopper", room=consult, role="member"))
    try:
        with pytest.raises(SignalError) as err:
            await client.request({"type": "voice.listen"})
        assert err.value.code == "not_joined"
        await client.request({"type": "join", "room": consult})
        with pytest.raises(SignalError) as err:
            await client.request({"type": "voice.listen"})
        assert err.value.code == "not_voice_room"
        with pytest.raises(SignalError) as err:
            await client.request({"type": "voice.trickle", "target": "nowhere"})
        assert err.value.code == "malformed"
    finally:
        await client.aclose()


async def test_janus_killed_the_pages_are_told_and_speak_and_listen_again(souk_media: Souk) -> None:
    ctx = souk_media.ctx
    plane = ctx.media
    assert ctx.voice_plane is not None and plane is not None and plane.supervisor is not None
    room = str((await ctx.storage.rooms.create("lumen", "voice")).id)
    ctx.voice_seats = Seats("host")
    await ctx.voice_plane.ensure_room(RoomKey("lumen", room), seats=2)
    host = await _client(souk_media, room, "host", "host")
    fan = await _client(souk_media, room, "fan", "audience")
    bots: list[SpeakerBot | ListenerBot] = []

    async def listen() -> ListenerBot:
        ear = ListenerBot()
        bots.append(ear)
        offer = await fan.request({"type": "voice.listen"})
        await fan.request({"type": "voice.answer", "sdp": (await ear.answer(Jsep("offer", offer["sdp"]))).sdp})
        return ear

    try:
        bots.append(await _speak(host, 440.0))
        ear = await listen()
        await until(lambda: ear.ear.heard(440.0) > LOUD, 10, "heard before")
        pid = plane.supervisor.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        removed = await host.next_event("voice.removed", timeout=15)
        assert removed["reason"] == "media_lost"
        await host.next_event("media.reset", timeout=15)  # the voice room is back on the new Janus
        await fan.next_event("media.reset", timeout=15)
        bots.append(await _speak(host, 1000.0))  # what the SDK does on media.reset: open again what was open
        ear = await listen()  # the server dropped the dead listener: a fresh one is not already_listening
        await until(lambda: ear.ear.heard(1000.0) > LOUD, 10, "heard after the restart")
    finally:
        for client in (host, fan):
            await client.aclose()
        for bot in bots:
            await bot.aclose()
        ctx.voice_seats = None


async def test_two_merchants_with_the_same_voice_room_id_hear_only_their_own(souk_media: Souk) -> None:
    ctx = souk_media.ctx
    assert ctx.voice_plane is not None
    await ctx.storage.merchants.create(merchant("other"))
    for mid in ("lumen", "other"):
        await ctx.storage.rooms.create(mid, "voice", room_id="voice-same")
    ctx.voice_seats = Seats("host")
    clients: list[SignalClient] = []
    bots: list[SpeakerBot | ListenerBot] = []

    async def client(merchant: str, identity: str, role: str) -> SignalClient:
        token = ctx.tokens.mint(merchant_id=merchant, identity=identity, room="voice-same", role=role)
        c = await SignalClient.connect(souk_media.ws_url, token)
        clients.append(c)
        await c.request({"type": "join", "room": "voice-same"})
        return c

    async def ear_of(c: SignalClient) -> ListenerBot:
        ear = ListenerBot()
        bots.append(ear)
        offer = await c.request({"type": "voice.listen"})
        await c.request({"type": "voice.answer", "sdp": (await ear.answer(Jsep("offer", offer["sdp"]))).sdp})
        return ear

    try:
        bots.append(await _speak(await client("lumen", "host", "host"), 440.0))
        bots.append(await _speak(await client("other", "host", "host"), 1000.0))
        lumen_ear = await ear_of(await client("lumen", "fan", "audience"))
        other_ear = await ear_of(await client("other", "fan", "audience"))
        await until(lambda: lumen_ear.ear.heard(440.0) > LOUD and other_ear.ear.heard(1000.0) > LOUD, 10,
                    "each merchant's listener hears its own host")
        # the other room's tone never reaches a listener (Opus coding one pure tone leaves ~-34 dB of noise in
        # other bins: 100-150 on this scale, against 6000 for the tone itself)
        assert lumen_ear.ear.typical(1000.0) < 300 and other_ear.ear.typical(440.0) < 300
        assert lumen_ear.ear.heard(1000.0) < LOUD and other_ear.ear.heard(440.0) < LOUD
        assert {k.merchant_id for k in ctx.voice_plane._rooms} >= {"lumen", "other"}  # two AudioBridge rooms
    finally:
        for c in clients:
            await c.aclose()
        for bot in bots:
            await bot.aclose()
        ctx.voice_seats = None
