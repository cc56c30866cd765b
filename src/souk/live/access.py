"""Who may do what in a live room: only the host's side (host, cohost, moderator, or a server) runs the show."""

from __future__ import annotations

import logging

from souk.auth.tokens import AccessClaims, Role
from souk.core.errors import Forbidden

log = logging.getLogger(__name__)

HOST_ROLES = frozenset({Role.HOST, Role.COHOST, Role.MODERATOR, Role.SERVICE})


def require_room(claims: AccessClaims, room_id: str) -> None:
    claims.require_room(room_id)


def require_host(claims: AccessClaims, room_id: str, action: str) -> None:
    """Raise Forbidden ``not_host`` unless the token is the host side of this room."""
    claims.require_room(room_id)
    if claims.role not in HOST_ROLES:
        log.warning("room %s: %s (role %s) tried to %s; refused", room_id, claims.identity, claims.role.value,
                    action)
        raise Forbidden(f"only the host, a co-host or a moderator may {action}; role {claims.role.value!r} may not",
                        code="not_host", details={"role": claims.role.value, "action": action})
