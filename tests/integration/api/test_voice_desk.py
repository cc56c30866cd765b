"""The voice socket with the desk over real HTTP: a voice conversation is one desk conversation. Its turns land
on the timeline as heard (cut at a barge-in), a spoken request for a person hands off with the notice spoken,
the AI is quiet while a person has it, the person's replies are spoken and forwarded as desk frames, and the
widget's text session joined with ``?session=`` stays one conversation.

The voice engine is the fake of the voice route tests (loudness VAD, scripted speech-to-text, silent speech of a
set length per word); the brain is the warmed offline assistant on the demo store."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from souk.agent.processors.responder import SpeculationPolicy
from souk.agent.providers.base import SttResult
from souk.agent.service import VoiceService
from souk.agent.session import VoiceConfig, VoiceEngine
from souk.assistant.offline import OfflineBrain
from souk.core.clock import SystemClock
from tests.fixtures.assistant import brain, snap
from tests.integration.api.desk_app import B, DeskSouk, Socket, desk_souk, online_agent

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "agent"))
from voice_fakes import SILENCE, SPEECH, AmplitudeVadFactory

__all__ = ["brain", "snap"]

pytestmark = pytest.mark.timeout(120)

SHOPPER = "C-518"  # a demo customer (orders 1036 ...)


class ScriptStt:
    """Hears what the test says it heard next."""

    def __init__(self) -> None:
        self.next = ""

    async def transcribe(self, pcm: bytes, *, language: str | None = None) -> SttResult:
        return SttResult(self.next, language or "es", 1.0, len(pcm) / 32000, 0.0)

    async def aclose(self) -> None:
        pass


class SilentTts:
    """``ms_per_word`` of silence per word, one chunk per clause."""

    def __init__(self, ms_per_word: int) -> None:
        self.ms_per_word = ms_per_word

    async def stream(self, text: str, language: str) -> AsyncIterator[tuple[str, bytes]]:
        for clause in [c.strip() + "." for c in text.split(".") if c.strip()]:
            await asyncio.sleep(0)
            frames = max(1, len(clause.split()) * self.ms_per_word // 20)
            yield clause, bytes(640 * frames)

    async def aclose(self) -> None:
        pass


def voice(stt: ScriptStt, ms_per_word: int = 20) -> VoiceService:
    clock = SystemClock()
    engine = VoiceEngine(vad=AmplitudeVadFactory(), stt=stt, tts=SilentTts(ms_per_word),  # type: ignore[arg-type]
                         config=VoiceConfig(), speculation=SpeculationPolicy(), clock=clock)
    return VoiceService.of(engine)


async def speak(sock: Socket, stt: ScriptStt, text: str) -> None:
    """Half a second of speech, then enough silence to end the turn; the speech-to-text hears ``text``."""
    stt.next = text
    for _ in range(25):
        await sock.ws.send(SPEECH)
    for _ in range(30):
        await sock.ws.send(SILENCE)


async def ai_reply(sock: Socket, after: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The AI's next reply (not a scripted line) and its audio_end."""
    said = await sock.wait_for(lambda f: f.get("type") == "agent_text" and not f.get("scripted"), 30, after)
    end = await sock.wait_for(lambda f: f.get("type") == "audio_end" and f["utterance"] == said["utterance"],
                              30, after)
    return said, end


async def timeline(souk: DeskSouk, conv_id: str, staff: str, kinds: int) -> dict[str, Any]:
    """The staff view of the conversation once it has ``kinds`` events (the turns land when heard)."""
    async with souk.http(souk.staff(staff)) as c:
        for _ in range(300):
            r = await c.get(f"/v1/desk/conversations/{conv_id}")
            if r.status_code == 200 and len(r.json()["events"]) >= kinds:
                return dict(r.json())
            await asyncio.sleep(0.02)
    raise AssertionError(f"conversation {conv_id}: fewer than {kinds} events: {r.text}")


async def test_spoken_turns_hand_off_then_the_person_is_heard_and_the_ai_is_quiet(tmp_path: Path,
                                                                                  brain: OfflineBrain) -> None:
    stt = ScriptStt()
    async with desk_souk(tmp_path / "souk", brain, voice=voice(stt)) as souk:
        ana = await online_agent(souk, "ana", name="Ana")
        shopper = await souk.ws("/v1/voice", souk.token(SHOPPER), language="es")
        ready = await shopper.wait_type("ready")
        cid = ready["conversation_id"]
        assert ready["desk"] is True and cid

        await speak(shopper, stt, "¿Dónde está mi pedido 1036?")
        said, end = await ai_reply(shopper, 0)
        assert not end["interrupted"] and "1036" in said["text"]
        body = await timeline(souk, cid, "ana", 2)
        assert body["conversation"]["channel"] == "assistant_voice" and body["conversation"]["status"] == "ai"
        first = body["events"][:2]
        assert [e["kind"] for e in first] == ["shopper_message", "ai_message"]
        assert first[0]["text"] == "¿Dónde está mi pedido 1036?" and first[1]["text"] == said["text"]

        # a spoken request for a person: the AI's why, then the desk's notice spoken in Spanish
        n, mark = len(shopper.frames), len(ana.frames)
        await speak(shopper, stt, "Quiero hablar con una persona, por favor")
        said, _ = await ai_reply(shopper, n)
        assert said["handoff"]["to"] == "human"
        status = await shopper.wait_for(lambda f: f.get("type") == "desk_status" and "text" in f, 10, n)
        assert status["status"] == "assigned" and status["notice"]["agent_name"] == "Ana" and "Ana" in status["text"]
        notice = await shopper.wait_for(lambda f: f.get("type") == "agent_text" and f.get("desk") == "notice", 10, n)
        assert notice["scripted"] and notice["text"] == status["text"] and notice["language"] == "es"
        await shopper.wait_for(lambda f: f.get("type") == "audio_end" and f["utterance"] == notice["utterance"],
                               10, n)
        assigned = await ana.wait_type("assigned", 10, mark)
        assert assigned["conversation"]["id"] == cid and assigned["packet"]["reason"] == "explicit_request"
        assert any("1036" in line["text"] for line in assigned["packet"]["transcript"])
        # the desk's own frames reach the voice socket in the agent socket's shapes
        await shopper.wait_for(lambda f: f.get("type") == "desk_status" and "text" not in f
                               and f["status"] == "assigned", 10, n)

        # while Ana has it, what the shopper says goes to her and the AI says nothing
        n, mark = len(shopper.frames), len(ana.frames)
        await speak(shopper, stt, "Gracias, espero")
        sent = await shopper.wait_type("sent", 10, n)
        heard = await ana.wait_for(lambda f: f.get("type") == "event" and f["event"]["kind"] == "shopper_message",
                                   10, mark)
        assert heard["event"]["text"] == "Gracias, espero" and heard["event"]["seq"] == sent["seq"]
        await asyncio.sleep(0.5)
        assert not [f for f in shopper.frames[n:] if f["type"] in ("agent_text", "audio_start", "audio_end")]
        assert [f["text"] for f in shopper.frames[n:] if f["type"] == "transcript"] == ["Gracias, espero"]

        # Ana's reply is spoken to the shopper and forwarded as the desk's frame
        n = len(shopper.frames)
        async with souk.http(souk.staff("ana")) as c:
            r = await c.post(f"/v1/desk/conversations/{cid}/messages", json={"text": "Hola, soy Ana. Lo miro."})
            assert r.status_code == 200, r.text
        frame = await shopper.wait_for(lambda f: f.get("type") == "desk" and f["event"]["kind"] == "agent_message",
                                       10, n)
        assert frame["event"]["text"] == "Hola, soy Ana. Lo miro." and frame["event"]["agent_name"] == "Ana"
        spoken = await shopper.wait_for(lambda f: f.get("type") == "agent_text" and f.get("desk") == "agent_message",
                                        10, n)
        assert spoken["text"] == "Hola, soy Ana. Lo miro." and spoken["scripted"] and spoken["agent_name"] == "Ana"
        assert spoken["seq"] == frame["event"]["seq"]
        await shopper.wait_for(lambda f: f.get("type") == "audio_start" and f["utterance"] == spoken["utterance"],
                               10, n)

        n = len(shopper.frames)
        async with souk.http(souk.staff("ana")) as c:
            r = await c.post(f"/v1/desk/conversations/{cid}/close", json={"resolution": "resolved"})
            assert r.status_code == 200, r.text
        await shopper.wait_type("csat_request", 10, n)
        body = await timeline(souk, cid, "ana", 9)
        kinds = [e["kind"] for e in body["events"]]
        assert kinds[:5] == ["shopper_message", "ai_message", "shopper_message", "ai_message", "handoff"]
        assert kinds.count("shopper_message") == 3 and kinds.count("ai_message") == 2
        assert "agent_message" in kinds and kinds[-1] == "closed"
        # assigned at once: the notice said so, once (the desk's assigned frames are not announced again)
        assert len([f for f in shopper.frames if f.get("type") == "agent_text" and f.get("desk") == "notice"]) == 1
        await shopper.send(type="bye")
        await shopper.wait_closed()
        await ana.aclose()


async def test_a_barge_in_keeps_what_was_heard_and_the_socket_ends_its_conversation(
        tmp_path: Path, brain: OfflineBrain) -> None:
    stt = ScriptStt()
    async with desk_souk(tmp_path / "souk", brain, voice=voice(stt, ms_per_word=250)) as souk:
        await online_agent(souk, "ana", name="Ana")
        shopper = await souk.ws("/v1/voice", souk.token(SHOPPER), language="es")
        cid = (await shopper.wait_type("ready"))["conversation_id"]
        await shopper.send(type="text", text="¿Dónde está mi pedido 1036?")
        said = await shopper.wait_for(lambda f: f.get("type") == "agent_text" and not f.get("scripted"), 30)
        await shopper.wait_for(lambda f: f.get("type") == "audio_start" and f["utterance"] == said["utterance"], 10)
        await asyncio.sleep(1.2)  # some words heard
        n = len(shopper.frames)
        await shopper.send(type="text", text="¿Cuánto cuesta el envío a España?")
        cut = await shopper.wait_for(lambda f: f.get("type") == "audio_end" and f["utterance"] == said["utterance"],
                                     10)
        assert cut["interrupted"] and cut["heard_text"] and cut["heard_text"] != said["text"]
        await ai_reply(shopper, n)
        body = await timeline(souk, cid, "ana", 4)
        lines = [(e["kind"], e["text"]) for e in body["events"]]
        assert lines[:2] == [("shopper_message", "¿Dónde está mi pedido 1036?"),
                             ("ai_message", cut["heard_text"] + "…")]
        assert lines[2] == ("shopper_message", "¿Cuánto cuesta el envío a España?")
        await shopper.send(type="bye")
        await shopper.wait_closed()
        async with souk.http(souk.staff("ana")) as c:  # the socket's own conversation ends with it
            for _ in range(100):
                conv = (await c.get(f"/v1/desk/conversations/{cid}")).json()["conversation"]
                if conv["status"] == "closed":
                    break
                await asyncio.sleep(0.05)
        assert conv["status"] == "closed"


async def test_the_widgets_text_session_and_voice_are_one_conversation(tmp_path: Path, brain: OfflineBrain) -> None:
    stt = ScriptStt()
    async with desk_souk(tmp_path / "souk", brain, voice=voice(stt)) as souk:
        chat = await souk.ws("/v1/agent/ws", souk.token(SHOPPER), language="es")
        sid = (await chat.wait_type("ready"))["session_id"]
        await chat.send(type="message", text="¿Dónde está mi pedido 1036?")
        await chat.wait_type("reply", 30)
        for token in (souk.token("C-510"), souk.token(SHOPPER, merchant=B)):  # another shopper's, merchant's
            other = await souk.ws("/v1/voice", token, session=sid)
            assert (await other.wait_type("error"))["code"] == "unknown_conversation"
            assert await other.wait_closed() == 4404

        shopper = await souk.ws("/v1/voice", souk.token(SHOPPER), session=sid, language="es")
        ready = await shopper.wait_type("ready")
        assert ready["conversation_id"] == sid
        await shopper.send(type="text", text="¿Cuánto cuesta el envío a España?")
        said, _ = await ai_reply(shopper, 0)
        # nobody is online: asked on the voice socket, the notice is spoken and says so
        n = len(shopper.frames)
        await shopper.send(type="human")
        status = await shopper.wait_for(lambda f: f.get("type") == "desk_status" and "text" in f, 10, n)
        assert status["status"] == "queued" and status["notice"]["kind"] in ("nobody_online", "after_hours")
        notice = await shopper.wait_for(lambda f: f.get("type") == "agent_text" and f.get("desk") == "notice", 10, n)
        assert notice["text"] == status["text"]
        # the text socket on the same conversation hears the desk too
        await chat.wait_for(lambda f: f.get("type") == "desk_status" and f["status"] == "queued", 10)
        # Ana comes online and gets it: the voice says so
        n = len(shopper.frames)
        ana = await online_agent(souk, "ana", name="Ana")
        joined = await shopper.wait_for(lambda f: f.get("type") == "agent_text" and f.get("desk") == "notice", 10, n)
        assert "Ana" in joined["text"] and joined["language"] == "es"
        await shopper.send(type="bye")
        await shopper.wait_closed()

        body = await timeline(souk, sid, "ana", 5)
        conv = body["conversation"]
        assert conv["channel"] == "assistant_text" and conv["status"] == "assigned"  # the text session's, kept
        lines = [(e["kind"], e.get("text")) for e in body["events"]][:4]
        assert lines[2] == ("shopper_message", "¿Cuánto cuesta el envío a España?")
        assert lines[3] == ("ai_message", said["text"])
        assert [e["kind"] for e in body["events"]].count("handoff") == 1
        await chat.aclose()
        await ana.aclose()
