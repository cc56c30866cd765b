"""``souk bench agent``: a voice server in a subprocess, paced clients over the real WebSocket, JSON figures out.

Percentiles are nearest rank (souk.core.stats.percentile) over every round: a turn with no answer counts at
its timeout (TURN_TIMEOUT_S, CONCURRENT_TIMEOUT_S), a barge-in never acknowledged at BARGEIN_TIMEOUT_S, and
``failed`` says how many rounds did.
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
from souk.bench.agent.utterances import BARGE_IN, UTTERANCES, Utterance, synthesize, wer
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
    bargeins: int = 10
    echo_db: float = -26.0
    echo_s: float = 30.0
    concurrent_turns: int = 4


def _pct(xs: list[float], p: float) -> float | None:
    """Nearest-rank percentile ``p`` (0-100] of ``xs``, None when there is none."""
    return percentile(xs, p / 100)


def command(args: argparse.Namespace, settings: Settings) -> int:
    brain = args.brain
    if brain == "auto":
        import importlib.util

        brain = "assistant" if importlib.util.find_spec("souk.api.routes.agent") is not None else "canned"
    opts = BenchOptions(brain=brain, rounds=args.rounds, sessions=args.sessions, bargeins=args.bargeins,
                        echo_db=args.echo_db, echo_s=args.echo_s)
    result = asyncio.run(run(opts, settings, log=None if args.json else sys.stderr))
    print(json.dumps(result, indent=None if args.json else 2, ensure_ascii=False))
    return 0


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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

    utts = [synthesize(lang, text) for lang, text in UTTERANCES]
    barge = synthesize(*BARGE_IN)
    say(f"{len(utts)} utterances synthesized; starting the voice server ({opts.brain} brain, subprocess)")
    result: dict[str, Any] = {"transport": "websocket", "server": "subprocess", "brain": opts.brain,
                              "cpu_count": os.cpu_count(), "echo_db": opts.echo_db}
    async with _Server(opts.brain) as server:
        # 1. single session: voice-to-voice per utterance, WER on English
        c = VoiceClient(server.url, echo_db=opts.echo_db)
        await c.connect(server.token(0))
        # warm-up: the first decode and synthesis, and the brain's own cold start (its models load in the
        # background when the server starts; the assistant's first reply can take seconds)
        await _one_turn(c, utts[0], timeout=120)
        lat: list[float] = []
        by_lang: dict[str, list[float]] = {}
        stages: dict[str, list[float]] = {}
        edits = words = 0
        langs_ok = 0
        failed = 0
        by_round: list[float | None] = []
        for r in range(opts.rounds):
            n_before = len(lat)
            for u in utts:
                try:
                    t = await _one_turn(c, u)
                except TimeoutError:
                    failed += 1
                    lat.append(TURN_TIMEOUT_S * 1000)  # an unanswered turn counts at its timeout
                    by_lang.setdefault(u.language, []).append(TURN_TIMEOUT_S * 1000)
                    say(f"no answer to {u.text!r}")
                    continue
                v = _v2v(t)
                if v is not None:
                    lat.append(v)
                    by_lang.setdefault(u.language, []).append(v)
                for k, val in t.metrics.items():
                    if k.endswith("_ms") or k == "stt_speculative":
                        stages.setdefault(k, []).append(float(val))
                if r == 0:
                    langs_ok += t.language == u.language
                    if u.language == "en":
                        e, n = wer(u.text, t.transcript)
                        edits += e
                        words += n
            by_round.append(_pct(lat[n_before:], 50))
            say(f"round {r + 1}: p50 {_pct(lat, 50)} ms over {len(lat)} turns")
        result.update({
            "voice_to_voice_p50_ms": _pct(lat, 50), "voice_to_voice_p95_ms": _pct(lat, 95),
            "voice_to_voice_max_ms": _pct(lat, 100), "voice_to_voice_n": len(lat), "turns_unanswered": failed,
            "voice_to_voice_failed": failed,
            "voice_to_voice_p50_by_language_ms": {k: _pct(v, 50) for k, v in by_lang.items()},
            # round 1 is cold for the TTS clause cache (templated reply openings are cached afterwards)
            "voice_to_voice_p50_by_round_ms": by_round,
            "wer_en": round(edits / max(1, words), 3),
            "language_id_correct": f"{langs_ok}/{len(utts)}",
            "stages_p50_ms": {k: _pct(v, 50) for k, v in sorted(stages.items())},
            "stages_p95_ms": {k: _pct(v, 95) for k, v in sorted(stages.items()) if k != "stt_speculative"},
        })

        # 2. barge-in: speak over the agent; onset -> "interrupted"
        bi: list[float] = []
        bi_failed = 0
        for i in range(opts.bargeins):
            await _one_turn(c, utts[i % 6], cut=False)
            await asyncio.sleep(0.8 + random.random() * 0.5)  # the agent is mid-sentence
            if not c.audio_times or time.monotonic() - c.audio_times[-1] > 0.2:
                continue  # the reply was too short to talk over (it has ended)
            since = c.mark()
            c.say(barge.pcm, barge.speech_start_byte, barge.speech_end_byte)
            try:
                t_int, _ = await c.wait_event("interrupted", since, timeout=BARGEIN_TIMEOUT_S,
                                              pred=lambda e: e.get("reason") == "barge_in")
            except TimeoutError:  # the agent talked on: a failed barge-in, counted at its timeout
                bi_failed += 1
                bi.append(BARGEIN_TIMEOUT_S * 1000)
                say("a barge-in was not acknowledged in time")
                await c.quiet(timeout=180)
                continue
            bi.append((t_int - c.first_speech_sent) * 1000 if c.first_speech_sent else 0.0)
            await c.wait_event("audio_start", since, timeout=20)  # the answer to the barge-in
            m = c.mark()
            await c.send_json({"type": "interrupt"})
            await c.wait_event("audio_end", m, timeout=10)
        result.update({"bargein_p50_ms": _pct(bi, 50), "bargein_p95_ms": _pct(bi, 95), "bargein_n": len(bi),
                       "bargein_failed": bi_failed})
        say(f"barge-in p95 {_pct(bi, 95)} ms over {len(bi)}")

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

        async def shopper(cl: VoiceClient, seed: int) -> list[float]:
            nonlocal conc_failed
            rnd = random.Random(seed)
            out: list[float] = []
            await asyncio.sleep(rnd.random() * 1.5)
            for _ in range(opts.concurrent_turns):
                try:
                    v = _v2v(await _one_turn(cl, utts[rnd.randrange(len(utts))], timeout=CONCURRENT_TIMEOUT_S))
                except TimeoutError:
                    conc_failed += 1
                    out.append(CONCURRENT_TIMEOUT_S * 1000)
                    continue
                if v is not None:
                    out.append(v)
                await asyncio.sleep(rnd.random() * 1.0)
            return out

        conc = [v for vs in await asyncio.gather(*(shopper(cl, i) for i, cl in enumerate(clients))) for v in vs]
        for cl in clients:
            await cl.close()
        result.update({"concurrent_sessions": opts.sessions, "concurrent_p50_ms": _pct(conc, 50),
                       "concurrent_p95_ms": _pct(conc, 95), "concurrent_n": len(conc),
                       "concurrent_failed": conc_failed})
        say(f"{opts.sessions} concurrent: p95 {_pct(conc, 95)} ms over {len(conc)}")
    result["failed"] = failed + bi_failed + conc_failed
    result["percentiles"] = (f"nearest rank; an unanswered turn counts as {TURN_TIMEOUT_S * 1000:.0f} ms "
                             f"({CONCURRENT_TIMEOUT_S * 1000:.0f} ms concurrent), a barge-in never acknowledged "
                             f"as {BARGEIN_TIMEOUT_S * 1000:.0f} ms")

    def below(key: str, limit: float, *, positive: bool = False) -> bool:
        value = result[key]
        return value is not None and (value > 0 or not positive) and value < limit

    result["targets_met"] = {
        "p50<500": below("voice_to_voice_p50_ms", 500), "p95<750": below("voice_to_voice_p95_ms", 750),
        "bargein_p95<200": below("bargein_p95_ms", 200, positive=True), "false_bargeins==0": false_bi == 0,
        "concurrent_p95<1000": below("concurrent_p95_ms", 1000),
    }
    return result
