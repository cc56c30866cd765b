"""Deterministic mapping of Souk room ids (strings) to Janus numeric room ids, and server-side secrets."""

from __future__ import annotations

import hashlib
import hmac

from souk.core.errors import BadRequest

_MAX_SAFE = (1 << 53) - 1  # stays exact in JSON consumers that use doubles


def janus_room_id(room_id: str) -> int:
    """A stable positive integer below 2**53 for ``room_id`` (same input -> same number, any process)."""
    if not room_id or len(room_id) > 200:
        raise BadRequest("room id must be 1-200 characters")
    digest = hashlib.blake2b(room_id.encode("utf-8"), digest_size=8, person=b"souk-room").digest()
    return (int.from_bytes(digest, "big") & _MAX_SAFE) or 1


def room_secret(room_id: str, key: str) -> str:
    """The room's Janus secret, derived from the node's admin key so it survives Souk restarts."""
    return hmac.new(key.encode("utf-8"), b"room-secret:" + room_id.encode("utf-8"), hashlib.sha256).hexdigest()
