"""Deterministic mapping of Souk rooms (merchant, room id) to Janus numeric room ids, and server-side secrets.

The merchant is part of every input: two merchants using the same room id (``live-demo``) get two Janus
rooms with two secrets and pins. The mapping is a pure hash, so it is the same in every process and
after restarts (an external Janus keeps its rooms while Souk restarts; Souk finds them again).
"""

from __future__ import annotations

import hashlib
import hmac

from souk.core.errors import BadRequest

_MAX_SAFE = (1 << 53) - 1  # stays exact in JSON consumers that use doubles


def _check(merchant_id: str, room_id: str) -> None:
    if not merchant_id or len(merchant_id) > 200:
        raise BadRequest("merchant id must be 1-200 characters")
    if not room_id or len(room_id) > 200:
        raise BadRequest("room id must be 1-200 characters")
    if "\x00" in merchant_id or "\x00" in room_id:
        raise BadRequest("merchant and room ids cannot contain NUL")


def _scoped(merchant_id: str, room_id: str) -> bytes:
    # NUL is refused in both ids, so ("a", "b/c") and ("a/b", "c") never collide
    return merchant_id.encode("utf-8") + b"\x00" + room_id.encode("utf-8")


def janus_room_id(merchant_id: str, room_id: str) -> int:
    """A stable positive integer below 2**53 for the merchant's room (same input -> same number, any process)."""
    _check(merchant_id, room_id)
    digest = hashlib.blake2b(_scoped(merchant_id, room_id), digest_size=8, person=b"souk-room").digest()
    return (int.from_bytes(digest, "big") & _MAX_SAFE) or 1


def room_secret(merchant_id: str, room_id: str, key: str) -> str:
    """The room's Janus secret, derived from the node's admin key so it survives Souk restarts.

    ``room_id`` may carry a purpose prefix (``pin:<room>``, ``mount:<room>:<feed>``) for other secrets of
    the same room."""
    _check(merchant_id, room_id)
    return hmac.new(key.encode("utf-8"), b"room-secret:" + _scoped(merchant_id, room_id), hashlib.sha256).hexdigest()
