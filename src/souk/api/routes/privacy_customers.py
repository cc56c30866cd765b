"""A customer's data over the API (docs/privacy.md "Export" and "Erasure"), mounted under /v1/privacy.

``POST /v1/privacy/customers/{customer}/export`` answers the customer's archive as a zip (manifest.json, one
JSON file per store, files/); ``POST /v1/privacy/customers/{customer}/erase`` with ``{"confirm": customer}``
erases the customer in every store (orders kept under a pseudonym), compacts the SQLite files, scans every
store and answers the report (``ok`` false: a store failed or an identifier is still found; run it again).
Both take the merchant's API key or an admin staff token and are recorded in the audit log before the answer
(``privacy.export``/``privacy.erase``, the customer named by a one-way reference, never by an identifier; the
path's customer id is not recorded). Erasure through the API also clears this node's in-memory copies (the
embedded broker's recent messages, the assistant's open conversations of the customer and its store
snapshot). Another merchant's customer is 404.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from souk.api.auth import Ctx, bearer
from souk.api.context import AppContext
from souk.api.openapi import errors
from souk.api.routes.audit import Auditor
from souk.auth.apikeys import parse_key_id
from souk.core.errors import Conflict
from souk.privacy.audit import AuditLog
from souk.privacy.customer import CustomerIds, CustomerStore
from souk.privacy.customer_stores import StoreDeps, customer_stores, resolve_ids
from souk.privacy.erase import customer_ref, erase_customer
from souk.privacy.export import export_customer, zip_folder

router = APIRouter(prefix="/customers", tags=["privacy"])

CUSTOMER = r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,319}$"
Customer = Annotated[str, Path(pattern=CUSTOMER, description="the customer's id (or e-mail)")]
Item = Annotated[str, Field(min_length=1, max_length=320)]


class Identifiers(BaseModel):
    """Identifiers the stores cannot know (a phone the shop keeps elsewhere, a guest identity)."""

    emails: list[Item] = Field(default_factory=list, max_length=20)
    phones: list[Item] = Field(default_factory=list, max_length=20)
    names: list[Item] = Field(default_factory=list, max_length=20)
    identities: list[Item] = Field(default_factory=list, max_length=50)


class EraseIn(Identifiers):
    confirm: str = Field(min_length=1, max_length=320,
                         description="the customer path parameter again: erasure cannot be undone")


def _deps(ctx: AppContext) -> StoreDeps:
    recordings = ctx.media.recordings_dir if ctx.media is not None else None
    broker = ctx.rtm.broker if ctx.rtm is not None else None
    return StoreDeps.of(ctx.storage, ctx.settings, recordings_dir=recordings, rtm=broker)


async def _resolve(ctx: AppContext, merchant_id: str, customer: str,
                   more: Identifiers | None) -> tuple[StoreDeps, list[CustomerStore], CustomerIds]:
    deps = _deps(ctx)
    stores = customer_stores(deps)
    more = more or Identifiers()
    ids = await resolve_ids(ctx.storage, stores, merchant_id, customer, emails=more.emails, phones=more.phones,
                            names=more.names, identities=more.identities)
    return deps, stores, ids


def _actor(request: Request, who: Any) -> tuple[str, str]:
    if who.claims is not None:
        return who.claims.identity, who.claims.role.value
    return f"api-key:{parse_key_id(bearer(request) or '') or '?'}", "api_key"


async def _forget(ctx: AppContext, ids: CustomerIds) -> None:
    """This node's in-memory copies: the assistant's open conversations of the customer (their transcripts)
    and its snapshot of the merchant's store (souk.assistant.service.AssistantService)."""
    forget = getattr(ctx.assistant, "forget_customer", None)
    if callable(forget):
        await forget(ids.merchant_id, ids.identities_all)
    _forget_snapshot(ctx, ids.merchant_id)


def _forget_snapshot(ctx: AppContext, merchant_id: str) -> None:
    invalidate = getattr(ctx.assistant, "invalidate", None)
    if callable(invalidate):
        invalidate(merchant_id)


@router.post("/{customer}/export", response_class=FileResponse, responses={
    200: {"content": {"application/zip": {}}, "description": "the customer's archive"},
    **errors({404: ["unknown_customer", "unknown_merchant"]})})
async def export(customer: Customer, who: Auditor, ctx: Ctx, request: Request,
                 body: Identifiers | None = None) -> FileResponse:
    """Everything stored about the customer, as a zip; header ``X-Souk-Export-Complete: false`` when a store
    could not be read (the manifest names it)."""
    _, stores, ids = await _resolve(ctx, who.merchant_id, customer, body)
    tmp = FsPath(await asyncio.to_thread(tempfile.mkdtemp, prefix="souk-export-"))
    try:
        result = await export_customer(stores, ids, tmp)
        archive = await asyncio.to_thread(zip_folder, result.folder, tmp / f"{result.folder.name}.zip")
        actor, role = _actor(request, who)
        await AuditLog(ctx.storage.audit).record(
            who.merchant_id, actor=actor, role=role, action="privacy.export", object_kind="customer",
            object_id=customer_ref(ids.merchant_id, ids.customer_id),
            detail={"stores": str(len(result.manifest["stores"])), "failed": ", ".join(result.failed)})
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return FileResponse(archive, media_type="application/zip", filename=archive.name,
                        headers={"X-Souk-Export-Complete": str(result.ok).lower()},
                        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True))


@router.post("/{customer}/erase", responses=errors({404: ["unknown_customer", "unknown_merchant"],
                                                    409: ["confirmation_mismatch"]}))
async def erase(customer: Customer, body: EraseIn, who: Auditor, ctx: Ctx, request: Request) -> dict[str, Any]:
    """Erase the customer everywhere, then scan: the report (``ok``, per store what was deleted, anonymised
    and kept, the compaction of SQLite files, what the scan still found)."""
    if body.confirm != customer:
        raise Conflict("confirm must repeat the customer of the path: erasure cannot be undone",
                       code="confirmation_mismatch")
    deps, stores, ids = await _resolve(ctx, who.merchant_id, customer, body)
    actor, role = _actor(request, who)
    await _forget(ctx, ids)  # first: an open conversation would write its transcript again
    result = await erase_customer(stores, ids, storage=ctx.storage, data_dir=deps.data_dir,
                                  recordings_dir=deps.recordings_dir, redis_url=deps.redis_url,
                                  audit=AuditLog(ctx.storage.audit), actor=actor, role=role)
    _forget_snapshot(ctx, who.merchant_id)
    view = result.view()
    for c in view["compacted"]:
        c.pop("file", None)  # server paths stay on the server
    return view
