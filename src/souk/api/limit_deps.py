"""FastAPI dependencies that spend a request's rate-limit tokens before its handler runs.

A route opts in with one parameter, e.g. ``_: RingAllowed``; a refusal is 429 ``rate_limited`` with
``Retry-After`` (souk.api.limits, docs/limits.md).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from souk.api.auth import Claims, Ctx
from souk.api.context import AppContext
from souk.api.limits import Limits, Who, client_address
from souk.api.openapi import raises
from souk.core.errors import Unavailable


def limits_of(ctx: AppContext) -> Limits:
    if ctx.limits is None:
        raise Unavailable("abuse limits are not configured", code="limits_unavailable")
    return ctx.limits


@raises({429: ["rate_limited"]})
async def ring_allowed(request: Request, claims: Claims, ctx: Ctx) -> None:
    """Asking a seller console to ring: per shopper and per address of the merchant."""
    await limits_of(ctx).ring(Who(claims.merchant_id, claims.identity, client_address(request)))


RingAllowed = Annotated[None, Depends(ring_allowed)]
