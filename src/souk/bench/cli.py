"""The ``souk bench ...`` sub-commands: :func:`register` adds their parsers to ``souk``'s ``bench`` group.

souk.cli.main calls it, the only module outside ``souk.bench`` that may import this package. Registering
imports nothing heavy: each command's code (aiortc bots, Janus, the load generator) is imported when it runs.
Every bench prints one JSON object; its percentiles are nearest rank (souk.core.stats.percentile) and count a
failed or timed-out round at its timeout, with ``failed`` saying how many did.
"""

from __future__ import annotations

import argparse
from typing import Any

from souk.core.settings import Settings


def register(bench: Any) -> None:
    from souk.bench import abuse, captions, connect, consult, desk, links, storage, voiceroom
    from souk.bench.live import live

    abuse.register(bench)
    captions.register(bench)
    connect.register(bench)
    consult.register(bench)
    desk.register(bench)
    links.register(bench)
    _raw_connect(bench)
    _rtm(bench)
    _brain(bench)
    _agent(bench)
    live.register(bench)
    storage.register(bench)
    voiceroom.register(bench)


def _raw_connect(bench: Any) -> None:
    raw = bench.add_parser("raw-connect", help="subscriber join -> first video frame straight on the media "
                                               "plane (no Souk signaling); runs inside a network namespace")
    raw.add_argument("--runs", type=int, default=20)
    raw.add_argument("--no-decode", action="store_true", help="count encoded frames instead of decoding")
    raw.add_argument("--netem", default=None, help='shape loopback, e.g. "delay 75ms loss 2%%"')
    raw.set_defaults(func=_run_raw_connect)


def _run_raw_connect(args: argparse.Namespace, settings: Settings) -> int:
    from souk.bench.raw import command

    return command(args, settings)


def _rtm(bench: Any) -> None:
    b = bench.add_parser("rtm", help="RTM fan-out vs python-socketio (one busy channel); with --nodes N, server "
                                     "CPU per delivery on each node beside one node's in the same run")
    b.add_argument("--json", action="store_true", help="print only the JSON result")
    b.add_argument("--nodes", type=int, default=1, help="Souk nodes sharing a Redis started by the bench")
    b.add_argument("--hold", type=float, default=30.0, help="seconds the best step must hold")
    b.add_argument("--probe", type=float, default=6.0, help="seconds of each search probe")
    b.add_argument("--rate", type=float, default=100.0, help="inbound messages a second")
    b.add_argument("--receivers", type=int, default=3, help="load-generator processes")
    b.add_argument("--souk-steps", default=None,
                   help="client counts to probe (default 1000,1300,...,4200 on one node; with --nodes N, "
                        "lower counts a machine can load: see souk.bench.rtm.run.MULTI_NODE_STEPS)")
    b.add_argument("--sio-steps", default="80,120,160,220,300", help="client counts to probe (socketio)")
    b.add_argument("--skip-socketio", action="store_true")
    b.add_argument("--metrics", choices=("ab", "on", "off"), default="ab",
                   help="ab (default): after the search, hold its count off/on/off on fresh nodes and report "
                        "metrics_overhead_pct; on/off: the search's nodes record metrics or not")
    b.add_argument("--nice", type=int, default=0,
                   help="niceness for every bench process alike (negative needs root): shields the run from "
                        "unrelated load on a shared machine")
    b.set_defaults(func=_run_rtm)


def _run_rtm(args: argparse.Namespace, settings: Settings) -> int:
    from souk.bench.rtm.run import command

    return command(args, settings)


def _brain(bench: Any) -> None:
    b = bench.add_parser("brain", help="per-turn latency of the offline brain over a cases file")
    b.add_argument("cases", nargs="?", default=None, help="cases JSONL (default: a built-in mixed set)")
    b.add_argument("--rounds", type=int, default=3, help="passes over the cases")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=_run_brain)


def _run_brain(args: argparse.Namespace, settings: Settings) -> int:
    from souk.bench.brain import command

    return command(args, settings)


def _agent(bench: Any) -> None:
    b = bench.add_parser("agent", help="voice-to-voice latency, barge-in, WER, concurrency of the voice agent")
    b.add_argument("--json", action="store_true", help="print only the JSON result")
    b.add_argument("--brain", choices=("auto", "assistant", "canned"), default="auto",
                   help="auto: the commerce assistant when it is installed, else a canned brain")
    b.add_argument("--rounds", type=int, default=2, help="times each utterance is spoken (single session)")
    b.add_argument("--sessions", type=int, default=4, help="concurrent sessions in the concurrency phase")
    b.add_argument("--bargeins", type=int, default=40, help="barge-in samples")
    b.add_argument("--no-piper", action="store_true",
                   help="speak English test utterances with espeak-ng too (default: the Piper voice when installed)")
    b.add_argument("--echo-db", type=float, default=-26.0, help="level of the agent's voice leaking back")
    b.add_argument("--echo-s", type=float, default=30.0, help="seconds of echo-only listening for false barge-ins")
    b.set_defaults(func=_run_agent)


def _run_agent(args: argparse.Namespace, settings: Settings) -> int:
    from souk.bench.agent.runner import command

    return command(args, settings)
