"""Offline replay of the bench's utterances through VAD, the end-of-turn model and speech-to-text.

``python -m souk.bench.agent.turn_replay --out FILE.json`` synthesizes the bench's test speech (the same
utterances as ``souk bench agent``), runs Silero VAD over it window by window as the voice session does, and
at every pause of a turn records the pause's speculative transcript (the audio up to the pause, as the
responder transcribes it) and the end-of-turn model's probability at a grid of trailing silences. A turn-end
rule can then be tuned in seconds over the recorded curves (:func:`simulate`) instead of one 12-minute bench
run per guess: it says, for each utterance, when the turn would end and whether it would be cut inside.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from souk.agent.frames import SAMPLE_RATE

WINDOW = 512  # Silero's window (32 ms)
WINDOW_MS = WINDOW * 1000 / SAMPLE_RATE
GRID_MS = (64, 96, 128, 160, 192, 224, 256, 320, 384, 480, 576, 672, 768, 864, 960, 1056, 1152)
LEAD_S, TAIL_S = 0.3, 1.5


@dataclass(frozen=True, slots=True)
class Pause:
    at_ms: float  # speech end (last speech window's end), from the start of the audio
    length_ms: float  # non-speech windows until speech came back (or the end of the audio)
    inner: bool  # speech comes back after it (an inner pause of the sentence)
    text: str  # speculative transcript of the audio up to the pause
    language: str
    p: dict[int, float]  # trailing silence (ms) -> the model's probability
    end_p: float | None  # speech-to-text's probability of the terminal punctuation (0: none)
    last_word_p: float | None


def record(*, piper: bool = True, offsets_ms: tuple[int, ...] = (0,), inner_only: bool = False,
           log: Callable[[str], None] = lambda _m: None) -> list[dict[str, Any]]:
    """The pauses of every bench utterance, once per ``offsets_ms`` (extra lead silence: where the speech
    falls on the VAD's 32 ms window grid changes what VAD and speech-to-text make of a pause, as it does in
    the bench, where the client's 20 ms frames start anywhere on that grid)."""
    from souk.agent import models
    from souk.agent.providers.silero import SileroModel
    from souk.agent.providers.whisper import WhisperStt
    from souk.agent.smart_turn import SmartTurn
    from souk.bench.agent.utterances import (
        INNER_PAUSES,
        MORE_UTTERANCES,
        UTTERANCES,
        Voices,
        synthesize,
        synthesize_with_pause,
    )
    from souk.core.settings import load_settings

    paths = models.locate(load_settings())
    turn_path = models.verified_smart_turn()
    if turn_path is None:
        raise SystemExit("Smart Turn model missing: run `make models`")
    vad_model, stt, st = SileroModel(paths.silero_vad), WhisperStt(paths.whisper_dir, workers=1), SmartTurn(turn_path)
    voices = Voices(piper=piper)
    utts = [] if inner_only else [synthesize(lang, text, voices=voices)
                                  for lang, text in (*UTTERANCES, *MORE_UTTERANCES)]
    utts += [synthesize_with_pause(lang, text, voices) for lang, text in INNER_PAUSES]
    out: list[dict[str, Any]] = []
    for u, offset in ((u, o) for o in offsets_ms for u in utts):
        pcm = bytes(int((LEAD_S + offset / 1000) * SAMPLE_RATE) * 2) + u.pcm + bytes(int(TAIL_S * SAMPLE_RATE) * 2)
        vad = vad_model.stream()
        n = len(pcm) // (WINDOW * 2)
        speech = [vad.probability(pcm[i * WINDOW * 2:(i + 1) * WINDOW * 2]) >= 0.5 for i in range(n)]
        pauses: list[Pause] = []
        run, started, i = 0, False, 0
        while i < n:
            if speech[i]:
                run += 1
                started = started or run >= 2  # start_min_speech_ms 64
                i += 1
                continue
            run = 0
            if not started:
                i += 1
                continue
            j = i
            while j < n and not speech[j]:
                j += 1
            at_ms = i * WINDOW_MS
            upto = (i + 1) * WINDOW * 2  # the first non-speech window is in the UserPaused audio
            r = stt.transcribe_sync(pcm[:upto])
            ps: dict[int, float] = {}
            for g in GRID_MS:
                w = i + round(g / WINDOW_MS)  # window whose end is g ms after the speech end
                if w > j:  # speech came back first
                    break
                ps[g] = st.predict(pcm[: w * WINDOW * 2])
            pauses.append(Pause(at_ms, (j - i) * WINDOW_MS, j < n, r.text, r.language, ps, r.end_p, r.last_word_p))
            i = j
        log(f"{u.text!r}: " + "; ".join(f"{p.text!r} [{p.end_p or 0:.2f} {p.last_word_p or 0:.2f}] {p.length_ms:.0f}ms "
                                         + " ".join(f"{k}:{v:.2f}" for k, v in p.p.items()) for p in pauses))
        out.append({"language": u.language, "text": u.text, "inner_pause": u.inner_pause, "offset_ms": offset,
                    "pauses": [asdict(p) for p in pauses]})
    return out


Rule = Callable[[int, float, dict[str, Any], int], bool]  # (silence ms, p, the pause, check no.) -> end?


def simulate(data: list[dict[str, Any]], schedule: list[int], rule: Rule,
             cap_ms: int = 1200) -> list[dict[str, Any]]:
    """For each utterance: when the turn ends (ms of silence after the speech end that ended it) and whether
    it ended before all the speech was heard (``early``: on an inner-pause utterance, a cut inside). ``schedule``: the silences at which the model is asked."""
    res = []
    for u in data:
        ended = None
        for k, pz in enumerate(u["pauses"]):
            ps = {int(a): b for a, b in pz["p"].items()}
            for n, g in enumerate(schedule):
                if g >= min(cap_ms, pz["length_ms"] + (0 if pz["inner"] else 1e9)) or g not in ps:
                    break
                if rule(g, ps[g], pz, n):
                    ended = (k, g)
                    break
            if ended:
                break
            if not pz["inner"]:
                ended = (k, cap_ms)
                break
        k, g = ended or (len(u["pauses"]) - 1, cap_ms)
        res.append({"text": u["text"], "inner_pause": u["inner_pause"], "early": u["pauses"][k]["inner"], "end_ms": g,
                    "transcript": u["pauses"][k]["text"]})
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-piper", action="store_true")
    ap.add_argument("--offsets", default="0", help="lead silences in ms, comma-separated (window alignments)")
    ap.add_argument("--inner-only", action="store_true", help="only the utterances with an inner pause")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    data = record(piper=not a.no_piper, offsets_ms=tuple(int(x) for x in a.offsets.split(",")),
                  inner_only=a.inner_only, log=lambda m: print(m, file=sys.stderr))
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
    print(f"{len(data)} utterances in {time.perf_counter() - t0:.1f} s -> {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
