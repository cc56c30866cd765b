"""A merchant's retention days per data kind (docs/privacy.md): ``GET /v1/privacy/retention`` shows every kind
(its days and whether the merchant set them or the [privacy] default applies); ``PUT`` and ``DELETE
/v1/privacy/retention/{kind}`` set or clear the merchant's own. The API key or an admin staff token; changes
are recorded in the audit log. ``/v1/privacy/redaction[/{target}]`` the same for a merchant's PII redaction of
stored transcripts (on or off per target; docs/privacy.md "PII redaction")."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from souk.api.audit import audited
from souk.api.auth import Ctx
from souk.api.context import AppContext
from souk.api.routes.audit import Auditor, auditor
from souk.api.routes.privacy_customers import router as customers
from souk.domain.retention import MAX_DAYS, DataKind, policy
from souk.storage.repos.redaction import RedactionTarget

router = APIRouter(prefix="/v1/privacy", tags=["privacy"])

Kind = Annotated[DataKind, Path(description="a data kind: " + ", ".join(k.value for k in DataKind))]


class RetentionIn(BaseModel):
    days: int = Field(ge=1, le=MAX_DAYS, description="keep this kind this many days, then purge it")


async def _view(ctx: AppContext, merchant_id: str) -> dict[str, Any]:
    p = policy(ctx.settings.privacy.retention_days(), await ctx.storage.retention.own(merchant_id))
    return {"retention": {k.value: {"days": p.days[k], "own": k in p.own} for k in DataKind}}


@router.get("/retention")
async def get_retention(who: Auditor, ctx: Ctx) -> dict[str, Any]:
    return await _view(ctx, who.merchant_id)


@router.put("/retention/{kind}", dependencies=[audited(auditor, "retention.update", "data_kind", "kind")])
async def put_retention(kind: Kind, body: RetentionIn, who: Auditor, ctx: Ctx) -> dict[str, Any]:
    await ctx.storage.retention.set(who.merchant_id, kind.value, body.days)
    return await _view(ctx, who.merchant_id)


@router.delete("/retention/{kind}", dependencies=[audited(auditor, "retention.clear", "data_kind", "kind")])
async def clear_retention(kind: Kind, who: Auditor, ctx: Ctx) -> dict[str, Any]:
    """Back to the [privacy] default for ``kind`` (idempotent)."""
    await ctx.storage.retention.clear(who.merchant_id, kind.value)
    return await _view(ctx, who.merchant_id)


# ---- PII redaction of stored transcripts (souk.storage.repos.redaction) ----

Target = Annotated[RedactionTarget, Path(description="a redaction target: " + ", ".join(t.value for t in RedactionTarget))]


class RedactionIn(BaseModel):
    on: bool = Field(description="redact this target's PII (e-mails, phones, cards, addresses) before it is stored")


async def _redaction(ctx: AppContext, merchant_id: str) -> dict[str, Any]:
    own = await ctx.storage.redaction.own(merchant_id)
    effective = ctx.storage.redaction.resolve(own)
    return {"redaction": {t: {"on": on, "own": t in own} for t, on in effective.items()}}


@router.get("/redaction")
async def get_redaction(who: Auditor, ctx: Ctx) -> dict[str, Any]:
    """Each target: on or off, and whether the merchant chose it or the [privacy] default applies."""
    return await _redaction(ctx, who.merchant_id)


@router.put("/redaction/{target}", dependencies=[audited(auditor, "redaction.update", "redaction_target", "target")])
async def put_redaction(target: Target, body: RedactionIn, who: Auditor, ctx: Ctx) -> dict[str, Any]:
    await ctx.storage.redaction.set(who.merchant_id, target.value, body.on)
    return await _redaction(ctx, who.merchant_id)


@router.delete("/redaction/{target}", dependencies=[audited(auditor, "redaction.clear", "redaction_target", "target")])
async def clear_redaction(target: Target, who: Auditor, ctx: Ctx) -> dict[str, Any]:
    """Back to the [privacy] default for ``target`` (idempotent)."""
    await ctx.storage.redaction.clear(who.merchant_id, target.value)
    return await _redaction(ctx, who.merchant_id)


router.include_router(customers)  # /v1/privacy/customers/{customer}/export|erase (souk.api.routes.privacy_customers)
