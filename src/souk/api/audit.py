"""Route dependencies that write the audit log (souk.privacy.audit) for staff and admin routes.

``audited(auth, action, object_kind, id_param)`` goes in a route's ``dependencies=[...]``: it depends on the
route's own credential check (``auth``; FastAPI runs it once per request and shares it with the handler), and
once the handler has returned without an error (a yield dependency of scope "function": before the response is
sent) it records who (token identity and role, the API key's id, or the operator) did ``action`` to which
object (the path parameter ``id_param``). Refused and failed requests leave no entry, so a merchant's log never
names another merchant's ids that its staff merely tried. Recording fails closed for what is served: if the
entry cannot be written the caller gets the storage error instead of the answer (a change the handler made
stays made; the error tells the caller so).

No ``from __future__ import annotations`` here: the dependency's signature names ``auth`` from the factory's
scope, which FastAPI can only resolve when the annotation is a live object.
"""

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from souk.api.auth import STAFF_ERRORS, Claims, Ctx, bearer, key_or_token, require_staff
from souk.api.openapi import raises
from souk.auth.apikeys import parse_key_id
from souk.auth.tokens import AccessClaims
from souk.core.errors import NotFound
from souk.privacy.audit import AuditLog

MAX_ID = 200
OPERATOR = "operator"


def audit_log(ctx: Ctx) -> AuditLog:
    return AuditLog(ctx.storage.audit)


AuditLogDep = Annotated[AuditLog, Depends(audit_log)]


@raises(STAFF_ERRORS)
def staff_claims(claims: Claims) -> AccessClaims:
    """A staff token (for routes that check ``require_staff`` in their body: audited only once it passes)."""
    require_staff(claims)
    return claims


async def _who(request: Request, ctx: Ctx) -> tuple[str, str, str]:
    """(merchant, actor, role) of a caller whose credentials the route's own check already accepted."""
    merchant, claims = await key_or_token(request, ctx)
    if claims is not None:
        return merchant, claims.identity, claims.role.value
    key_id = parse_key_id(bearer(request) or "") or "?"
    return merchant, f"api-key:{key_id}", "api_key"


def audited(auth: Callable[..., Any], action: str, object_kind: str, id_param: str | None = None) -> Any:
    """A dependency recording ``action`` on ``object_kind`` (id from the path parameter ``id_param``) by the
    merchant's staff member, API key holder or token holder that ``auth`` accepted."""

    async def record(request: Request, ctx: Ctx,
                     _allowed: Annotated[Any, Depends(auth)]) -> AsyncIterator[None]:
        yield  # the handler runs here; an error in it skips the record
        merchant, actor, role = await _who(request, ctx)
        object_id = str(request.path_params.get(id_param, "")) if id_param else ""
        await AuditLog(ctx.storage.audit).record(
            merchant, actor=actor[:MAX_ID], role=role, action=action, object_kind=object_kind,
            object_id=object_id[:MAX_ID], detail={"method": request.method, "path": request.url.path[:MAX_ID]})

    return Depends(record, scope="function")


def operator_audited(auth: Callable[..., Any], action: str, object_kind: str, id_param: str | None = None) -> Any:
    """The same for the operator API: the merchant is the ``merchant_id`` path parameter, the actor the
    operator. A merchant that does not exist has no chain: nothing is recorded (the route answered 404)."""

    async def record(request: Request, ctx: Ctx,
                     _allowed: Annotated[Any, Depends(auth)]) -> AsyncIterator[None]:
        yield  # the handler runs here; an error in it (404 merchant_not_found included) skips the record
        merchant = str(request.path_params.get("merchant_id", ""))
        try:
            await ctx.storage.merchants.get(merchant)
        except NotFound:
            return
        object_id = str(request.path_params.get(id_param, merchant)) if id_param else merchant
        await AuditLog(ctx.storage.audit).record(
            merchant, actor=OPERATOR, role=OPERATOR, action=action, object_kind=object_kind,
            object_id=object_id[:MAX_ID], detail={"method": request.method, "path": request.url.path[:MAX_ID]})

    return Depends(record, scope="function")
