"""Tiny, pure SDP helpers (just what the media plane needs; no full parser)."""

from __future__ import annotations


def media_mids(sdp: str) -> dict[str, list[str]]:
    """``{"audio": [mids], "video": [mids], ...}`` in m-line order. m-lines without a mid are skipped."""
    out: dict[str, list[str]] = {}
    kind: str | None = None
    for raw in sdp.splitlines():
        line = raw.strip()
        if line.startswith("m="):
            kind = line[2:].split(" ", 1)[0]
        elif kind is not None and line.startswith("a=mid:"):
            out.setdefault(kind, []).append(line[6:].strip())
    return out


def looks_like_sdp(sdp: str) -> bool:
    """A cheap sanity check before handing text to Janus: version line first, at least one m-line."""
    text = sdp.lstrip()
    return text.startswith("v=0") and "\nm=" in text
