"""The served show of ``souk bench captions``: a demo-seeded Souk with its embedded Janus, a host publishing
speech over the signaling socket (aiortc, audio only) with captions on, and RTM viewers in their languages,
each caption noted with its arrival time."""

from __future__ import annotations

import asyncio
import fractions
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from souk.core.settings import Settings
from souk.core.tenancy import RoomKey
from souk.rtm.client import RtmClient

FEATURES = ("souk.api.routes.health", "souk.api.routes.auth", "souk.api.routes.rooms",
            "souk.api.routes.signaling", "souk.api.routes.rtm", "souk.api.routes.live", "souk.api.routes.stage",
            "souk.api.routes.replay", "souk.api.routes.captions")
FRAME = 640  # 20 ms of 16 kHz mono s16le
HOST = "host-bench"


class SpeakingTrack(MediaStreamTrack):
    """The host's microphone: silence, and on :meth:`say` one utterance paced in real time; the wall time at
    which the frame holding the utterance's last speech sample was handed to the encoder resolves say()."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._pcm = b""
        self._pos = 0
        self._end = 0
        self._done: asyncio.Future[float] | None = None
        self._n = 0
        self._start: float | None = None

    async def say(self, pcm: bytes, speech_end_byte: int) -> float:
        self._done = asyncio.get_running_loop().create_future()
        self._pcm, self._pos, self._end = pcm, 0, min(speech_end_byte, len(pcm))
        return await self._done

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        wait = self._start + self._n * 0.02 - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        chunk = self._pcm[self._pos:self._pos + FRAME]
        self._pos += len(chunk)
        if self._done is not None and not self._done.done() and self._pos >= self._end:
            self._done.set_result(time.time())
        chunk += bytes(FRAME - len(chunk))
        frame = av.AudioFrame.from_ndarray(np.frombuffer(chunk, "<i2")[None, :], format="s16", layout="mono")
        frame.sample_rate = 16000
        frame.pts = self._n * 320
        frame.time_base = fractions.Fraction(1, 16000)
        self._n += 1
        return frame


class TimedRtm(RtmClient):
    """An RTM viewer noting when each caption arrived (wall time)."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(url, token)
        self.arrivals: list[tuple[float, dict[str, Any]]] = []

    def _on_frame(self, f: dict[str, Any]) -> None:
        now = time.time()
        if f.get("t") == "b":
            for m in f.get("m", []):
                b = m.get("b")
                if m.get("k") == "system" and isinstance(b, dict) and b.get("type") == "caption":
                    self.arrivals.append((now, b))
        super()._on_frame(f)


@dataclass
class ServedShow:
    track: SpeakingTrack
    viewers: dict[str, TimedRtm]
    model_load_s: float
    extra: dict[str, Any] = field(default_factory=dict)

    def captions(self, lang: str) -> list[tuple[float, dict[str, Any]]]:
        return [(t, b) for t, b in self.viewers[lang].arrivals if b.get("lang") == lang]

    async def say(self, pcm: bytes, speech_end_byte: int) -> float:
        return await self.track.say(pcm, speech_end_byte)


@asynccontextmanager
async def served_show(settings: Settings, data_dir: Path, room: str, langs: tuple[str, ...]) -> AsyncIterator[ServedShow]:
    from souk.api.app import create_app
    from souk.api.bootstrap import build_context
    from souk.bench.serving import free_port, running_uvicorn
    from souk.bench.signal_client import SignalClient
    from souk.core.settings import load_settings
    from souk.storage import open_storage, seed_demo

    port = free_port()
    served = load_settings(None, data_dir=str(data_dir), demo=True, server={"host": "127.0.0.1", "port": port},
                           agent={"models_dir": str(settings.models_path)})
    async with AsyncExitStack() as stack:
        storage = await open_storage(served)
        stack.push_async_callback(storage.aclose)
        seed = await seed_demo(storage)
        ctx = await build_context(served, stack, storage=storage, with_media=True)
        app = create_app(served, ctx=ctx, features=FEATURES)
        await stack.enter_async_context(running_uvicorn(app, port, "bench-captions"))

        def mint(identity: str, role: str) -> str:
            return str(ctx.tokens.mint(merchant_id=seed.merchant_id, identity=identity, room=room, role=role))

        host_token = mint(HOST, "host")
        http = await stack.enter_async_context(httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {host_token}"}, timeout=60))
        (await http.post(f"/v1/live/{room}/show", json={"title": "captions bench"})).raise_for_status()
        client = await SignalClient.connect(f"ws://127.0.0.1:{port}/v1/signal", host_token)
        stack.push_async_callback(client.aclose)
        await client.request({"type": "join", "room": room})
        track = SpeakingTrack()
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        stack.push_async_callback(pc.close)
        pc.addTrack(track)
        await pc.setLocalDescription(await pc.createOffer())
        reply = await client.request({"type": "publish", "sdp": pc.localDescription.sdp})
        await pc.setRemoteDescription(RTCSessionDescription(sdp=reply["sdp"], type="answer"))
        key = RoomKey(seed.merchant_id, room)
        for _ in range(400):
            member = ctx.hub.member(key, HOST)
            if member is not None and member.feed_id is not None:
                break
            await asyncio.sleep(0.05)
        else:
            raise TimeoutError("the host's feed never came up")
        t0 = time.monotonic()
        r = await http.post(f"/v1/live/{room}/captions", json={"enabled": True, "lang": langs[0]})
        if r.status_code != 200:
            raise RuntimeError(f"captions refused: {r.status_code} {r.text}")
        model_load_s = round(time.monotonic() - t0, 2)
        viewers: dict[str, TimedRtm] = {}
        tokens: dict[str, str] = {}
        for i, lang in enumerate(langs):
            tokens[lang] = token = mint(f"viewer-{i}", "audience")
            v = TimedRtm(f"ws://127.0.0.1:{port}/v1/rtm/ws", token)
            await v.connect()
            stack.push_async_callback(v.close)
            await v.join(room)
            viewers[lang] = v

        async def tell_languages() -> float:
            """Each viewer's language, repeated every ttl_s / 2 as the watch page does (a choice lapses unless
            repeated); the server's ttl_s."""
            ttl = 90.0
            for lang, token in tokens.items():
                r = await http.post(f"/v1/live/{room}/captions/language", json={"lang": lang},
                                    headers={"Authorization": f"Bearer {token}"})
                r.raise_for_status()
                ttl = float(r.json().get("ttl_s", ttl))
            return ttl

        ttl_s = await tell_languages()

        async def keep_telling() -> None:
            while True:
                await asyncio.sleep(max(1.0, ttl_s / 2))
                await tell_languages()

        repeat = asyncio.create_task(keep_telling(), name="bench-captions-languages")
        stack.callback(repeat.cancel)
        await asyncio.sleep(1.0)  # the tap's first packets
        yield ServedShow(track, viewers, model_load_s)
