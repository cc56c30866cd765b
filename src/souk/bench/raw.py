"""Raw media-plane measurements (the plane's own API, no Souk REST/WebSocket in the path).

``souk bench raw-connect`` (:func:`command`) prints :func:`measure_raw_connect`'s figures; ``souk bench
connect`` uses :func:`raw_join_to_first_frame` and :func:`raw_switch_to_first_frame` for its ``raw_*``
figures, to compare with the same joins done through Souk's signaling.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from souk.bench.bots import PublisherBot, SubscriberBot
from souk.core.ids import new_id
from souk.core.settings import Settings
from souk.core.stats import percentile
from souk.core.tenancy import RoomKey
from souk.media.plane import MediaPlane
from souk.media.videoroom import Subscriber

TIMEOUT_S = 10.0  # a join with no first frame by then has failed; it counts as this in the percentiles


@dataclass(frozen=True, slots=True)
class RawConnectResult:
    decode: bool
    join_to_first_frame_ms: tuple[float, ...]
    failures: int = 0
    errors: tuple[str, ...] = field(default=())

    def summary(self, prefix: str = "raw_") -> dict[str, Any]:
        """Nearest-rank percentiles over every run, a failed one counted at the timeout."""
        xs = list(self.join_to_first_frame_ms) + [TIMEOUT_S * 1000] * self.failures
        out: dict[str, Any] = {f"{prefix}runs": len(xs), "failed": self.failures, f"{prefix}decode": self.decode,
                               "percentiles": f"nearest rank; a failed join counts as {TIMEOUT_S * 1000:.0f} ms"}
        if xs:
            out.update({
                f"{prefix}p50_ms": percentile(xs, 0.5),
                f"{prefix}p95_ms": percentile(xs, 0.95),
                f"{prefix}max_ms": round(max(xs), 1),
                f"{prefix}slow_over_1s": sum(1 for x in xs if x > 1000),
            })
        return out


async def raw_join_to_first_frame(plane: MediaPlane, room_id: RoomKey, feed_id: int, *, decode: bool = True,
                                  timeout: float = TIMEOUT_S) -> float:
    """Milliseconds from the subscriber join request to its first video frame (decoded if ``decode``)."""
    bot = SubscriberBot(decode=decode)
    sub = None
    try:
        t0 = time.monotonic()
        sub = await plane.subscribe(room_id, [feed_id])
        await sub.start(await bot.answer(sub.offer))
        first = await bot.wait_first_frame(timeout)
        return (first - t0) * 1000
    finally:
        if sub is not None:
            await sub.aclose()
        await bot.aclose()


async def raw_switch_to_first_frame(plane: MediaPlane, room_id: RoomKey, feed_id: int, mids: dict[str, list[str]], *,
                                    ring_s: float = 4.0, timeout: float = TIMEOUT_S) -> float:
    """The warm join without Souk: publish an own feed, subscribe to it and hold it the way Souk does
    (:meth:`MediaPlane.hold_primed`, for at most ``ring_s``), then milliseconds from the ``switch`` to ``feed_id`` (a timestamp
    publisher whose mids per kind are ``mids``) to its first decoded stamped frame."""
    own_bot = PublisherBot()
    bot = SubscriberBot(timestamps=True)
    own = sub = None
    try:
        own = await plane.join_publisher(room_id, display="raw-shopper")
        await own_bot.accept(await own.publish(await own_bot.offer()))
        sub = await plane.subscribe(room_id, [own.feed_id])
        assert isinstance(sub, Subscriber)  # not an audience subscription: always a VideoRoom subscriber
        await sub.start(await bot.answer(sub.offer))
        hold = asyncio.ensure_future(plane.hold_primed(sub))
        await asyncio.wait({hold}, timeout=ring_s)
        if not hold.done():  # answered while it was still priming: stop holding, as Souk does on a switch
            hold.cancel()
        await asyncio.gather(hold, return_exceptions=True)
        first = asyncio.ensure_future(bot.wait_stamped_frame(timeout))
        t0 = time.monotonic()
        await sub.switch(feed_id, mids)
        return (await first - t0) * 1000
    finally:
        for closer in (sub, own, bot, own_bot):
            if closer is not None:
                await closer.aclose()


async def measure_raw_connect(plane: MediaPlane, *, runs: int = 20, decode: bool = True) -> RawConnectResult:
    """Publish the counter bot into a fresh room, then join ``runs`` subscribers one after another."""
    room_id = RoomKey("bench", new_id("bench"))  # the bench's own merchant id: rooms are per merchant
    await plane.ensure_room(room_id, kind="consult", max_publishers=1)
    pub_bot = PublisherBot()
    pub = await plane.join_publisher(room_id, display="bench-publisher")
    times: list[float] = []
    errors: list[str] = []
    try:
        await pub_bot.accept(await pub.publish(await pub_bot.offer()))
        await pub.wait_webrtcup(10.0)
        for _ in range(runs):
            try:
                times.append(await raw_join_to_first_frame(plane, room_id, pub.feed_id, decode=decode))
            except (TimeoutError, OSError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        await pub.aclose()
        await pub_bot.aclose()
        await plane.destroy_room(room_id)
    return RawConnectResult(decode, tuple(times), len(errors), tuple(errors[:5]))


def command(args: argparse.Namespace, settings: Settings) -> int:
    """``souk bench raw-connect``: runs inside a private network namespace (re-executes itself there)."""
    from souk.media.netns import reexec_in_netns

    reexec_in_netns(netem=args.netem)  # returns only once inside the namespace
    # the namespace sets SOUK_JANUS__ICE_ENFORCE_LIST; settings were loaded before the re-exec in the parent
    # but are re-loaded here in the child, so they already carry it.
    return asyncio.run(_raw(args, settings))


async def _raw(args: argparse.Namespace, settings: Settings) -> int:
    with tempfile.TemporaryDirectory(prefix="souk-bench-") as tmp:
        plane = await MediaPlane.start(settings, workdir=Path(tmp) / "janus")
        try:
            result = await measure_raw_connect(plane, runs=args.runs, decode=not args.no_decode)
        finally:
            await plane.aclose()
    out = result.summary()
    if result.errors:
        out["raw_errors"] = list(result.errors)
    print(json.dumps(out))
    return 0 if result.failures == 0 else 1
