"""Short-lived TURN credentials: the TURN REST API scheme coturn checks with ``use-auth-secret``.

username = ``<expiry unix seconds>:<merchant>:<identity>``, password = base64(HMAC-SHA1(secret, username)).
coturn reads the expiry from the username's first field and refuses it once past; it needs no state of
ours, so any Souk node holding the shared secret can issue credentials. The merchant and identity come from
the caller's verified access token only, so a relay allocation names who made it (coturn logs the username)
and one merchant's credentials cannot be re-labelled as another's without the secret.

Pure: no I/O, the clock is passed in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

# STUN's USERNAME attribute holds at most 513 bytes (RFC 8489 14.3); stay well under it.
MAX_USERNAME_BYTES = 256


@dataclass(frozen=True, slots=True)
class TurnCredential:
    urls: tuple[str, ...]
    username: str
    password: str
    expires_at: int  # unix seconds

    def ice_servers(self) -> list[dict[str, str]]:
        """RTCIceServer dicts a browser (or aiortc) takes, one a URL."""
        return [{"urls": url, "username": self.username, "credential": self.password} for url in self.urls]


def password_for(secret: str, username: str) -> str:
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def issue(secret: str, urls: tuple[str, ...], *, merchant_id: str, identity: str, now: float,
          ttl_s: int) -> TurnCredential:
    """Credentials valid until ``now + ttl_s`` for ``identity`` of ``merchant_id`` (both from a token)."""
    if not secret:
        raise ValueError("TURN secret is empty")
    if ttl_s <= 0:
        raise ValueError("TURN credential ttl must be positive")
    if not merchant_id or ":" in merchant_id:
        raise ValueError(f"merchant id {merchant_id!r} cannot go in a TURN username")
    expires = int(now) + ttl_s
    username = f"{expires}:{merchant_id}:{identity}"
    if len(username.encode()) > MAX_USERNAME_BYTES:
        # identities are bounded by the token service; cut rather than hand out a username coturn refuses
        username = username.encode()[:MAX_USERNAME_BYTES].decode(errors="ignore")
    return TurnCredential(urls=urls, username=username, password=password_for(secret, username),
                          expires_at=expires)


@dataclass(frozen=True, slots=True)
class UsernameParts:
    expires_at: int
    merchant_id: str
    identity: str


def parse_username(username: str) -> UsernameParts:
    """The fields of a username made by :func:`issue` (ValueError for anything else)."""
    parts = username.split(":", 2)
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1]:
        raise ValueError(f"not a Souk TURN username: {username!r}")
    return UsernameParts(expires_at=int(parts[0]), merchant_id=parts[1], identity=parts[2])


def check(secret: str, username: str, password: str, *, now: float) -> UsernameParts:
    """What coturn checks, for tools and tests: the HMAC, then the expiry. ValueError when either fails."""
    if not hmac.compare_digest(password_for(secret, username), password):
        raise ValueError("TURN password does not match the username")
    parts = parse_username(username)
    if parts.expires_at <= now:
        raise ValueError("TURN credentials expired")
    return parts
