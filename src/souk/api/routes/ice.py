"""``GET /v1/ice-servers``: the STUN/TURN servers for this access token, with fresh TURN credentials.

The signaling welcome carries the same list; a page that stays connected longer than the credentials last
(``turn.credential_ttl_s``, docs/turn.md) asks here before it opens a new PeerConnection. Any access token
may ask; the credentials name the token's own merchant and identity, nothing the caller sends.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from souk.api.auth import Claims, Ctx
from souk.api.ice import ice_config

router = APIRouter()


class IceServerOut(BaseModel):
    urls: str = Field(description="stun:, turn: or turns: URL")
    username: str | None = Field(default=None, description="TURN: <expiry>:<merchant>:<identity>")
    credential: str | None = Field(default=None, description="TURN: base64 HMAC-SHA1 of the username")


class IceServersOut(BaseModel):
    ice_servers: list[IceServerOut] = Field(description="RTCConfiguration.iceServers, one entry a URL")
    expires_at: int | None = Field(default=None, description="unix seconds when the TURN credentials stop "
                                                             "working; absent: no expiring credentials")


@router.get("/v1/ice-servers", response_model=IceServersOut, response_model_exclude_none=True)
async def ice_servers(claims: Claims, ctx: Ctx) -> IceServersOut:
    cfg = ice_config(ctx, claims)
    return IceServersOut(ice_servers=[IceServerOut(**s) for s in cfg.servers], expires_at=cfg.expires_at)
