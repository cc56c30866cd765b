"""`souk bench captions`: a synthetic host speaks known English sentences (Piper) through Janus into a live
show with captions on; 3 viewers read captions in 3 languages (the source and two Apertium targets).

Inside the private network namespace (souk.media.netns) the bench serves a demo-seeded Souk with its embedded
Janus; the host publishes over the signaling socket like the studio does (aiortc, audio only), goes live and
turns captions on (the speech model loads then, before the first round); the viewers join the room's RTM
channel and tell the server their language. Each round the host says one sentence, then 1.5 s of silence.
Latency per viewer = arrival of the first final caption in its language that arrives after the host's last
speech sample of the sentence left the microphone, minus that moment (a sentence cut in two at an inner
pause counts from its end, by its last piece). A round with no such caption within ``--timeout-s`` counts at
the timeout and as failed. WER: the source-language finals of a round against the sentence.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from souk.core.errors import BadRequest
from souk.core.settings import Settings

log = logging.getLogger(__name__)

ROOM = "captions-bench"
SOURCE = "en"
TARGETS = ("es", "pt")  # en->es: Apertium eng-spa; en->pt: through es (the provider's pivot)
SENTENCES = (
    "Welcome everyone to our live show today.",
    "This lamp has a warm light and a metal base.",
    "The jacket comes in three sizes and two colors.",
    "Shipping to Spain takes about five days.",
    "You can return any product within thirty days.",
    "The price today is twenty dollars instead of thirty.",
    "This bag is made of soft leather.",
    "Ask me anything about the products in the chat.",
    "We ship to more than forty countries.",
    "Thank you all for watching and see you next week.",
)
GAP_S = 1.5


def register(bench: Any) -> None:
    p = bench.add_parser("captions", help="live captions: host speech through Janus -> captions on 3 viewers "
                                          "in 3 languages (latency p50/p95, translated, WER)")
    p.add_argument("--rounds", type=int, default=len(SENTENCES), help="sentences spoken (cycled)")
    p.add_argument("--timeout-s", type=float, default=5.0, help="a caption later than this counts as failed")
    p.add_argument("--targets", default=",".join(TARGETS), help="the two translated viewers' languages")
    p.add_argument("--json", action="store_true", help="print only the JSON object")
    p.set_defaults(func=_bench)


def _bench(args: argparse.Namespace, settings: Settings) -> int:
    from souk.media.netns import reexec_in_netns

    targets = tuple(t.strip() for t in args.targets.split(",") if t.strip())
    if args.rounds < 1 or args.timeout_s <= 0 or len(targets) != 2 or SOURCE in targets:
        raise BadRequest("--rounds >= 1, --timeout-s > 0, --targets: two languages other than en",
                         code="bad_bench_args")
    reexec_in_netns()  # returns only inside the namespace
    result = asyncio.run(run_bench(settings, rounds=args.rounds, timeout_s=args.timeout_s, targets=targets))
    print(json.dumps(result) if args.json else "\n".join(f"{k:28} {v}" for k, v in result.items()))
    return 0 if result["ok"] else 1


def percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return round(s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))], 1)


async def run_bench(settings: Settings, *, rounds: int, timeout_s: float, targets: tuple[str, ...]) -> dict[str, Any]:
    from souk.bench.agent.utterances import Voices, synthesize
    from souk.bench.captions_host import served_show

    voices = Voices()
    speech = [synthesize(SOURCE, SENTENCES[i % len(SENTENCES)], voices=voices) for i in range(rounds)]
    langs = (SOURCE, *targets)
    with tempfile.TemporaryDirectory(prefix="souk-bench-captions-") as tmp:
        async with served_show(settings, Path(tmp), ROOM, langs) as show:
            per_lang: dict[str, list[float]] = {lang: [] for lang in langs}
            failed = 0
            edits = words = 0
            for i, utt in enumerate(speech):
                mark = {lang: len(show.captions(lang)) for lang in langs}
                spoken_at = await show.say(utt.pcm, utt.speech_end_byte)
                deadline = spoken_at + timeout_s
                got: dict[str, float] = {}
                while time.time() < deadline and len(got) < len(langs):
                    for lang in langs:
                        if lang not in got:
                            arrived = [t for t, b in show.captions(lang)[mark[lang]:] if b["final"] and t >= spoken_at]
                            if arrived:
                                got[lang] = arrived[0]
                    await asyncio.sleep(0.01)
                round_failed = len(got) < len(langs)
                failed += round_failed
                for lang in langs:
                    per_lang[lang].append(1000 * ((got.get(lang, deadline)) - spoken_at))
                await asyncio.sleep(max(0.0, GAP_S - (time.time() - spoken_at)))
                heard = " ".join(b["text"] for _, b in show.captions(SOURCE)[mark[SOURCE]:] if b["final"])
                e, n = _wer(utt.text, heard)
                edits, words = edits + e, words + n
                log.info("round %d: %s -> %r (%s)", i, utt.text, heard,
                         {k: round(v[-1]) for k, v in per_lang.items()})
            translated = [v for lang in targets for v in per_lang[lang]]
            p95, tr95 = percentile(per_lang[SOURCE], 95), percentile(translated, 95)
            out: dict[str, Any] = {
                "viewers": len(langs), "languages": list(langs), "rounds": rounds, "failed": failed,
                "caption_p50_ms": percentile(per_lang[SOURCE], 50), "caption_p95_ms": percentile(per_lang[SOURCE], 95),
                "translated_caption_p50_ms": percentile(translated, 50),
                "translated_caption_p95_ms": percentile(translated, 95),
                "wer": round(edits / max(1, words), 3),
                "per_language_p50_ms": {k: percentile(v, 50) for k, v in per_lang.items()},
                "caption_mean_ms": round(statistics.fmean(per_lang[SOURCE]), 1),
                "timeout_s": timeout_s, "model_load_s": show.model_load_s,
            }
            out["ok"] = failed == 0
            out["meets_target"] = p95 is not None and p95 < 1000 and tr95 is not None and tr95 < 1500
            return out


def _wer(reference: str, hypothesis: str) -> tuple[int, int]:
    from souk.bench.agent.utterances import wer

    return wer(reference, hypothesis)

