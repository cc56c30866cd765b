"""FastAPI dependencies that authenticate every API call.

Two kinds of credentials:
- merchant API keys (``Authorization: Bearer sk_...``): server-to-server, used to mint access tokens and
  manage rooms; checked against the hashed keys in storage;
- short-lived access tokens (``Authorization: Bearer <jwt>``, or ``?token=`` on the signaling socket):
  everything a browser does.

Token rooms: a room id (``room_...``) for one room; ``*`` for staff consoles (any room of the merchant);
``lobby`` for a shopper who may only request a consult (the consult then hands out a room-scoped token).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import Depends, Request

from souk.api.context import AppContext
from souk.api.log_ids import bind_request
from souk.api.openapi import raises
from souk.auth.apikeys import PREFIX as API_KEY_PREFIX
from souk.auth.tokens import ANY_ROOM, AccessClaims, Privilege
from souk.core.errors import Forbidden, Unauthenticated

LOBBY_ROOM = "lobby"

# What the credential checks answer (documented on every operation that uses them, see souk.api.openapi).
# 403 wrong_region: a node of another data region than the token's merchant (souk.privacy.residency)
TOKEN_ERRORS = {401: ["token_missing", "token_invalid", "token_expired"], 403: ["wrong_region"]}
API_KEY_ERRORS = {401: ["api_key_missing", "api_key_invalid", "bad_api_key"]}
STAFF_ERRORS = {403: ["staff_only"]}


class ApiKeyVerifier(Protocol):
    async def verify_api_key(self, key: str) -> str:
        """Return the merchant id the key belongs to, or raise Unauthenticated."""


def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


Ctx = Annotated[AppContext, Depends(get_ctx)]


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


@raises(TOKEN_ERRORS)
def access_claims(request: Request, ctx: Ctx) -> AccessClaims:
    token = bearer(request)
    if token is not None and token.startswith(API_KEY_PREFIX):
        raise Unauthenticated("this call takes an access token, not an API key", code="token_invalid")
    claims = ctx.tokens.verify(token)
    bind_request(request, claims.merchant_id, claims.room)  # the ids of its log lines (souk.api.log_ids)
    return claims


Claims = Annotated[AccessClaims, Depends(access_claims)]


@dataclass(frozen=True, slots=True)
class MerchantAuth:
    """Who is managing the merchant's resources: an API key holder or a staff token."""

    merchant_id: str
    via_api_key: bool
    claims: AccessClaims | None = None

    @property
    def actor(self) -> str:
        return self.claims.identity if self.claims else "api-key"


async def key_or_token(request: Request, ctx: AppContext, *,
                       missing: str = "an API key or access token is required") -> tuple[str, AccessClaims | None]:
    """The merchant of the bearer: a merchant API key (no claims) or a verified access token (its claims);
    the caller checks what the token may do."""
    token = bearer(request)
    if token is None:
        raise Unauthenticated(missing, code="token_missing")
    if token.startswith(API_KEY_PREFIX):
        merchant = await ctx.api_keys.verify_api_key(token)
        bind_request(request, merchant)
        return merchant, None
    claims = ctx.tokens.verify(token)
    bind_request(request, claims.merchant_id, claims.room)
    return claims.merchant_id, claims


@raises(TOKEN_ERRORS, {401: ["bad_api_key"]}, STAFF_ERRORS)
async def merchant_auth(request: Request, ctx: Ctx) -> MerchantAuth:
    """An API key, or a staff access token (room ``*`` with the admin or moderate privilege)."""
    merchant, claims = await key_or_token(request, ctx)
    if claims is not None:
        require_staff(claims)
    return MerchantAuth(merchant_id=merchant, via_api_key=claims is None, claims=claims)


MerchantAuthDep = Annotated[MerchantAuth, Depends(merchant_auth)]


@raises(API_KEY_ERRORS)
async def api_key_merchant(request: Request, ctx: Ctx) -> str:
    token = bearer(request)
    if token is None:
        raise Unauthenticated("Authorization: Bearer sk_... (a merchant API key) is required",
                              code="api_key_missing")
    if not token.startswith(API_KEY_PREFIX):
        raise Unauthenticated("this call takes a merchant API key (sk_...)", code="api_key_invalid")
    merchant = await ctx.api_keys.verify_api_key(token)
    bind_request(request, merchant)
    return merchant


ApiKeyMerchant = Annotated[str, Depends(api_key_merchant)]


def is_staff(claims: AccessClaims) -> bool:
    return claims.room == ANY_ROOM and (claims.can(Privilege.ADMIN) or claims.can(Privilege.MODERATE))


def require_staff(claims: AccessClaims) -> None:
    if not is_staff(claims):
        raise Forbidden("this call needs a staff token (room '*', moderate or admin)", code="staff_only")
