"""Replay evaluation cases through a brain (all cases in one process) and write one result per case.

Case format: {"id", "customer", "turns": [...]} (extra keys such as "lang"/"expect" are ignored).
Result format: {"id", "replies": [{"text", "language", "handoff", "handoff_reason", "tool_calls", ...}]}.

``FixedDay`` wraps any snapshot source so that "today" (the snapshot's ``as_of``, which return windows and
order ages are reasoned from) is one fixed date: a store read from storage is otherwise as of the real today,
and a case file's expectations are written against its store file's ``as_of``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import statistics
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from souk.agent.brain import Brain, BrainReply
from souk.assistant.store import SnapshotSource
from souk.core.errors import BadRequest
from souk.domain.store import StoreSnapshot


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    customer: str | None
    turns: tuple[str, ...]


def read_cases(path: str | Path) -> list[Case]:
    cases: list[Case] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BadRequest(f"cannot read cases file {path}: {exc}", code="cases_unreadable") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            turns = raw["turns"]
            if not isinstance(turns, list) or not all(isinstance(t, str) for t in turns):
                raise TypeError("turns must be a list of strings")
            cases.append(Case(id=str(raw["id"]), customer=raw.get("customer"), turns=tuple(turns)))
        except (ValueError, KeyError, TypeError) as exc:
            raise BadRequest(f"{path}:{n}: bad case: {exc}", code="bad_case") from exc
    return cases


class FixedDay:
    """A snapshot source whose snapshots are as of ``day`` (None: the source's own idea of today)."""

    def __init__(self, source: SnapshotSource, day: dt.date | None) -> None:
        self._source = source
        self._day = day

    async def snapshot(self, merchant_id: str, *, as_of: dt.date | None = None) -> StoreSnapshot:
        day = as_of or self._day
        snap = await self._source.snapshot(merchant_id, as_of=day)
        if day is not None and snap.as_of != day:  # a fixed snapshot (a store file) keeps its own as_of
            snap = dataclasses.replace(snap, as_of=day)
        return snap


class DayClock:
    """A clock whose wall time runs from noon UTC of ``day`` (the time goes on; the date is the one given), for
    the order actions of a replay against a store written as of that day."""

    def __init__(self, day: dt.date) -> None:
        self._offset = dt.datetime.combine(day, dt.time(12), dt.UTC).timestamp() - time.time()

    def now(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time() + self._offset

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def reply_json(reply: BrainReply) -> dict[str, Any]:
    return {
        "text": reply.text, "language": reply.language, "handoff": reply.handoff,
        "handoff_reason": reply.handoff_reason,
        "tool_calls": [{"name": c.name, "arguments": c.arguments, "error": c.error} for c in reply.tool_calls],
        "intent": reply.metadata.get("intent"), "brain_ms": reply.metadata.get("brain_ms"),
    }


@dataclass
class ReplayStats:
    cases: int = 0
    turns: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    max_ms: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def replay(brain: Brain, cases: Iterable[Case]) -> tuple[list[dict[str, Any]], ReplayStats]:
    results: list[dict[str, Any]] = []
    latencies: list[float] = []
    stats = ReplayStats()
    for case in cases:
        session = brain.new_session(customer_id=case.customer)
        replies = []
        try:
            for turn in case.turns:
                t0 = time.perf_counter()
                reply = await session.reply(turn)
                latencies.append((time.perf_counter() - t0) * 1000)
                replies.append(reply_json(reply))
        finally:
            await session.aclose()
        results.append({"id": case.id, "replies": replies})
        stats.cases += 1
        stats.turns += len(case.turns)
    if latencies:
        ordered = sorted(latencies)
        stats.p50_ms = round(statistics.median(ordered), 2)
        stats.p95_ms = round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2)
        stats.max_ms = round(ordered[-1], 2)
    return results, stats


def write_results(path: str | Path, results: Iterable[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in results)


def iter_lines(results: list[dict[str, Any]]) -> Iterator[str]:
    for r in results:
        yield json.dumps(r, ensure_ascii=False)
