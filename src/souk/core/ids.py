"""Identifiers: short, URL-safe, sortable by creation time."""

from __future__ import annotations

import os
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def _b32(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        out.append(_ALPHABET[n & 31])
        n >>= 5
    return "".join(reversed(out))


def new_id(prefix: str = "") -> str:
    """A 20-char time-ordered random id, e.g. ``room_01jd3k...``."""
    ms = int(time.time() * 1000)
    rand = int.from_bytes(os.urandom(8), "big")
    body = _b32(ms, 9) + _b32(rand, 11)
    return f"{prefix}_{body}" if prefix else body
