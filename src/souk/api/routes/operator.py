"""The operator API: merchants, their API keys and their stores (docs/merchants.md).

Authenticated by the operator's secret (``auth.operator_token``, sent as ``Authorization: Bearer ...``,
compared in constant time), never by a merchant's key or token. Without an operator token configured the
whole API answers ``404 operator_disabled``. Routes parse, authorize and call storage.onboarding.Onboarding.
"""

from __future__ import annotations

import hmac
import zoneinfo
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from souk.api.audit import operator_audited
from souk.api.auth import Ctx, bearer
from souk.api.openapi import errors, raises
from souk.core.errors import NotFound, Unauthenticated
from souk.domain.currencies import MINOR_UNITS
from souk.domain.jsoncheck import LANGUAGE
from souk.domain.merchants import REGION
from souk.domain.storefile import parse_json
from souk.privacy.residency_ops import create_on_node
from souk.storage.onboarding import MerchantSpec, Onboarding, key_view, merchant_view

router = APIRouter(prefix="/v1/operator", tags=["operator"])

MERCHANT_ID = r"^[a-z0-9_-]{1,64}$"
KEY_ID = r"^[0-9a-f]{1,32}$"
MerchantId = Annotated[str, Path(pattern=MERCHANT_ID, description="the merchant's id")]
KeyId = Annotated[str, Path(pattern=KEY_ID, description="an API key's id (the part after sk_)")]
NO_MERCHANT = {404: ["merchant_not_found"]}


@raises({404: ["operator_disabled"], 401: ["operator_token_invalid"]})
def operator(request: Request, ctx: Ctx) -> None:
    """The operator's secret, or 404 when the operator API is disabled (no secret configured)."""
    secret = ctx.settings.auth.operator_token.get_secret_value()
    if not secret:
        raise NotFound("the operator API is disabled: set auth.operator_token (SOUK_AUTH__OPERATOR_TOKEN)",
                       code="operator_disabled")
    token = bearer(request) or ""
    if not hmac.compare_digest(token.encode(), secret.encode()):
        raise Unauthenticated("this call takes the operator token", code="operator_token_invalid")


def onboarding(ctx: Ctx, _: Annotated[None, Depends(operator)]) -> Onboarding:
    return Onboarding(ctx.storage)


Service = Annotated[Onboarding, Depends(onboarding)]


def _checked_by_domain(**schema: Any) -> dict[str, Any]:
    """Rules the schema states but souk.domain.merchants.new_merchant checks, so that a bad body is answered
    422 bad_merchant listing every problem with its path instead of pydantic's first complaint."""
    return schema


class MerchantIn(BaseModel):
    """The schema states new_merchant's rules: what it allows is accepted."""

    id: str = Field(max_length=64, description="[a-z0-9_-], 1-64 characters",
                    json_schema_extra=_checked_by_domain(pattern=MERCHANT_ID))
    name: str = Field(max_length=200, json_schema_extra=_checked_by_domain(minLength=1, pattern=r"\S"))
    currency: str = Field(max_length=8, description="ISO 4217, e.g. MXN: every amount of the merchant is in it",
                          json_schema_extra=_checked_by_domain(enum=sorted(MINOR_UNITS)))
    region: str = Field(max_length=32, description="where the merchant operates, e.g. eu, us-east, mx",
                        json_schema_extra=_checked_by_domain(pattern=REGION.pattern))
    languages: list[str] = Field(default_factory=lambda: ["en"], max_length=50,
                                 description="ISO 639-1 codes; the first is the primary",
                                 json_schema_extra=_checked_by_domain(minItems=1, items={"type": "string", "pattern": LANGUAGE.pattern}))
    timezone: str = Field(default="UTC", max_length=64, description="IANA time zone",
                          json_schema_extra=_checked_by_domain(enum=sorted(zoneinfo.available_timezones())))
    ships_from: str = Field(default="", max_length=200)
    country: str = Field(default="", max_length=2, description="ISO 3166-1 alpha-2, or empty",
                         json_schema_extra=_checked_by_domain(pattern=r"^([A-Z]{2})?$"))
    data_region: str = Field(default="", max_length=32,
                             description="where its data is stored: one of the configured [regions.*] (default: "
                                         "this node's region); a node creates merchants of its own region only")


class KeyIn(BaseModel):
    label: str = Field(default="", max_length=200)


@router.post("/merchants", status_code=201, responses=errors({
    400: ["unknown_region"], 403: ["wrong_region"], 422: ["bad_merchant"], 409: ["merchant_exists"]}))
async def create_merchant(body: MerchantIn, ob: Service, ctx: Ctx) -> dict[str, Any]:
    """Create a merchant and its first API key. ``api_key`` is in this answer only (422 ``bad_merchant`` lists
    every problem; 409 ``merchant_exists``). With data regions configured the merchant is created in this node's
    region (``data_region``: 403 ``wrong_region`` for another, 400 ``unknown_region``) and listed in every
    region's database (souk.privacy.residency_ops)."""
    merchant, key, region = await create_on_node(ctx.settings, ctx.storage, MerchantSpec(
        id=body.id, name=body.name, currency=body.currency, region=body.region, languages=tuple(body.languages),
        timezone=body.timezone, ships_from=body.ships_from, country=body.country), body.data_region)
    return {"merchant": {**merchant_view(merchant), "data_region": region}, "api_key": key.key,
            "key_id": key.record.key_id}


@router.get("/merchants")
async def list_merchants(ob: Service, ctx: Ctx) -> dict[str, Any]:
    regions = await ctx.storage.merchants.data_regions()
    return {"merchants": [{**merchant_view(m), "data_region": regions.get(m.id, "")} for m in await ob.merchants()]}


@router.get("/merchants/{merchant_id}", responses=errors(NO_MERCHANT))
async def get_merchant(merchant_id: MerchantId, ob: Service, ctx: Ctx) -> dict[str, Any]:
    merchant = await ob.merchant(merchant_id)
    return {**merchant_view(merchant), "data_region": await ctx.storage.merchants.data_region(merchant_id)}


@router.post("/merchants/{merchant_id}/keys", status_code=201, responses=errors(NO_MERCHANT),
             dependencies=[operator_audited(operator, "api_key.issue", "api_key")])
async def issue_key(merchant_id: MerchantId, body: KeyIn, ob: Service) -> dict[str, Any]:
    """Issue another API key; ``api_key`` is in this answer only."""
    issued = await ob.issue_key(merchant_id, body.label)
    return key_view(issued.record, issued.key)


@router.get("/merchants/{merchant_id}/keys", responses=errors(NO_MERCHANT),
            dependencies=[operator_audited(operator, "api_key.list", "api_key")])
async def list_keys(merchant_id: MerchantId, ob: Service) -> dict[str, Any]:
    return {"merchant_id": merchant_id, "keys": [key_view(k) for k in await ob.keys(merchant_id)]}


@router.delete("/merchants/{merchant_id}/keys/{key_id}",
               responses=errors({404: ["merchant_not_found", "api_key_not_found"]}),
               dependencies=[operator_audited(operator, "api_key.revoke", "api_key", "key_id")])
async def revoke_key(merchant_id: MerchantId, key_id: KeyId, ob: Service) -> dict[str, Any]:
    """Revoke a key: the next call with it is refused, on every node (idempotent)."""
    return key_view(await ob.revoke_key(merchant_id, key_id))


@router.put("/merchants/{merchant_id}/store", dependencies=[operator_audited(operator, "store.import", "store")],
            responses=errors(
    NO_MERCHANT, {400: ["bad_json"], 413: ["body_too_large"], 422: ["store_invalid"]}), openapi_extra={"requestBody": {
    "required": True, "content": {"application/json": {"schema": {
        "type": "object", "description": "a store file (shared/fixtures/STORE_FORMAT.md)"}}}}})
async def import_store(merchant_id: MerchantId, request: Request, ob: Service) -> dict[str, Any]:
    """Check the store file and load it in one transaction. 422 ``store_invalid``: ``details.problems`` lists
    every problem with its JSON path, and nothing changed."""
    data = parse_json(await request.body())
    return {"merchant_id": merchant_id, "imported": await ob.import_store(merchant_id, data)}


@router.get("/merchants/{merchant_id}/store", responses=errors(NO_MERCHANT),
            dependencies=[operator_audited(operator, "store.export", "store")])
async def export_store(merchant_id: MerchantId, ob: Service) -> dict[str, Any]:
    """The merchant's store as a store file."""
    return await ob.export_store(merchant_id)
