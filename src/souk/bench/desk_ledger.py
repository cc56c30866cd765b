"""What ``souk bench desk`` counts: when each hand-off was asked for and when its agent heard of it, each
message's send and receipt (by a unique marker in its text), and the figures made from them.

Pure bookkeeping on one monotonic clock (the bench's shoppers and agents run in one process). Percentiles are
nearest rank (souk.core.stats.percentile); a hand-off never notified, or a message not received, within the
timeout counts at the timeout in every percentile and in ``failed``. A message never received by the end of
the run is ``lost``; one received twice is a ``duplicate``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from souk.core.stats import percentile


@dataclass
class Ledger:
    timeout_s: float
    handoff_at: dict[str, float] = field(default_factory=dict)  # conversation -> "human" sent
    answered_at: dict[str, float] = field(default_factory=dict)  # ... -> the shopper told where it stands
    notified_at: dict[str, float] = field(default_factory=dict)  # ... -> its agent got "assigned"
    notified_agent: dict[str, str] = field(default_factory=dict)
    sent: dict[str, tuple[str, float]] = field(default_factory=dict)  # marker -> (direction, when)
    received: dict[str, float] = field(default_factory=dict)
    duplicates: int = 0
    renotified: int = 0
    unknown: int = 0  # markers received that nobody sent
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    frozen: bool = False  # the run is over: what happens while the bench tears down is not counted

    def freeze(self) -> None:
        self.frozen = True

    def handoff(self, cid: str, at: float) -> None:
        if not self.frozen:
            self.handoff_at[cid] = at

    def answered(self, cid: str, at: float) -> None:
        if not self.frozen:
            self.answered_at.setdefault(cid, at)

    def notified(self, cid: str, agent: str, at: float) -> None:
        if self.frozen:
            return
        if cid in self.notified_at:
            self.renotified += 1
            return
        self.notified_at[cid] = at
        self.notified_agent[cid] = agent

    def send(self, marker: str, direction: str, at: float) -> None:
        if not self.frozen:
            self.sent[marker] = (direction, at)

    def receive(self, marker: str, at: float) -> None:
        if self.frozen:
            return
        if marker not in self.sent:
            self.unknown += 1
        elif marker in self.received:
            self.duplicates += 1
        else:
            self.received[marker] = at

    def error(self, what: str) -> None:
        if self.frozen:
            return
        self.error_count += 1
        if len(self.errors) < 10:
            self.errors.append(what[:300])

    def pending(self) -> int:
        """Hand-offs not notified and messages not received yet."""
        return (len(self.handoff_at) - len(self.notified_at)) + (len(self.sent) - len(self.received))

    # ---------------------------------------------------------------- figures

    def _latencies(self, start: dict[str, float], end: dict[str, float]) -> tuple[list[float], int]:
        """ms from start to end per key; a missing or late end counts at the timeout (and as failed)."""
        limit = self.timeout_s * 1000
        out, failed = [], 0
        for key, t0 in start.items():
            t1 = end.get(key)
            ms = limit if t1 is None else (t1 - t0) * 1000
            if ms >= limit:
                ms, failed = limit, failed + 1
            out.append(ms)
        return out, failed

    def _direction(self, direction: str) -> tuple[dict[str, float], int, int]:
        sent = {m: at for m, (d, at) in self.sent.items() if d == direction}
        got = sum(1 for m in sent if m in self.received)
        return sent, len(sent), got

    def report(self) -> dict[str, Any]:
        notify, notify_failed = self._latencies(self.handoff_at, self.notified_at)
        answer, answer_failed = self._latencies(self.handoff_at, self.answered_at)
        to_shopper, n_shopper, got_shopper = self._direction("to_shopper")
        to_agent, n_agent, got_agent = self._direction("to_agent")
        reply, reply_failed = self._latencies(to_shopper, self.received)
        upward, upward_failed = self._latencies(to_agent, self.received)
        lost = (n_shopper - got_shopper) + (n_agent - got_agent)
        return {
            "handoffs": len(self.handoff_at), "notified": len(self.notified_at),
            "handoff_notify_p50_ms": percentile(notify, 0.5), "handoff_notify_p95_ms": percentile(notify, 0.95),
            "handoff_notify_max_ms": round(max(notify), 1) if notify else None,
            "handoff_notify_failed": notify_failed,
            "handoff_answer_p50_ms": percentile(answer, 0.5), "handoff_answer_p95_ms": percentile(answer, 0.95),
            "handoff_answer_failed": answer_failed,
            "replies_sent": n_shopper, "replies_received": got_shopper,
            "reply_delivery_p50_ms": percentile(reply, 0.5), "reply_delivery_p95_ms": percentile(reply, 0.95),
            "reply_delivery_max_ms": round(max(reply), 1) if reply else None, "reply_delivery_failed": reply_failed,
            "shopper_messages_sent": n_agent, "shopper_messages_received": got_agent,
            "shopper_message_delivery_p50_ms": percentile(upward, 0.5),
            "shopper_message_delivery_p95_ms": percentile(upward, 0.95),
            "shopper_message_delivery_failed": upward_failed,
            "lost": lost, "duplicates": self.duplicates, "unknown_received": self.unknown,
            "renotified": self.renotified,
            "failed": notify_failed + reply_failed + upward_failed + self.error_count,
            "errors": self.errors,
        }
