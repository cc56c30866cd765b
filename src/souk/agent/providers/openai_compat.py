"""Speech over any OpenAI-compatible HTTP API (``/audio/transcriptions``, ``/audio/speech``).

Same interfaces as the offline providers; errors become transient SoukErrors (the turn fails, the session
goes on).
"""

from __future__ import annotations

import io
import time
import wave
from collections.abc import AsyncIterator

import httpx
import numpy as np

from souk.agent.audio import float_to_pcm, resample
from souk.agent.frames import SAMPLE_RATE
from souk.agent.providers.base import SttResult
from souk.agent.providers.tts import split_clauses
from souk.core.errors import BadRequest, Timeout, Unavailable

OPENAI_PCM_RATE = 24_000  # response_format="pcm" is 24 kHz mono s16le


def _wav(pcm: bytes) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm)
    return buf.getvalue()


class OpenAiHttp:
    """One OpenAI-compatible service over HTTP: its failures as Souk errors, coded ``<service>_timeout``,
    ``<service>_unavailable`` (unreachable, 5xx, 429) and ``<service>_refused`` (other 4xx)."""

    def __init__(self, base_url: str, api_key: str, timeout_s: float,
                 transport: httpx.AsyncBaseTransport | None, *, service: str = "speech") -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.AsyncClient(base_url=base_url.rstrip("/") + "/", headers=headers,
                                        timeout=httpx.Timeout(timeout_s), transport=transport)
        self.service = service

    async def post(self, path: str, **kw: object) -> httpx.Response:
        name = self.service
        try:
            resp = await self.client.post(path, **kw)  # type: ignore[arg-type]
        except httpx.TimeoutException as exc:
            raise Timeout(f"{name} service timed out on {path}", code=f"{name}_timeout") from exc
        except httpx.HTTPError as exc:
            raise Unavailable(f"{name} service unreachable: {exc}", code=f"{name}_unavailable") from exc
        if resp.status_code >= 500 or resp.status_code == 429:
            raise Unavailable(f"{name} service answered {resp.status_code}", code=f"{name}_unavailable")
        if resp.status_code >= 400:
            raise BadRequest(f"{name} service refused the request ({resp.status_code}): {resp.text[:200]}",
                             code=f"{name}_refused")
        return resp


class OpenAiStt:
    def __init__(self, base_url: str, *, api_key: str = "", model: str = "whisper-1", timeout_s: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._http = OpenAiHttp(base_url, api_key, timeout_s, transport)
        self._model = model

    async def transcribe(self, pcm: bytes, *, language: str | None = None) -> SttResult:
        t0 = time.perf_counter()
        data = {"model": self._model, "response_format": "verbose_json"}
        if language:
            data["language"] = language
        resp = await self._http.post("audio/transcriptions", data=data,
                                     files={"file": ("turn.wav", _wav(pcm), "audio/wav")})
        try:
            body = resp.json()
            text = str(body["text"])
        except (ValueError, KeyError, TypeError) as exc:
            raise Unavailable("speech service sent a malformed transcription", code="speech_malformed") from exc
        lang = str(body.get("language") or language or "")
        return SttResult(text.strip(), _iso(lang), 1.0, len(pcm) / 2 / SAMPLE_RATE, time.perf_counter() - t0)

    async def aclose(self) -> None:
        await self._http.client.aclose()


class OpenAiTts:
    def __init__(self, base_url: str, *, api_key: str = "", model: str = "tts-1", voice: str = "alloy",
                 timeout_s: float = 10.0, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._http = OpenAiHttp(base_url, api_key, timeout_s, transport)
        self._model = model
        self._voice = voice

    async def stream(self, text: str, language: str) -> AsyncIterator[tuple[str, bytes]]:
        for clause in split_clauses(text):
            resp = await self._http.post("audio/speech", json={
                "model": self._model, "input": clause, "voice": self._voice, "response_format": "pcm"})
            raw = resp.content
            if len(raw) % 2:
                raise Unavailable("speech service sent odd-length PCM", code="speech_malformed")
            x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
            yield clause, float_to_pcm(resample(x, OPENAI_PCM_RATE))

    async def aclose(self) -> None:
        await self._http.client.aclose()


_NAMES = {"english": "en", "spanish": "es", "chinese": "zh", "arabic": "ar", "indonesian": "id",
          "portuguese": "pt", "french": "fr", "german": "de"}


def _iso(lang: str) -> str:
    lang = lang.strip().lower()
    return _NAMES.get(lang, lang[:2] if len(lang) > 2 else lang)
