"""Janus's HTTP event handler (Debian's ``libjanus_sampleevh``) pointed at Souk: its media statistics.

Janus POSTs JSON events (one object, or an array when grouping) to ``EVENTS_PATH`` with HTTP Basic auth
(``EVENTS_USER`` and a shared secret). Souk asks only for media events (type 32): every ``stats_period`` seconds
per handle and medium, Janus's own view of the PeerConnection: RTT, packets lost (what Janus did not get, and
what the browser says it did not get), jitter both ways, link quality, NACKs. ``parse_media_stats`` turns a body
into typed stats (pure); ``load_events_secret`` is the shared secret (configured, or generated once into the
data dir, mode 0600).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from typing import Any

from souk.core.errors import BadRequest
from souk.core.settings import Settings

EVENTS_PATH = "/v1/quality/janus-events"
EVENTS_USER = "janus"
SECRET_FILE = "janus_events_secret"
MEDIA_EVENT = 32
MAX_EVENTS = 1000  # events in one POST; more: 400 bad_events
# Janus's media-stat fields kept (as Janus names them), numeric only
STAT_FIELDS = ("rtt", "lost", "lost-by-remote", "jitter-local", "jitter-remote", "in-link-quality",
               "in-media-link-quality", "out-link-quality", "out-media-link-quality", "packets-received",
               "packets-sent", "bytes-received", "bytes-sent", "bytes-received-lastsec", "bytes-sent-lastsec",
               "nacks-received", "nacks-sent", "retransmissions-received")


@dataclass(frozen=True, slots=True)
class MediaStat:
    session_id: int
    handle_id: int
    medium: str  # audio or video
    timestamp_us: int
    stats: dict[str, float] = field(default_factory=dict)
    codec: str = ""


def parse_media_stats(body: Any) -> tuple[list[MediaStat], int]:
    """The media statistics in a sampleevh body, and how many events were something else (ignored).
    A body that is neither an event object nor a list of them is BadRequest ``bad_events``."""
    events = body if isinstance(body, list) else [body]
    if not all(isinstance(e, dict) for e in events):
        raise BadRequest("Janus events are JSON objects (or a list of them)", code="bad_events")
    if len(events) > MAX_EVENTS:
        raise BadRequest(f"at most {MAX_EVENTS} events per request", code="bad_events")
    out: list[MediaStat] = []
    for e in events:
        ev = e.get("event")
        if e.get("type") != MEDIA_EVENT or not isinstance(ev, dict) or ev.get("media") not in ("audio", "video"):
            continue
        sid, hid = e.get("session_id"), e.get("handle_id")
        if not isinstance(sid, int) or not isinstance(hid, int):
            continue
        stats = {k: float(v) for k in STAT_FIELDS if isinstance(v := ev.get(k), int | float) and not isinstance(v, bool)}
        if not stats:
            continue  # a state event ("receiving": false, slow link), not statistics
        ts = e.get("timestamp")
        out.append(MediaStat(session_id=sid, handle_id=hid, medium=str(ev["media"]),
                             timestamp_us=ts if isinstance(ts, int) else 0, stats=stats,
                             codec=str(ev.get("codec") or "")[:16]))
    return out, len(events) - len(out)


def load_events_secret(settings: Settings) -> str:
    """``quality.janus_events_secret``, or one generated once into ``<data_dir>/janus_events_secret`` (0600)."""
    configured = settings.quality.janus_events_secret
    if configured:
        return configured
    path = settings.data_path / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # written whole under another name, then linked in place: a racing process reads all of it or none
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".evh-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(secrets.token_urlsafe(32) + "\n")
            os.chmod(tmp, 0o600)
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_text(encoding="utf-8").strip()
