"""The voice path of ``souk bench desk``: shopper speech -> the AI attendant in a ringing video consult -> its
first audio, through Janus (souk.bench.attendant.run_local: the attendant's own measuring shopper).

Run after the chat load, alone, in the bench's own process: an embedded Janus (MediaPlane), a ConsultService on
a fresh demo store, the AiAttendant (souk.consult.attendant) listening to it with the real voice engine
(VAD, speech-to-text, text-to-speech: souk.agent.factory) and the merchant's real assistant brain (warmed
first, not timed). A scripted shopper rings, joins the room, publishes a microphone and, once the AI's
greeting is over, asks ``rounds`` questions (espeak-ng speech); each is timed from the end of its speech
to the first non-silent frame of the AI's answer received back through Janus. A question not answered within
the attendant bench's answer timeout counts at that timeout in the percentiles and in ``failed``. When
something it needs is missing (espeak-ng, the models, Janus, network namespaces) it says what, and measures
nothing.
"""

from __future__ import annotations

import logging
import shutil
from typing import Any

from souk.core.settings import Settings

log = logging.getLogger(__name__)


def missing(settings: Settings) -> str | None:
    """Why the voice path cannot be measured here, or None."""
    if shutil.which("espeak-ng") is None:
        return "espeak-ng is not installed (the scripted shopper's speech): apt-get install espeak-ng"
    if shutil.which(settings.janus.binary) is None:
        return f"Janus ({settings.janus.binary}) is not installed"
    return None


async def measure_voice(settings: Settings, rounds: int) -> dict[str, Any]:
    reason = missing(settings)
    if reason is not None:
        return {"measured": False, "reason": reason}
    from souk.bench.attendant import QUESTIONS, run_local

    questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(rounds)]
    try:
        got = await run_local(settings, questions=questions)
    except Exception as exc:  # the chat figures stand; the voice path says why it has none
        log.warning("desk bench: the voice path failed: %s", exc, exc_info=True)
        return {"measured": False, "reason": f"{type(exc).__name__}: {str(exc)[:300]}"}
    return {
        "measured": True, "rounds": got["rounds"], "failed": got["rounds"] - got["answered"],
        "speech_to_ai_audio_p50_ms": got["speech_to_ai_audio_p50_ms"],
        "speech_to_ai_audio_p95_ms": got["speech_to_ai_audio_p95_ms"], "samples_ms": got["samples_ms"],
        "assistant_warm_s": got.get("assistant_warm_s"),
        "what": "end of the shopper's speech (published to Janus) -> first non-silent frame of the AI "
                "attendant's answer received back through Janus; one call, questions one after another, "
                "measured after the chat load, in the bench's process (real VAD/STT/TTS, the demo store's "
                "assistant; souk.bench.attendant.run_local)",
    }
