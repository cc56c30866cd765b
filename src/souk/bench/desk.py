"""``souk bench desk``: the customer-service desk with ``--conversations`` (500) shoppers at once on one node.

A real ``souk serve`` process (demo store, SQLite) is started; ``--agents`` (12) staff each hold a staff socket
(``/v1/desk/ws``, online) with room for every conversation at once (capacity ceil(conversations / agents),
every bench language), and each shopper an assistant socket (``/v1/agent/ws``, one of 5 languages). Then every
shopper asks for a person at the same moment (``{"type":"human"}``; with ``--spread-s S`` evenly over S seconds,
all 500 still open together) and, measured on the bench's one clock:

- ``handoff_notify``: the hand-off sent -> the assigned agent's staff socket gets ``assigned`` for it
  (target p95 < 250 ms); ``handoff_answer``: -> the shopper's socket is told where it stands.
- ``reply_delivery``: an agent's reply (``POST /v1/desk/conversations/{id}/messages``, ``--replies`` per
  conversation, ``--gap-ms`` apart, sent as soon as the agent is notified) -> the shopper's socket gets it as a
  ``desk`` frame (target p95 < 150 ms); ``shopper_message_delivery``: the shopper's ``message`` while assigned
  -> the agent's staff socket gets it.
- ``lost``: messages sent and never received either way (must be 0); ``duplicates``.
- baseline: a ping -> pong round trip on every shopper socket at once before the hand-offs (the sockets' floor);
  ``--mode both`` (the default) also runs the same scenario on a DeskService in this process over SQLite with
  no HTTP or sockets (``local``): what the desk itself costs.
- where the CPU went: the server process's and the bench client's CPU seconds over the measured phase as a share
  of one core (each is one Python event loop: the one near 100 % saturates first) and the client's event-loop
  lag (latencies include it).
- the voice path (``--voice-rounds``, 5): shopper speech -> the AI attendant in a ringing video consult -> its
  first audio back through Janus, measured after the chat load (souk.bench.desk_voice); the bench then runs
  in a network namespace (souk.media.netns), and where something it needs is missing the JSON says what.

A hand-off not notified, or a message not received, within ``--timeout`` counts at the timeout in every
percentile and in ``failed``; percentiles are nearest rank. Prints one JSON object (with ``--json`` nothing
else); exits 1 when anything failed or was lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import time
from typing import Any

from souk.bench.desk_ledger import Ledger
from souk.bench.desk_links import (
    LANGUAGES,
    ApiDesk,
    DeskUnderTest,
    LocalDesk,
    ShopperEnd,
    StaffEnd,
    cpu_seconds,
)
from souk.core.settings import Settings
from souk.core.stats import percentile

log = logging.getLogger(__name__)

CONNECT_BATCH = 50  # sockets opened at once while setting up (not measured)


def register(bench: Any) -> None:
    b = bench.add_parser("desk", help="the customer-service desk with 500 shoppers at once: hand-off -> agent "
                                      "notified, agent reply -> shopper, lost messages (JSON)")
    b.add_argument("--conversations", type=int, default=500)
    b.add_argument("--agents", type=int, default=12)
    b.add_argument("--replies", type=int, default=2, help="agent replies per conversation")
    b.add_argument("--messages", type=int, default=1, help="shopper messages per conversation once assigned")
    b.add_argument("--gap-ms", type=float, default=100.0, help="pause between one conversation's messages")
    b.add_argument("--spread-s", type=float, default=0.0,
                   help="hand-offs spread evenly over this many seconds (0: all at the same moment)")
    b.add_argument("--timeout", type=float, default=30.0, help="seconds a hand-off or message may take (and the "
                                                               "wait for the last of them)")
    b.add_argument("--voice-rounds", type=int, default=5, help="questions to the AI attendant in a video call "
                                                                 "(0: skip the voice path)")
    b.add_argument("--mode", choices=("api", "local", "both"), default="both",
                   help="api: a souk serve process; local: a DeskService in this process; both (default)")
    b.add_argument("--json", action="store_true", help="print only the JSON object")
    b.set_defaults(func=command)


def command(args: argparse.Namespace, settings: Settings) -> int:
    if args.conversations < 1 or args.agents < 1 or args.replies < 0 or args.messages < 0 or args.timeout <= 0:
        print("souk bench desk: --conversations, --agents >= 1, --replies, --messages >= 0, --timeout > 0")
        return 2
    if -(-args.conversations // args.agents) > 50:
        print("souk bench desk: an agent holds at most 50 chats: raise --agents")
        return 2
    args.voice_skipped = "--voice-rounds 0" if args.voice_rounds <= 0 else None
    if args.voice_rounds > 0:
        from souk.core.errors import ConfigError
        from souk.media.netns import reexec_in_netns

        try:
            reexec_in_netns()  # returns only inside the namespace (Janus's media stays on its own loopback)
        except ConfigError as exc:
            args.voice_skipped = f"no network namespace for Janus: {exc}"
    result = asyncio.run(run(args, settings))
    if not args.json:
        for line in summary(result):
            print(line)
    print(json.dumps(result))
    return 0 if result["failed"] == 0 and result["lost"] == 0 else 1


async def run(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    modes = ("api", "local") if args.mode == "both" else (args.mode,)
    runs: dict[str, dict[str, Any]] = {}
    for mode in modes:
        desk: DeskUnderTest = ApiDesk(settings) if mode == "api" else LocalDesk()
        try:
            runs[mode] = await scenario(desk, args)
        finally:
            await desk.aclose()
    main = runs[modes[0]]
    out: dict[str, Any] = {"bench": "desk", "conversations": args.conversations, "agents": args.agents,
                           "handoffs_spread_s": args.spread_s, "mode": modes[0], **{k: v for k, v in main.items() if k != "transport"},
                           "measured": main["transport"]}
    if "local" in runs and modes[0] != "local":
        local = runs["local"]
        out["local"] = {k: local[k] for k in ("handoff_notify_p50_ms", "handoff_notify_p95_ms",
                                              "reply_delivery_p50_ms", "reply_delivery_p95_ms", "lost", "failed",
                                              "client_cpu_core_share", "elapsed_s")}
        out["lost"] += local["lost"]
        out["failed"] += local["failed"]
    if args.voice_skipped:
        voice: dict[str, Any] = {"measured": False, "reason": args.voice_skipped}
    else:
        from souk.bench.desk_voice import measure_voice

        voice = await measure_voice(settings, args.voice_rounds)
        out["failed"] += voice.get("failed", 0)
    out.update({
        "voice_path": voice,
        "cpu_cores": os.cpu_count(),
        "percentiles": f"nearest rank; a hand-off or message not through within {args.timeout:.0f} s counts as "
                       f"{args.timeout * 1000:.0f} ms and in failed",
    })
    return out


async def scenario(desk: DeskUnderTest, args: argparse.Namespace) -> dict[str, Any]:
    await desk.start(args.agents, args.conversations)
    ledger = Ledger(args.timeout)
    tasks: set[asyncio.Task[Any]] = set()
    holder: dict[str, StaffEnd] = {}  # conversation -> its agent's end
    shoppers: dict[str, ShopperEnd] = {}
    started_talking: set[str] = set()
    gap = args.gap_ms / 1000

    def spawn(coro: Any, name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def agent_works(end: StaffEnd, cid: str) -> None:
        for i in range(args.replies):
            marker = f"a:{cid}:{i}"
            ledger.send(marker, "to_shopper", time.monotonic())
            try:
                await end.reply(cid, marker)
            except Exception as exc:  # counted and reported; the bench goes on  # noqa: BLE001
                ledger.error(f"{end.agent_id} reply: {type(exc).__name__}: {exc}")
            await asyncio.sleep(gap)

    async def shopper_talks(end: ShopperEnd) -> None:
        for i in range(args.messages):
            marker = f"s:{end.cid}:{i}"
            ledger.send(marker, "to_agent", time.monotonic())
            try:
                await end.say(marker)
            except Exception as exc:  # noqa: BLE001
                ledger.error(f"{end.cid} message: {type(exc).__name__}: {exc}")
            await asyncio.sleep(gap)

    async def read_staff(end: StaffEnd) -> None:
        async for frame in end.frames():
            now = time.monotonic()
            kind = frame.get("type")
            if kind == "assigned":
                cid = str(frame["conversation"]["id"])
                holder[cid] = end
                ledger.notified(cid, end.agent_id, now)
                spawn(agent_works(end, cid), f"bench-desk-agent-{cid}")
            elif kind == "event" and holder.get(str(frame.get("conversation_id"))) is end:
                event = frame.get("event") or {}
                if event.get("kind") == "shopper_message":
                    ledger.receive(str(event.get("text")), now)
            elif kind == "error":
                ledger.error(f"{end.agent_id} socket: {frame}")

    pongs: dict[str, float] = {}

    async def read_shopper(end: ShopperEnd) -> None:
        async for frame in end.frames():
            now = time.monotonic()
            kind = frame.get("type")
            if kind == "pong":
                pongs[end.cid] = now
            elif kind == "desk_status":
                ledger.answered(end.cid, now)
                if frame.get("status") == "assigned" and end.cid not in started_talking:
                    started_talking.add(end.cid)
                    spawn(shopper_talks(end), f"bench-desk-shopper-{end.cid}")
            elif kind == "desk":
                event = frame.get("event") or {}
                if event.get("kind") == "agent_message":
                    ledger.receive(str(event.get("text")), now)
            elif kind == "error":
                ledger.error(f"{end.cid} socket: {frame}")

    readers: list[asyncio.Task[None]] = []
    staff: list[StaffEnd] = []
    try:
        for p in range(args.agents):
            agent = await desk.staff(f"agent{p:02d}")
            staff.append(agent)
            readers.append(asyncio.create_task(read_staff(agent), name=f"bench-desk-staff-{p}"))
        for first in range(0, args.conversations, CONNECT_BATCH):
            batch = range(first, min(first + CONNECT_BATCH, args.conversations))
            for one in await asyncio.gather(*(desk.shopper(i, LANGUAGES[i % len(LANGUAGES)]) for i in batch)):
                shoppers[one.cid] = one
                readers.append(asyncio.create_task(read_shopper(one), name=f"bench-desk-shopper-{one.cid}"))
        baseline = await _ping_all(shoppers, pongs, args.timeout) if isinstance(desk, ApiDesk) else None
        lag = LoopLag()
        lag.start()
        cpu0, server0, t0 = time.process_time(), cpu_seconds(desk.server_pid), time.monotonic()

        async def hand_off(i: int, end: ShopperEnd) -> None:
            if args.spread_s > 0:
                await asyncio.sleep(args.spread_s * i / len(shoppers))
            ledger.handoff(end.cid, time.monotonic())
            try:
                answer = await end.human()
            except Exception as exc:  # noqa: BLE001
                ledger.error(f"{end.cid} human: {type(exc).__name__}: {exc}")
                return
            if answer is not None:  # in this process the answer is the call's result
                ledger.answered(end.cid, time.monotonic())
                if answer["notice"]["kind"] == "assigned" and end.cid not in started_talking:
                    started_talking.add(end.cid)
                    spawn(shopper_talks(end), f"bench-desk-shopper-{end.cid}")

        await asyncio.gather(*(hand_off(i, end) for i, end in enumerate(shoppers.values())))
        await _until_settled(ledger, tasks, args.timeout)
        elapsed = time.monotonic() - t0
        cpu1, server1 = time.process_time(), cpu_seconds(desk.server_pid)
        await lag.stop()
    finally:
        ledger.freeze()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        ends: list[ShopperEnd | StaffEnd] = [*shoppers.values(), *staff]
        for closing in ends:
            try:
                await closing.aclose()
            except Exception as exc:  # noqa: BLE001
                log.debug("closing a bench end: %s", exc)
        for task in [*tasks, *readers]:
            task.cancel()
        await asyncio.gather(*tasks, *readers, return_exceptions=True)
    out = ledger.report()
    out.update({
        "transport": desk.transport, "elapsed_s": round(elapsed, 2),
        "client_cpu_core_share": round((cpu1 - cpu0) / elapsed, 2),
        "server_cpu_core_share": None if server0 is None or server1 is None else round((server1 - server0) / elapsed,
                                                                                      2),
        "client_loop_lag_p95_ms": lag.p95(), "client_loop_lag_max_ms": lag.max(),
    })
    if baseline is not None:
        out.update(baseline)
    out["saturates_first"] = _saturation(out)
    return out


async def _ping_all(shoppers: dict[str, ShopperEnd], pongs: dict[str, float], timeout: float) -> dict[str, Any]:
    """Every shopper socket pings at once: the round trip is the sockets' floor under the same crowd."""
    sent: dict[str, float] = {}
    for cid, end in shoppers.items():
        sent[cid] = time.monotonic()
        await end.ping()
    deadline = time.monotonic() + timeout
    while len(pongs) < len(sent) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    limit = timeout * 1000
    ms = [min(limit, (pongs[c] - t) * 1000) if c in pongs else limit for c, t in sent.items()]
    return {"baseline_ws_ping_p50_ms": percentile(ms, 0.5), "baseline_ws_ping_p95_ms": percentile(ms, 0.95),
            "baseline_ws_ping_failed": sum(1 for c in sent if c not in pongs)}


async def _until_settled(ledger: Ledger, tasks: set[asyncio.Task[Any]], timeout: float) -> None:
    """Until every hand-off was notified and every message received, or nothing moved for ``timeout``."""
    last, seen = time.monotonic(), -1
    while True:
        pending = ledger.pending()
        if pending == 0 and not tasks:
            return
        progress = (len(ledger.notified_at), len(ledger.sent), len(ledger.received))
        if hash(progress) != seen:
            seen, last = hash(progress), time.monotonic()
        elif time.monotonic() - last > timeout:
            return
        await asyncio.sleep(0.02)


class LoopLag:
    """How late a 10 ms sleep wakes in the bench's own event loop (its latencies include this)."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="bench-desk-loop-lag")

    async def _run(self) -> None:
        while True:
            t = time.monotonic()
            await asyncio.sleep(0.01)
            self.samples.append((time.monotonic() - t - 0.01) * 1000)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def p95(self) -> float | None:
        return percentile(self.samples, 0.95)

    def max(self) -> float | None:
        return round(max(self.samples), 1) if self.samples else None


def _saturation(out: dict[str, Any]) -> str:
    client, server = out["client_cpu_core_share"], out.get("server_cpu_core_share")
    if server is None:
        return (f"one process does it all: {client:.0%} of one core busy (one event loop; 100 % is its "
                "ceiling)")
    first = "the server process" if server >= client else "the bench client"
    return (f"{first}: server {server:.0%} and client {client:.0%} of one core over the run; each is one Python "
            f"event loop on one core, so the busier one saturates first (this machine has {os.cpu_count()} "
            "cores shared by both)")


def summary(result: dict[str, Any]) -> list[str]:
    r = result
    lines = [f"{r['conversations']} conversations, {r['agents']} agents ({r['measured']})",
             (f"hand-off -> agent notified p50 {r['handoff_notify_p50_ms']} ms, p95 {r['handoff_notify_p95_ms']} "
              f"ms ({r['handoff_notify_failed']} failed)"),
             (f"agent reply -> shopper p50 {r['reply_delivery_p50_ms']} ms, p95 {r['reply_delivery_p95_ms']} ms "
              f"({r['replies_received']}/{r['replies_sent']} received)"),
             f"lost {r['lost']}, failed {r['failed']}; saturates first: {r['saturates_first']}"]
    if "baseline_ws_ping_p50_ms" in r:
        lines.append(f"baseline ping -> pong on the same sockets p50 {r['baseline_ws_ping_p50_ms']} ms, "
                     f"p95 {r['baseline_ws_ping_p95_ms']} ms")
    v = r["voice_path"]
    lines.append(f"voice: speech -> AI attendant's first audio p50 {v['speech_to_ai_audio_p50_ms']} ms, p95 "
                 f"{v['speech_to_ai_audio_p95_ms']} ms ({v['failed']} failed of {v['rounds']})" if v["measured"]
                 else f"voice path not measured: {v['reason']}")
    if "local" in r:
        lines.append(f"in-process desk (no HTTP/sockets): hand-off p95 {r['local']['handoff_notify_p95_ms']} ms, "
                     f"reply p95 {r['local']['reply_delivery_p95_ms']} ms")
    return lines
