"""The JSON the desk sends: conversation summaries, timeline events for staff and for the shopper, queues."""

from __future__ import annotations

import datetime as dt
from typing import Any

from souk.domain.desk.handoff import HandoffPacket
from souk.domain.desk.metrics import DeskMetrics, Percentiles, SlaWarning
from souk.domain.desk.routing import Route
from souk.domain.desk.timeline import Conversation, Event, Handoff, _encode, encode_event, shopper_view


def iso(at: dt.datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def summary(c: Conversation, *, waiting_since: dt.datetime | None = None,
            now: dt.datetime | None = None) -> dict[str, Any]:
    waiting = None
    if waiting_since is not None and now is not None:
        waiting = round(max(0.0, (now - waiting_since).total_seconds()), 1)
    return {
        "id": c.id, "channel": c.channel.value, "status": c.status.value, "language": c.language,
        "queue": c.queue, "agent_id": c.agent_id, "shopper": c.shopper_identity, "customer_id": c.customer_id,
        "created_at": iso(c.created_at), "updated_at": iso(c.updated_at), "waiting_s": waiting,
        "csat": c.csat, "resolution": None if c.resolution is None else c.resolution.value,
        "active_call": c.active_call, "events": c.events,
    }


def staff_event(seq: int, event: Event) -> dict[str, Any]:
    return {"seq": seq, **encode_event(event)}


def shopper_events(numbered: list[tuple[int, Event]]) -> list[dict[str, Any]]:
    """What the shopper may see, with the stored sequence numbers (gaps where staff-only events are)."""
    out = []
    for seq, event in numbered:
        seen = shopper_view([event])
        if seen:
            out.append({"seq": seq, **encode_event(seen[0])})
    return out


def last_packet(events: list[tuple[int, Event]]) -> HandoffPacket | None:
    for _, event in reversed(events):
        if isinstance(event, Handoff) and event.packet is not None:
            return event.packet
    return None


def packet_dict(packet: HandoffPacket | None) -> dict[str, Any] | None:
    if packet is None:
        return None
    out = _encode(packet)  # the stored form is the wire form
    return out if isinstance(out, dict) else None


def route_of(queue: str | None, language: str) -> Route:
    """The route a stored queue name stands for (``Route.queue``'s inverse)."""
    if not queue:
        return Route(language)
    parts = queue.split(":")
    flags = set(parts[2:])
    return Route(parts[0] or language, parts[1] if len(parts) > 1 and parts[1] else None, "vip" in flags,
                 "video" in flags)


def _pct(p: Percentiles) -> dict[str, Any]:
    return {"count": p.count, "p50": p.p50, "p90": p.p90}


def metrics_dict(m: DeskMetrics) -> dict[str, Any]:
    def stat(s: Any) -> dict[str, Any]:
        return {"count": s.count, "average": s.average}

    return {
        "merchant_id": m.merchant_id, "conversations": m.conversations, "closed": m.closed,
        "contained": m.contained, "containment": m.containment, "handoffs": m.handoffs,
        "handoff_reasons": dict(m.handoff_reasons), "unassigned": m.unassigned,
        "wait_s": _pct(m.wait_s), "first_response_s": _pct(m.first_response_s),
        "resolution_s": _pct(m.resolution_s), "csat": stat(m.csat),
        "csat_by_language": {k: stat(v) for k, v in m.csat_by_language.items()},
        "csat_by_queue": {k: stat(v) for k, v in m.csat_by_queue.items()},
        "csat_by_agent": {k: stat(v) for k, v in m.csat_by_agent.items()},
        "sla": {k: {"conversations": v.conversations, "first_response_breaches": v.first_response_breaches,
                    "resolution_breaches": v.resolution_breaches} for k, v in m.sla.items()},
    }


def warning_dict(w: SlaWarning) -> dict[str, Any]:
    return {"conversation_id": w.conversation_id, "queue": w.queue, "timer": w.timer.value,
            "due_at": iso(w.due_at), "level": w.level.value}
