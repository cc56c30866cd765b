"""``souk bench agent``: a voice server in a subprocess, paced clients over the real WebSocket, JSON figures out.

Percentiles are nearest rank (souk.core.stats.percentile) over every round: a turn with no answer counts at
its timeout (TURN_TIMEOUT_S, CONCURRENT_TIMEOUT_S), a barge-in never acknowledged at BARGEIN_TIMEOUT_S, and
``failed`` says how many rounds did. The first round (cold caches: the TTS clause cache, the brain's) and the
repeated rounds are also reported apart (``first_round_*``, ``repeat_round_*``). Utterances with a pause
inside the sentence (``INNER_PAUSES``) must stay one turn: ``turns_cut_inside`` counts those that did not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import socket
import sys
import time
from dataclasses import dataclass
from typing import IO, Any, Self

from souk.auth.tokens import TokenService
from souk.bench.agent.client import Turn, VoiceClient
from souk.bench.agent.utterances import (
    BARGE_IN,
    INNER_PAUSE_MS,
    INNER_PAUSES,
    MORE_UTTERANCES,
    UTTERANCES,
    Utterance,
    Voices,
    synthesize,
    synthesize_with_pause,
    wer,
)
from souk.core.errors import Unavailable
from souk.core.settings import Settings
from souk.core.stats import percentile

TURN_TIMEOUT_S = 20.0
CONCURRENT_TIMEOUT_S = 30.0
BARGEIN_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class BenchOptions:
    brain: str = "canned"
    rounds: int = 2
    sessions: int = 4
    bargeins: int = 40
    echo_db: float = -26.0
    echo_s: float = 30.0
    concurrent_turns: int = 4
    piper: bool = True  # English test speech with the Piper voice (else espeak-ng)


def _pct(xs: list[float], p: float) -> float | None:
    """Nearest-rank percentile ``p`` (0-100] of ``xs``, None when there is none."""
    return percentile(xs, p / 100)


def command(args: argparse.Namespace, settings: Settings) -> int:
    brain = args.brain
    if brain == "auto":
        import importlib.util

        brain = "assistant" if importlib.util.find_spec("souk.api.routes.agent") is not None else "canned"
    opts = BenchOptions(brain=brain, rounds=args.rounds, sessions=args.sessions, bargeins=args.bargeins,
                        echo_db=args.echo_db, echo_s=args.echo_s, piper=not getattr(args, "no_piper", False))
    result = asyncio.run(run(opts, settings, log=None if args.json else sys.stderr))
    print(json.dumps(result, indent=None if args.json else 2, ensure_ascii=False))
    return 0


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_s(pid: int | None) -> float:
    """CPU seconds (user + system) a process has used so far; 0 when unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, TypeError):
        return 0.0


class _CpuMeter:
    """Share of one core the server and this client used over a phase (100 = one core busy)."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.t0 = time.monotonic()
        self.server0 = _cpu_s(pid)
        self.client0 = time.process_time()

    def read(self) -> dict[str, float]:
        dt = max(1e-6, time.monotonic() - self.t0)
        return {"server_cpu_pct": round(100 * (_cpu_s(self.pid) - self.server0) / dt, 1),
                "client_cpu_pct": round(100 * (time.process_time() - self.client0) / dt, 1)}


class _Server:
    def __init__(self, brain: str) -> None:
        self.port = _port()
        self.secret = secrets.token_urlsafe(32)
        self.brain = brain
        self.proc: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> Self:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "souk.bench.agent.server", "serve", "--port", str(self.port), "--secret", self.secret,
            "--brain", self.brain, stdout=asyncio.subprocess.DEVNULL, env=dict(os.environ))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.returncode is not None:
                raise Unavailable(f"voice server exited with {self.proc.returncode}", code="bench_server")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                await asyncio.sleep(0.2)
        raise Unavailable("voice server did not start in 90 s", code="bench_server")

    async def __aexit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 15)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()

    def token(self, n: int) -> str:
        # the demo store's merchant and a customer with orders, so order questions have answers
        return TokenService(self.secret).mint(merchant_id="lumen", identity=f"bench_{n}", room="lobby",
                                              role="member", metadata={"customer_id": "C-501"})

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v1/voice"


async def _one_turn(c: VoiceClient, u: Utterance, *, cut: bool = True, timeout: float = TURN_TIMEOUT_S) -> Turn:
    """Speak ``u``; the turn ends at the agent's first audio (then cut it short) or at the timeout."""
    await c.quiet(timeout=180)  # a long answer (a return policy) can run for a minute
    turn = Turn()
    c.turn = turn
    since = c.mark()
    c.say(u.pcm + bytes(640 * 5), u.speech_start_byte, u.speech_end_byte)
    # The agent may already answer at an inner pause (a sentence break longer than the end-of-turn
    # silence) and be talked over by the rest: what counts is the first agent audio after the LAST
    # speech frame sent.
    while c.talking:
        await asyncio.sleep(0.01)
    turn.sent_last_speech = last = c.last_speech_sent
    deadline = time.monotonic() + timeout
    while (first := c.first_audio_after(last)) is None:
        if time.monotonic() > deadline:
            c.turn = None
            raise TimeoutError(f"no agent audio within {timeout} s")
        await asyncio.sleep(0.005)
    turn.first_audio = first
    # turns the server saw in this utterance: more than one = it ended a turn inside the utterance
    turn.starts = sum(1 for _, e in c.events[since:] if e["type"] == "vad" and e.get("state") == "speech_start")
    if cut:
        await asyncio.sleep(0.3)
        m = c.mark()
        await c.send_json({"type": "interrupt"})
        await c.wait_event("audio_end", m, timeout=10)
    c.turn = None
    return turn


def _v2v(t: Turn) -> float | None:
    if not t.first_audio or not t.sent_last_speech or t.first_audio < t.sent_last_speech:
        return None
    return (t.first_audio - t.sent_last_speech) * 1000


async def run(opts: BenchOptions, settings: Settings, log: IO[str] | None = None) -> dict[str, Any]:
    def say(msg: str) -> None:
        if log is not None:
            print(f"[bench agent] {msg}", file=log, flush=True)

    voices = Voices(piper=opts.piper)
    utts = [synthesize(lang, text, voices=voices) for lang, text in (*UTTERANCES, *MORE_UTTERANCES)]
    inner = [synthesize_with_pause(lang, text, voices) for lang, text in INNER_PAUSES]
    barge = synthesize(*BARGE_IN)
    say(f"{len(utts)} utterances + {len(inner)} with a {INNER_PAUSE_MS} ms inner pause synthesized; starting "
        f"the voice server ({opts.brain} brain, subprocess)")
    result: dict[str, Any] = {"transport": "websocket", "server": "subprocess", "brain": opts.brain,
                              "cpu_count": os.cpu_count(), "loadavg_at_start": os.getloadavg()[0],
                              "echo_db": opts.echo_db,
                              "test_voices": {"en": voices.name("en"), "other languages": "espeak"}}
    async with _Server(opts.brain) as server:
        pid = server.proc.pid if server.proc is not None else None
        # 1. single session: voice-to-voice per utterance, WER on English
        c = VoiceClient(server.url, echo_db=opts.echo_db)
        await c.connect(server.token(0))
        # warm-up: the first decode and synthesis, and the brain's own cold start (its models load in the
        # background when the server starts; the assistant's first reply can take seconds)
        await _one_turn(c, utts[0], timeout=120)
        meter = _CpuMeter(pid)
        lat: list[float] = []
        rounds: list[list[float]] = []
        by_lang: dict[str, list[float]] = {}
        stages: dict[str, list[float]] = {}
        inner_lat: list[float] = []
        edits = words = 0
        langs_ok = 0
        failed = cut_inside = split = 0
        for r in range(opts.rounds):
            this: list[float] = []
            for u in (*utts, *inner):
                try:
                    t = await _one_turn(c, u)
                    v = _v2v(t)
                    if v is None:
                        raise TimeoutError("no agent audio after the last speech")
                except TimeoutError:
                    failed += 1
                    v = TURN_TIMEOUT_S * 1000  # an unanswered turn counts at its timeout
                    say(f"no answer to {u.text!r}")
                    t = None
                lat.append(v)
                this.append(v)
                by_lang.setdefault(u.language, []).append(v)
                if t is None:
                    continue
                if u.inner_pause:
                    inner_lat.append(v)
                    if t.starts > 1:
                        cut_inside += 1
                        say(f"cut inside the sentence: {u.text!r}")
                elif t.starts > 1:
                    split += 1
                for k, val in t.metrics.items():
                    if k.endswith("_ms") or k in ("stt_speculative", "eot_by_model", "eot_probability"):
                        stages.setdefault(k, []).append(float(val))
                if r == 0 and not u.inner_pause:
                    langs_ok += t.language == u.language
                    if u.language == "en":
                        e, n = wer(u.text, t.transcript)
                        edits += e
                        words += n
            rounds.append(this)
            say(f"round {r + 1}: p50 {_pct(this, 50)} p95 {_pct(this, 95)} ms over {len(this)} turns")
        repeat = [v for rr in rounds[1:] for v in rr]
        model_share = stages.get("eot_by_model", [])
        result.update({
            "voice_to_voice_p50_ms": _pct(lat, 50), "voice_to_voice_p95_ms": _pct(lat, 95),
            "voice_to_voice_max_ms": _pct(lat, 100), "voice_to_voice_n": len(lat), "turns_unanswered": failed,
            "voice_to_voice_failed": failed,
            "first_round_voice_to_voice_p50_ms": _pct(rounds[0], 50) if rounds else None,
            "first_round_voice_to_voice_p95_ms": _pct(rounds[0], 95) if rounds else None,
            "first_round_n": len(rounds[0]) if rounds else 0,
            "repeat_round_voice_to_voice_p50_ms": _pct(repeat, 50),
            "repeat_round_voice_to_voice_p95_ms": _pct(repeat, 95), "repeat_round_n": len(repeat),
            "voice_to_voice_p50_by_language_ms": {k: _pct(v, 50) for k, v in by_lang.items()},
            "inner_pause_ms": INNER_PAUSE_MS, "inner_pause_turns": len(inner) * opts.rounds,
            "turns_cut_inside": cut_inside, "inner_pause_voice_to_voice_p50_ms": _pct(inner_lat, 50),
            "turns_split_at_sentence_break": split,
            "smart_turn_ms_p50": _pct(stages.get("smart_turn_ms", []), 50),
            "smart_turn_ms_p95": _pct(stages.get("smart_turn_ms", []), 95),
            "end_of_turn_by_model_share": round(sum(model_share) / len(model_share), 3) if model_share else None,
            "wer_en": round(edits / max(1, words), 3),
            "language_id_correct": f"{langs_ok}/{len(utts)}",
            "stages_p50_ms": {k: _pct(v, 50) for k, v in sorted(stages.items())},
            "stages_p95_ms": {k: _pct(v, 95) for k, v in sorted(stages.items()) if k != "stt_speculative"},
            "single_session_cpu": meter.read(),
        })

        # 2. barge-in: speak over the agent; onset -> "interrupted"; no agent audio may arrive after it
        bi: list[float] = []
        detect: list[float] = []
        late_frames = bi_failed = skipped = 0
        attempt = 0
        while len(bi) < opts.bargeins and attempt < 3 * opts.bargeins:
            attempt += 1
            await _one_turn(c, utts[attempt % 6], cut=False)
            await asyncio.sleep(0.8 + random.random() * 0.5)  # the agent is mid-sentence
            if not c.audio_times or time.monotonic() - c.audio_times[-1] > 0.2:
                skipped += 1
                continue  # the reply was too short to talk over (it has ended)
            since = c.mark()
            c.say(barge.pcm, barge.speech_start_byte, barge.speech_end_byte)
            try:
                t_int, ev = await c.wait_event("interrupted", since, timeout=BARGEIN_TIMEOUT_S,
                                               pred=lambda e: e.get("reason") == "barge_in")
            except TimeoutError:  # the agent talked on: a failed barge-in, counted at its timeout
                bi_failed += 1
                bi.append(BARGEIN_TIMEOUT_S * 1000)
                say("a barge-in was not acknowledged in time")
                await c.quiet(timeout=180)
                continue
            bi.append((t_int - c.first_speech_sent) * 1000 if c.first_speech_sent else 0.0)
            if "detect_ms" in ev:
                detect.append(float(ev["detect_ms"]))
            try:
                t_next, _ = await c.wait_event("audio_start", since, timeout=20)  # the answer to the barge-in
            except TimeoutError:
                t_next = time.monotonic()
            # agent audio of the interrupted utterance arriving after "interrupted" (it must be none)
            late_frames += sum(1 for a in c.audio_times if t_int + 0.005 < a < t_next)
            m = c.mark()
            await c.send_json({"type": "interrupt"})
            await c.wait_event("audio_end", m, timeout=10)
        result.update({"bargein_p50_ms": _pct(bi, 50), "bargein_p95_ms": _pct(bi, 95),
                       "bargein_max_ms": _pct(bi, 100), "bargein_n": len(bi), "bargein_failed": bi_failed,
                       "bargein_skipped_reply_too_short": skipped,
                       "bargein_detect_p50_ms": _pct(detect, 50), "bargein_detect_p95_ms": _pct(detect, 95),
                       "bargein_frames_after_cut": late_frames})
        say(f"barge-in p95 {_pct(bi, 95)} ms over {len(bi)} (max {_pct(bi, 100)}); detection p95 "
            f"{_pct(detect, 95)} ms; {late_frames} frames after the cut")

        # 3. echo only: the agent talks, its voice leaks back at echo_db, the user says nothing
        false_bi = 0
        heard_s = 0.0
        while heard_s < opts.echo_s:
            await c.quiet(timeout=180)
            played0 = c.bytes_played
            since = c.mark()
            await _one_turn(c, utts[1 + int(heard_s) % 5], cut=False)  # one-sentence questions
            await c.quiet(timeout=180)
            heard_s += (c.bytes_played - played0) / 32000
            # only interruptions while the shopper is silent count (a question with an inner pause can
            # legitimately talk over an early answer)
            quiet_from = c.last_speech_sent + 0.5
            false_bi += sum(1 for t_ev, e in c.events[since:]
                            if e["type"] == "interrupted" and e.get("reason") == "barge_in" and t_ev > quiet_from)
        result.update({"false_bargeins": false_bi, "echo_listened_s": round(heard_s, 1)})
        say(f"false barge-ins: {false_bi} in {heard_s:.0f} s of echo")
        await c.close()

        # 4. concurrent sessions, turns staggered at random as real shoppers would be
        clients = [VoiceClient(server.url, echo_db=opts.echo_db) for _ in range(opts.sessions)]
        for i, cl in enumerate(clients):
            await cl.connect(server.token(i + 1))

        conc_failed = 0
        conc_meter = _CpuMeter(pid)

        async def shopper(cl: VoiceClient, seed: int) -> list[float]:
            nonlocal conc_failed
            rnd = random.Random(seed)
            out: list[float] = []
            await asyncio.sleep(rnd.random() * 1.5)
            for _ in range(opts.concurrent_turns):
                try:
                    v = _v2v(await _one_turn(cl, utts[rnd.randrange(len(utts))], timeout=CONCURRENT_TIMEOUT_S))
                except TimeoutError:
                    v = None
                if v is None:
                    conc_failed += 1
                    out.append(CONCURRENT_TIMEOUT_S * 1000)
                    continue
                out.append(v)
                await asyncio.sleep(rnd.random() * 1.0)
            return out

        conc = [v for vs in await asyncio.gather(*(shopper(cl, i) for i, cl in enumerate(clients))) for v in vs]
        for cl in clients:
            await cl.close()
        result.update({"concurrent_sessions": opts.sessions, "concurrent_p50_ms": _pct(conc, 50),
                       "concurrent_p95_ms": _pct(conc, 95), "concurrent_n": len(conc),
                       "concurrent_failed": conc_failed, "concurrent_cpu": conc_meter.read()})
        say(f"{opts.sessions} concurrent: p95 {_pct(conc, 95)} ms over {len(conc)}")
    result["failed"] = failed + bi_failed + conc_failed
    result["percentiles"] = (f"nearest rank; an unanswered turn counts as {TURN_TIMEOUT_S * 1000:.0f} ms "
                             f"({CONCURRENT_TIMEOUT_S * 1000:.0f} ms concurrent), a barge-in never acknowledged "
                             f"as {BARGEIN_TIMEOUT_S * 1000:.0f} ms")

    def below(key: str, limit: float, *, positive: bool = False) -> bool:
        value = result[key]
        return value is not None and (value > 0 or not positive) and value < limit

    result["targets_met"] = {
        "p50<300": below("voice_to_voice_p50_ms", 300), "p95<450": below("voice_to_voice_p95_ms", 450),
        "bargein_p95<200": below("bargein_p95_ms", 200, positive=True), "false_bargeins==0": false_bi == 0,
        "concurrent_p95<700": below("concurrent_p95_ms", 700), "turns_cut_inside==0": cut_inside == 0,
        "bargein_frames_after_cut==0": result["bargein_frames_after_cut"] == 0,
    }
    return result
