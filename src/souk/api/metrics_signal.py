"""Signaling series (souk.core.metrics): messages by type, handling time, joins, join-to-media time.

The signaling socket (souk.api.routes.signaling) gives each connection a :class:`MeteredOutbox` when metrics
are on: it sees every message the session pushes, so the first ``media`` ``webrtc: up`` of the member's own
publisher and of its first subscription after a join are timed from the join's reply without the session
(souk.signal) knowing anything of metrics.
"""

from __future__ import annotations

import time

from souk.core.metrics import Metrics
from souk.signal import messages as m
from souk.signal.hub import Outbox

SOCKET = "signal"


class MeteredOutbox(Outbox):
    def __init__(self, metrics: Metrics) -> None:
        super().__init__()
        self.metrics = metrics
        self.identity = ""
        self._joined_at: float | None = None
        self._timed: set[str] = set()
        self._cut = False

    def joined(self) -> None:
        """A join succeeded: time the next media ups from now."""
        self._joined_at = time.perf_counter()
        self._timed.clear()

    def push(self, msg: m.ServerMessage) -> bool:
        if (isinstance(msg, m.MediaState) and msg.webrtc == "up" and self._joined_at is not None
                and msg.participant == self.identity):
            target = "pub" if msg.target == "pub" else "sub"
            if target not in self._timed:
                self._timed.add(target)
                self.metrics.media_up(target, time.perf_counter() - self._joined_at)
        return super().push(msg)

    def push_frame(self, frame: bytes) -> bool:
        queued = super().push_frame(frame)
        if not queued and self.overflowed and not self._cut:  # the socket is closed 4429 for it
            self._cut = True
            self.metrics.message_error(SOCKET, "slow_consumer")
        return queued


def observe(outbox: Outbox, kind: str, reply: object, seconds: float) -> None:
    """One client message of type ``kind`` answered ``reply`` in ``seconds`` (metrics on: a MeteredOutbox)."""
    if not isinstance(outbox, MeteredOutbox):
        return
    metrics = outbox.metrics
    metrics.message(SOCKET, kind)
    metrics.message_handled(SOCKET, kind, seconds)
    error = reply.code if isinstance(reply, m.Error) else ""
    if error:
        metrics.message_error(SOCKET, str(error))
    if kind == "Join":
        metrics.join(str(error) or "ok")
        if not error:
            outbox.joined()
