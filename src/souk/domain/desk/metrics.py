"""A merchant's desk numbers, computed from stored timelines (pure: the caller passes ``now``).

Definitions, so the metrics page and its tests agree:
- contained: closed as resolved with no human ever involved (never assigned, no agent message);
  containment = contained / closed.
- wait: each time a conversation enters a queue (hand-off, transfer to a queue) until the next assignment.
- first response: the first hand-off until the first agent message after it.
- resolution: the conversation's start until it closed.
- SLA, per the queue a conversation was last routed to, counted from its first hand-off: first response
  breached when it came after the target (or none came and the conversation closed, or ``now`` passed the
  target); resolution breached when the close came after the target (or ``now`` passed it).
- CSAT by queue and by agent: the last queue and the last agent the conversation had.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from souk.core.errors import BadRequest
from souk.core.stats import percentile
from souk.domain.desk.timeline import (
    AgentMessage,
    Assigned,
    Closed,
    Csat,
    Handoff,
    Resolution,
    Status,
    Timeline,
    Transferred,
)


@dataclass(frozen=True, slots=True)
class SlaTargets:
    first_response_s: float
    resolution_s: float

    def __post_init__(self) -> None:
        if not (self.first_response_s > 0 and self.resolution_s > 0):
            raise BadRequest("SLA targets must be positive", code="bad_sla")


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """A merchant's targets: one per queue, ``default`` for the rest."""

    default: SlaTargets
    per_queue: Mapping[str, SlaTargets] = field(default_factory=dict)

    def for_queue(self, queue: str | None) -> SlaTargets:
        return self.per_queue.get(queue or "", self.default)


@dataclass(frozen=True, slots=True)
class Percentiles:
    count: int
    p50: float | None
    p90: float | None


@dataclass(frozen=True, slots=True)
class CsatStat:
    count: int
    average: float | None


@dataclass(frozen=True, slots=True)
class SlaCount:
    conversations: int  # handed off to this queue
    first_response_breaches: int
    resolution_breaches: int


@dataclass(frozen=True, slots=True)
class DeskMetrics:
    merchant_id: str
    conversations: int
    closed: int
    contained: int
    containment: float | None  # contained / closed, None with nothing closed
    handoffs: int
    handoff_reasons: Mapping[str, int]
    unassigned: int  # handed off, never assigned to a human
    wait_s: Percentiles
    first_response_s: Percentiles
    resolution_s: Percentiles
    csat: CsatStat
    csat_by_language: Mapping[str, CsatStat]
    csat_by_queue: Mapping[str, CsatStat]
    csat_by_agent: Mapping[str, CsatStat]
    sla: Mapping[str, SlaCount]


@dataclass(frozen=True, slots=True)
class _Facts:
    created_at: dt.datetime
    handoff_at: dt.datetime | None
    first_response_at: dt.datetime | None
    waits: tuple[float, ...]
    ever_assigned: bool
    human: bool
    last_queue: str | None
    last_agent: str | None
    closed_at: dt.datetime | None
    resolution: Resolution | None
    csat: int | None
    reasons: tuple[str, ...]


def _facts(t: Timeline) -> _Facts:
    handoff_at = first_response = queued_since = closed_at = None
    waits: list[float] = []
    reasons: list[str] = []
    ever_assigned = human = False
    last_agent: str | None = None
    resolution: Resolution | None = None
    csat: int | None = None
    for e in t.events:
        if isinstance(e, Handoff):
            handoff_at = handoff_at or e.at
            queued_since = e.at
            reasons.append(e.reason.value)
        elif isinstance(e, Transferred) and e.to_queue:
            queued_since = e.at
        elif isinstance(e, Assigned) or (isinstance(e, Transferred) and e.to_agent):
            ever_assigned = human = True
            last_agent = e.agent_id if isinstance(e, Assigned) else e.to_agent
            if queued_since is not None:
                waits.append((e.at - queued_since).total_seconds())
                queued_since = None
        elif isinstance(e, AgentMessage):
            human = True
            if handoff_at is not None and first_response is None:
                first_response = e.at
        elif isinstance(e, Closed):
            closed_at, resolution = e.at, e.resolution
        elif isinstance(e, Csat):
            csat = e.score
    return _Facts(t.conversation.created_at, handoff_at, first_response, tuple(waits), ever_assigned, human,
                  t.conversation.queue, last_agent, closed_at, resolution, csat, tuple(reasons))


def _pct(xs: list[float]) -> Percentiles:
    return Percentiles(len(xs), percentile(xs, 0.5), percentile(xs, 0.9))


def _csat(scores: list[int]) -> CsatStat:
    return CsatStat(len(scores), round(sum(scores) / len(scores), 2) if scores else None)


def _late(start: dt.datetime, end: dt.datetime | None, target_s: float) -> bool:
    return end is not None and (end - start).total_seconds() > target_s


def compute(merchant_id: str, timelines: Iterable[Timeline], policy: SlaPolicy,
            now: dt.datetime | None = None) -> DeskMetrics:
    """The merchant's numbers over ``timelines`` (other merchants' timelines are skipped)."""
    mine = [(t, _facts(t)) for t in timelines if t.conversation.merchant_id == merchant_id]
    closed = [f for _, f in mine if f.closed_at is not None]
    contained = sum(1 for f in closed if f.resolution is Resolution.RESOLVED and not f.human)
    reasons: Counter[str] = Counter(r for _, f in mine for r in f.reasons)
    handed = [f for _, f in mine if f.handoff_at is not None]
    first = [(f.first_response_at - f.handoff_at).total_seconds() for f in handed
             if f.first_response_at is not None and f.handoff_at is not None]
    scores: dict[str, dict[str, list[int]]] = {k: defaultdict(list) for k in ("language", "queue", "agent")}
    all_scores: list[int] = []
    for t, f in mine:
        if f.csat is None:
            continue
        all_scores.append(f.csat)
        scores["language"][t.conversation.language].append(f.csat)
        if f.last_queue:
            scores["queue"][f.last_queue].append(f.csat)
        if f.last_agent:
            scores["agent"][f.last_agent].append(f.csat)
    sla: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for f in handed:
        if (start := f.handoff_at) is None:
            continue
        targets, row = policy.for_queue(f.last_queue), sla[f.last_queue or ""]
        row[0] += 1
        row[1] += _late(start, f.first_response_at or f.closed_at or now, targets.first_response_s)
        row[2] += _late(start, f.closed_at or now, targets.resolution_s)
    return DeskMetrics(
        merchant_id=merchant_id,
        conversations=len(mine),
        closed=len(closed),
        contained=contained,
        containment=round(contained / len(closed), 4) if closed else None,
        handoffs=sum(reasons.values()),
        handoff_reasons=dict(sorted(reasons.items())),
        unassigned=sum(1 for f in handed if not f.ever_assigned),
        wait_s=_pct([w for _, f in mine for w in f.waits]),
        first_response_s=_pct(first),
        resolution_s=_pct([(f.closed_at - f.created_at).total_seconds() for f in closed if f.closed_at]),
        csat=_csat(all_scores),
        csat_by_language={k: _csat(v) for k, v in sorted(scores["language"].items())},
        csat_by_queue={k: _csat(v) for k, v in sorted(scores["queue"].items())},
        csat_by_agent={k: _csat(v) for k, v in sorted(scores["agent"].items())},
        sla={k: SlaCount(*v) for k, v in sorted(sla.items())},
    )


class Timer(str, Enum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


class Level(str, Enum):
    SOON = "soon"  # past ``soon`` of the target
    BREACHED = "breached"


@dataclass(frozen=True, slots=True)
class SlaWarning:
    merchant_id: str
    conversation_id: str
    queue: str | None
    timer: Timer
    due_at: dt.datetime
    level: Level


def sla_warnings(timelines: Iterable[Timeline], policy: SlaPolicy, now: dt.datetime, *,
                 soon: float = 0.8) -> tuple[SlaWarning, ...]:
    """The open, handed-off conversations breaching or about to breach a target, soonest due first."""
    if not 0 < soon <= 1:
        raise BadRequest("soon is a fraction of the target in (0, 1]", code="bad_sla")
    out: list[SlaWarning] = []
    for t in timelines:
        c = t.conversation
        if c.status not in (Status.QUEUED, Status.ASSIGNED):
            continue
        f = _facts(t)
        if f.handoff_at is None:
            continue
        targets = policy.for_queue(c.queue)
        timers = [(Timer.RESOLUTION, targets.resolution_s)]
        if f.first_response_at is None:
            timers.insert(0, (Timer.FIRST_RESPONSE, targets.first_response_s))
        for timer, target in timers:
            elapsed = (now - f.handoff_at).total_seconds()
            if elapsed >= soon * target:
                level = Level.BREACHED if elapsed > target else Level.SOON
                due = f.handoff_at + dt.timedelta(seconds=target)
                out.append(SlaWarning(c.merchant_id, c.id, c.queue, timer, due, level))
    return tuple(sorted(out, key=lambda w: (w.due_at, w.conversation_id, w.timer.value)))
