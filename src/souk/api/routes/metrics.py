"""``GET /metrics``: every series in the Prometheus text format (souk.core.metrics; docs/operate.md).

Authenticated by ``Authorization: Bearer`` with ``[metrics] token`` (a scrape-only secret: a Prometheus
config that holds it cannot create merchants) or the operator token, compared in constant time. With neither
configured it answers ``404 metrics_disabled``, as it does with ``[metrics] enabled = false``; ``[metrics]
bind`` serves the same text without a token on a private listener (souk.api.metrics_boot.serve_bind).
Kept out of the OpenAPI document: an operator's probe, not part of the integration API.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response

from souk.api.auth import Ctx, bearer
from souk.core.errors import NotFound, Unauthenticated
from souk.core.metrics import CONTENT_TYPE

router = APIRouter()


def scrape_secrets(ctx: Ctx) -> list[str]:
    return [s for s in (ctx.settings.metrics.token.get_secret_value(),
                        ctx.settings.auth.operator_token.get_secret_value()) if s]


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, ctx: Ctx) -> Response:
    secrets = scrape_secrets(ctx)
    if ctx.metrics is None or not secrets:
        raise NotFound("metrics are disabled here: set metrics.token (SOUK_METRICS__TOKEN) or "
                       "auth.operator_token, or scrape metrics.bind", code="metrics_disabled")
    token = (bearer(request) or "").encode()
    if not any(hmac.compare_digest(token, s.encode()) for s in secrets):
        raise Unauthenticated("/metrics takes the metrics token or the operator token",
                              code="metrics_token_invalid")
    await ctx.metrics.refresh()
    return Response(ctx.metrics.render(), media_type=CONTENT_TYPE)
