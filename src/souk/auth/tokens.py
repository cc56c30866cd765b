"""Short-lived signed access tokens, the way LiveKit and Agora mint them.

A token names the merchant (tenant), the identity, the room it is good for, a role and explicit
privileges. It is an HS256 JWT signed with the server's token secret. Every signaling and API call
checks one; nobody but Souk ever talks to Janus.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import jwt

from souk.core.errors import BadRequest, Forbidden, TokenExpired, Unauthenticated
from souk.core.ids import new_id


class Role(str, Enum):
    HOST = "host"  # owns a room (live host, seller in a consult)
    COHOST = "cohost"
    MODERATOR = "moderator"
    MEMBER = "member"  # a normal participant (shopper in a consult, speaker in a voice room)
    AUDIENCE = "audience"  # watches / listens only
    GUEST = "guest"  # anonymous, read-mostly
    AGENT = "agent"  # support staff or the AI agent
    SERVICE = "service"  # server-to-server


class Privilege(str, Enum):
    PUBLISH = "publish"
    SUBSCRIBE = "subscribe"
    CHAT = "chat"
    MODERATE = "moderate"
    ADMIN = "admin"  # manage rooms of the merchant


DEFAULT_PRIVILEGES: dict[Role, frozenset[Privilege]] = {
    Role.HOST: frozenset({Privilege.PUBLISH, Privilege.SUBSCRIBE, Privilege.CHAT, Privilege.MODERATE}),
    Role.COHOST: frozenset({Privilege.PUBLISH, Privilege.SUBSCRIBE, Privilege.CHAT}),
    Role.MODERATOR: frozenset({Privilege.SUBSCRIBE, Privilege.CHAT, Privilege.MODERATE}),
    Role.MEMBER: frozenset({Privilege.PUBLISH, Privilege.SUBSCRIBE, Privilege.CHAT}),
    Role.AUDIENCE: frozenset({Privilege.SUBSCRIBE, Privilege.CHAT}),
    Role.GUEST: frozenset({Privilege.SUBSCRIBE}),
    Role.AGENT: frozenset({Privilege.PUBLISH, Privilege.SUBSCRIBE, Privilege.CHAT, Privilege.MODERATE}),
    Role.SERVICE: frozenset(Privilege),
}

ANY_ROOM = "*"


class TokenRevoked(Forbidden):
    """A revoked token (``souk token revoke``, POST /v1/tokens/revoke): 403 on REST, close 4403 on sockets."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    merchant_id: str
    identity: str
    room: str  # a room id, or "*" for any room of the merchant (staff consoles)
    role: Role
    privileges: frozenset[Privilege]
    expires_at: float
    issued_at: float = 0.0
    name: str = ""
    token_id: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def can(self, privilege: Privilege) -> bool:
        return privilege in self.privileges

    @property
    def customer_id(self) -> str | None:
        """The signed-in customer the token speaks for (``metadata.customer_id``, else the identity); None for
        guests and audience tokens, which are anonymous."""
        if self.role in (Role.GUEST, Role.AUDIENCE):
            return None
        cid = self.metadata.get("customer_id")
        return str(cid) if cid else self.identity

    def require(self, privilege: Privilege) -> None:
        if privilege not in self.privileges:
            raise Forbidden(
                f"role {self.role.value!r} may not {privilege.value}", code="privilege_missing"
            )

    def require_room(self, room_id: str) -> None:
        if self.room != ANY_ROOM and self.room != room_id:
            raise Forbidden("token is not valid for this room", code="wrong_room")


class TokenService:
    """Mints and verifies access tokens. Pure: the clock is injectable, no I/O."""

    ALGORITHM = "HS256"
    CLOCK_SKEW_S = 30  # tolerated difference between nodes' clocks for "issued at"

    def __init__(
        self,
        secret: str,
        *,
        issuer: str = "souk",
        default_ttl_s: int = 3600,
        max_ttl_s: int = 24 * 3600,
        now: Any = time.time,
    ) -> None:
        if len(secret) < 32:
            raise ValueError("token secret must be at least 32 characters")
        self._secret = secret
        self._issuer = issuer
        self._default_ttl = default_ttl_s
        self._max_ttl = max_ttl_s
        self._now = now
        self._is_revoked: Callable[[str], bool] | None = None
        self._admit: Callable[[str], None] | None = None

    def _tag(self, merchant_id: str, base: str) -> str:
        mac = hmac.new(self._secret.encode(), f"jti|{merchant_id}|{base}".encode(), hashlib.sha256)
        return mac.hexdigest()[:16]

    def _new_jti(self, merchant_id: str) -> str:
        """``tok_<random>.<tag>``: the tag (an HMAC of merchant and id) lets ``owns`` tell a token id's merchant
        without any record of the tokens minted."""
        base = new_id("tok")
        return f"{base}.{self._tag(merchant_id, base)}"

    def owns(self, merchant_id: str, jti: str) -> bool:
        """Whether ``jti`` is the id of a token this service minted for ``merchant_id``."""
        base, _, tag = jti.rpartition(".")
        return bool(base) and len(tag) == 16 and hmac.compare_digest(tag, self._tag(merchant_id, base))

    def decode_unchecked_expiry(self, token: str) -> AccessClaims:
        """A token's claims when its signature is good, expired or revoked alike (to revoke it)."""
        try:
            raw = jwt.decode(token, self._secret, algorithms=[self.ALGORITHM], issuer=self._issuer,
                             options={"require": ["exp", "iat", "sub", "iss"], "verify_exp": False,
                                      "verify_iat": False})
            return _claims(raw)
        except (jwt.InvalidTokenError, KeyError, ValueError) as exc:
            raise Unauthenticated(f"invalid access token: {exc}", code="token_invalid") from exc

    def use_admission(self, admit: Callable[[str], None]) -> None:
        """Run ``admit(merchant_id)`` on every verified token; what it raises refuses the token (data residency:
        souk.privacy.residency.RegionGuard.admit raises 403 ``wrong_region``)."""
        self._admit = admit

    def use_revocations(self, is_revoked: Callable[[str], bool]) -> None:
        """Refuse tokens whose ``jti`` this check says are revoked (souk.auth.guard.TokenGuard.is_revoked)."""
        self._is_revoked = is_revoked

    def mint(
        self,
        *,
        merchant_id: str,
        identity: str,
        room: str,
        role: Role | str,
        privileges: frozenset[Privilege] | set[Privilege] | list[str] | None = None,
        ttl_s: int | None = None,
        name: str = "",
        metadata: dict[str, Any] | None = None,
    ) -> str:
        try:
            role = Role(role)
        except ValueError as exc:
            raise BadRequest(f"unknown role {role!r}", code="bad_role") from exc
        if not identity or len(identity) > 128:
            raise BadRequest("identity must be 1-128 characters", code="bad_identity")
        if not room or len(room) > 128:
            raise BadRequest("room must be 1-128 characters", code="bad_room")
        ttl = min(self._default_ttl, self._max_ttl) if ttl_s is None else int(ttl_s)
        if not (1 <= ttl <= self._max_ttl):
            raise BadRequest(f"ttl must be between 1 and {self._max_ttl} seconds", code="bad_ttl")
        if privileges is None:
            privs = DEFAULT_PRIVILEGES[role]
        else:
            try:
                privs = frozenset(Privilege(p) for p in privileges)
            except ValueError as exc:
                raise BadRequest(f"unknown privilege in {sorted(map(str, privileges))}",
                                 code="bad_privilege") from exc
        now = self._now()
        claims: dict[str, Any] = {
            "iss": self._issuer,
            "sub": identity,
            "mid": merchant_id,
            "room": room,
            "role": role.value,
            "prv": sorted(p.value for p in privs),
            # whole seconds rounded up (within the clock skew verify allows), so the token lives at least its
            # ttl: int() could cut 0.9 s off, and a 1 s token was expired 0.1 s after it was minted
            "iat": math.ceil(now),
            "exp": math.ceil(now) + ttl,
            "jti": self._new_jti(merchant_id),
        }
        if name:
            claims["name"] = name[:80]
        if metadata:
            claims["md"] = metadata
        return jwt.encode(claims, self._secret, algorithm=self.ALGORITHM)

    def verify(self, token: str | None) -> AccessClaims:
        if not token:
            raise Unauthenticated("an access token is required", code="token_missing")
        try:
            raw = jwt.decode(
                token,
                self._secret,
                algorithms=[self.ALGORITHM],
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "iss"], "verify_exp": False, "verify_iat": False},
            )
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"invalid access token: {exc}", code="token_invalid") from exc
        now = self._now()
        if raw["iat"] > now + self.CLOCK_SKEW_S:
            raise Unauthenticated("access token issued in the future", code="token_invalid")
        if raw["exp"] <= now:
            raise TokenExpired("access token has expired", code="token_expired")
        if self._is_revoked is not None and self._is_revoked(str(raw.get("jti", ""))):
            raise TokenRevoked("access token was revoked", code="token_revoked")
        try:
            claims = _claims(raw)
        except (KeyError, ValueError) as exc:
            raise Unauthenticated("access token is missing claims", code="token_invalid") from exc
        if self._admit is not None:
            self._admit(claims.merchant_id)
        return claims


def _claims(raw: dict[str, Any]) -> AccessClaims:
    return AccessClaims(
        merchant_id=str(raw["mid"]),
        identity=str(raw["sub"]),
        room=str(raw["room"]),
        role=Role(raw["role"]),
        privileges=frozenset(Privilege(p) for p in raw.get("prv", [])),
        expires_at=float(raw["exp"]),
        issued_at=float(raw["iat"]),
        name=str(raw.get("name", "")),
        token_id=str(raw.get("jti", "")),
        metadata=dict(raw.get("md") or {}),
    )
