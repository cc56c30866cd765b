"""The ICE servers (STUN/TURN) one token's browser gets: in the signaling welcome and from
``GET /v1/ice-servers`` (fresh TURN credentials for a page that outlives the welcome's).

With a TURN relay (``ctx.turn``; settings.turn, docs/turn.md) the credentials are this token's own: they
name its merchant and identity and expire after ``turn.credential_ttl_s``. Without one, the static
``janus.turn_*`` entry (one password for every token holder) is handed out as configured.
"""

from __future__ import annotations

from dataclasses import dataclass

from souk.api.context import AppContext
from souk.auth.tokens import AccessClaims


@dataclass(frozen=True, slots=True)
class IceConfig:
    servers: list[dict[str, str]]
    expires_at: int | None  # unix seconds when the TURN credentials stop working; None: they do not expire


def ice_config(ctx: AppContext, claims: AccessClaims) -> IceConfig:
    js = ctx.settings.janus
    out: list[dict[str, str]] = []
    expires: int | None = None
    if js.stun_server:
        url = js.stun_server if js.stun_server.startswith(("stun:", "stuns:")) else f"stun:{js.stun_server}"
        out.append({"urls": url})
    if ctx.turn is not None:
        cred = ctx.turn.credential(claims.merchant_id, claims.identity)
        out.extend(cred.ice_servers())
        expires = cred.expires_at
    elif js.turn_server:
        url = js.turn_server if js.turn_server.startswith(("turn:", "turns:")) else f"turn:{js.turn_server}"
        out.append({"urls": url, "username": js.turn_user, "credential": js.turn_password.get_secret_value()})
    return IceConfig(out, expires)
