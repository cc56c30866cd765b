"""The merchant's webhooks over REST (docs/webhooks.md, "API"): endpoints, the test button, the delivery log.

Every route takes the merchant's API key or a staff token (room ``*``) of the merchant; another merchant's
endpoint or delivery is ``404``. A secret is in the answer that set it (create, rotate-secret) and never
again: the other answers show ``secret_hint``, its last four characters. The rules live in
souk.desk.webhook_admin.WebhookAdmin (``ctx.webhooks``); the routes parse and answer.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from souk.api.audit import audited
from souk.api.auth import Ctx, MerchantAuthDep, merchant_auth
from souk.api.openapi import errors, raises
from souk.api.params import ID_PATTERN
from souk.core.errors import Unavailable
from souk.desk.webhook_admin import SECRET_PATTERN, WebhookAdmin, WithSecret, secret_hint
from souk.desk.webhooks import SUBSCRIBABLE, Attempt, Delivery, DeliveryStatus, Endpoint

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

WebhookId = Annotated[str, Path(pattern=ID_PATTERN, description="a webhook endpoint's id, e.g. we_01jd...")]
DeliveryId = Annotated[str, Path(pattern=ID_PATTERN, description="a delivery's id, e.g. whd_01jd...")]

NO_ENDPOINT = {404: ["webhook_endpoint_not_found"]}
NO_DELIVERY = {404: ["webhook_endpoint_not_found", "webhook_delivery_not_found"]}
BAD_ENDPOINT = {400: ["webhook_url", "webhook_url_private", "webhook_event", "webhook_secret"]}
BAD_CHANGE = {400: ["webhook_url", "webhook_url_private", "webhook_event"]}

# What the checks of souk.desk.webhooks / webhook_admin accept, stated in the schema but checked there, so a bad
# value is answered 400 with its own code (webhook_url, webhook_event, webhook_secret) instead of 422.
# An https URL whose host is a name (an address or localhost is refused: webhook_url_private); with
# webhooks.allow_local_http, http://127.0.0.1, localhost and [::1] are accepted too.
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_URL_CHARS = r"[A-Za-z0-9._~%!$&'()*+,;=:@/-]"
URL_PATTERN = (rf"^https://({_LABEL}\.)+[a-z]{{2,63}}(:[1-9][0-9]{{0,3}})?(/{_URL_CHARS}*)?"
               rf"(\?{_URL_CHARS}*)?$")
EVENTS_SCHEMA: dict[str, Any] = {"minItems": 1, "items": {"type": "string", "enum": sorted(e.value for e in SUBSCRIBABLE)}}


@raises({503: ["webhooks_unavailable"]})
def webhook_admin(ctx: Ctx) -> WebhookAdmin:
    if ctx.webhooks is None:
        raise Unavailable("this server runs no webhooks", code="webhooks_unavailable")
    return ctx.webhooks


Admin = Annotated[WebhookAdmin, Depends(webhook_admin)]


class EndpointIn(BaseModel):
    url: str = Field(max_length=2048, description="https URL of the receiver", json_schema_extra={
        "pattern": URL_PATTERN})
    events: list[str] = Field(max_length=20, description="event types to receive (webhook.test is implicit)",
                              json_schema_extra=EVENTS_SCHEMA)
    secret: str | None = Field(default=None, max_length=256, json_schema_extra={"pattern": SECRET_PATTERN},
                               description=("the signing secret, 16-256 visible ASCII characters; generated when "
                                            "absent. Shown in this answer only"))


class EndpointPatch(BaseModel):
    url: str | None = Field(default=None, max_length=2048, json_schema_extra={"pattern": URL_PATTERN})
    events: list[str] | None = Field(default=None, max_length=20, json_schema_extra=EVENTS_SCHEMA)
    active: bool | None = Field(default=None, description="false: nothing is sent to it (pending deliveries fail)")


class EndpointOut(BaseModel):
    id: str
    url: str
    events: list[str]
    active: bool
    secret_hint: str = Field(description="the secret's last four characters")

    @classmethod
    def of(cls, e: Endpoint) -> EndpointOut:
        return cls(id=e.id, url=e.url, events=sorted(t.value for t in e.events), active=e.active,
                   secret_hint=secret_hint(e.secret))


class EndpointWithSecret(EndpointOut):
    secret: str = Field(description="the signing secret: shown in this answer only, store it now")

    @classmethod
    def once(cls, made: WithSecret) -> EndpointWithSecret:
        return cls(**EndpointOut.of(made.endpoint).model_dump(), secret=made.secret)


class EndpointList(BaseModel):
    webhooks: list[EndpointOut]


class AttemptOut(BaseModel):
    delivery_id: str
    number: int = Field(description="1 for the first attempt")
    at: dt.datetime
    ok: bool = Field(description="the receiver answered 2xx")
    status_code: int | None = Field(description="the receiver's HTTP status; null when it gave no answer")
    duration_ms: float
    response: str = Field(description="the first 1024 characters of the receiver's answer")
    error: str | None = Field(description="why there was no answer (refused, timed out, ...)")

    @classmethod
    def of(cls, a: Attempt) -> AttemptOut:
        return cls(delivery_id=a.delivery_id, number=a.number, at=_time(a.at), ok=a.ok, status_code=a.status_code,
                   duration_ms=round(a.duration_ms, 3), response=a.response, error=a.error)


class DeliveryOut(BaseModel):
    id: str
    endpoint_id: str
    event_id: str
    event_type: str
    status: str = Field(description="pending, delivered or failed")
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime | None = Field(description="when it is tried again (pending only)")
    last_status_code: int | None
    last_response: str = Field(description="the last answer's first 1024 characters, or the last error")

    @classmethod
    def of(cls, d: Delivery) -> DeliveryOut:
        pending = d.status is DeliveryStatus.PENDING
        return cls(id=d.id, endpoint_id=d.endpoint_id, event_id=d.event_id, event_type=d.event_type.value,
                   status=d.status.value, attempts=d.attempts, created_at=_time(d.created_at),
                   next_attempt_at=_time(d.next_attempt_at) if pending else None,
                   last_status_code=d.last_status_code, last_response=d.last_response)


class DeliveryList(BaseModel):
    deliveries: list[DeliveryOut]


class DeliveryDetail(BaseModel):
    delivery: DeliveryOut
    payload: dict[str, Any] = Field(description="the event exactly as it is sent (the signed body, parsed)")
    attempts: list[AttemptOut] = Field(description="every attempt, oldest first")


def _time(unix: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(unix, dt.UTC)


@router.get("", response_model=EndpointList)
async def list_webhooks(auth: MerchantAuthDep, admin: Admin) -> EndpointList:
    """The merchant's endpoints, oldest first (secrets show only their last four characters)."""
    return EndpointList(webhooks=[EndpointOut.of(e) for e in await admin.endpoints(auth.merchant_id)])


@router.post("", response_model=EndpointWithSecret, status_code=201,
             responses=errors(BAD_ENDPOINT, {409: ["webhook_limit"]}), dependencies=[audited(merchant_auth, "webhook.create", "webhook")])
async def create_webhook(body: EndpointIn, auth: MerchantAuthDep, admin: Admin) -> EndpointWithSecret:
    """Register an endpoint. ``secret`` is in this answer only (generated when the body has none)."""
    made = await admin.create(auth.merchant_id, url=body.url, events=body.events, secret=body.secret)
    return EndpointWithSecret.once(made)


@router.get("/{webhook_id}", response_model=EndpointOut, responses=errors(NO_ENDPOINT))
async def get_webhook(webhook_id: WebhookId, auth: MerchantAuthDep, admin: Admin) -> EndpointOut:
    return EndpointOut.of(await admin.get(auth.merchant_id, webhook_id))


@router.patch("/{webhook_id}", response_model=EndpointOut, responses=errors(NO_ENDPOINT, BAD_CHANGE),
              dependencies=[audited(merchant_auth, "webhook.update", "webhook", "webhook_id")])
async def update_webhook(webhook_id: WebhookId, body: EndpointPatch, auth: MerchantAuthDep,
                         admin: Admin) -> EndpointOut:
    """Change the URL, the events or ``active``; what the body leaves out (or sends as null) stays."""
    return EndpointOut.of(await admin.update(auth.merchant_id, webhook_id, url=body.url, events=body.events,
                                             active=body.active))


@router.delete("/{webhook_id}", status_code=204, response_class=Response, responses=errors(NO_ENDPOINT),
               dependencies=[audited(merchant_auth, "webhook.delete", "webhook", "webhook_id")])
async def delete_webhook(webhook_id: WebhookId, auth: MerchantAuthDep, admin: Admin) -> Response:
    """Remove the endpoint; its pending deliveries are marked failed at their next attempt."""
    await admin.delete(auth.merchant_id, webhook_id)
    return Response(status_code=204)


@router.post("/{webhook_id}/rotate-secret", response_model=EndpointWithSecret, responses=errors(NO_ENDPOINT),
             dependencies=[audited(merchant_auth, "webhook.rotate_secret", "webhook", "webhook_id")])
async def rotate_secret(webhook_id: WebhookId, auth: MerchantAuthDep, admin: Admin) -> EndpointWithSecret:
    """A new generated secret, shown in this answer only; every attempt from now on is signed with it."""
    return EndpointWithSecret.once(await admin.rotate_secret(auth.merchant_id, webhook_id))


@router.post("/{webhook_id}/test", response_model=AttemptOut, responses=errors(NO_ENDPOINT))
async def test_webhook(webhook_id: WebhookId, auth: MerchantAuthDep, admin: Admin) -> AttemptOut:
    """Send a signed ``webhook.test`` event now and answer how the receiver answered (also when it did not:
    ``ok`` false, ``error`` says why). Logged as a delivery; never retried by itself."""
    return AttemptOut.of(await admin.send_test(auth.merchant_id, webhook_id))


@router.get("/{webhook_id}/deliveries", response_model=DeliveryList, responses=errors(NO_ENDPOINT),
            dependencies=[audited(merchant_auth, "webhook.deliveries.list", "webhook", "webhook_id")])
async def list_deliveries(webhook_id: WebhookId, auth: MerchantAuthDep, admin: Admin,
                          limit: Annotated[int, Query(ge=1, le=200)] = 50) -> DeliveryList:
    """The endpoint's delivery log, newest first, each with its status and the receiver's last answer."""
    found = await admin.deliveries(auth.merchant_id, webhook_id, limit=limit)
    return DeliveryList(deliveries=[DeliveryOut.of(d) for d in found])


@router.get("/{webhook_id}/deliveries/{delivery_id}", response_model=DeliveryDetail, responses=errors(NO_DELIVERY),
            dependencies=[audited(merchant_auth, "webhook.delivery.read", "webhook_delivery", "delivery_id")])
async def get_delivery(webhook_id: WebhookId, delivery_id: DeliveryId, auth: MerchantAuthDep,
                       admin: Admin) -> DeliveryDetail:
    delivery, attempts = await admin.delivery(auth.merchant_id, webhook_id, delivery_id)
    return DeliveryDetail(delivery=DeliveryOut.of(delivery), payload=json.loads(delivery.body),
                          attempts=[AttemptOut.of(a) for a in attempts])


@router.post("/{webhook_id}/deliveries/{delivery_id}/retry", response_model=AttemptOut,
             responses=errors(NO_DELIVERY, {409: ["webhook_disabled"]}))
async def retry_delivery(webhook_id: WebhookId, delivery_id: DeliveryId, auth: MerchantAuthDep,
                         admin: Admin) -> AttemptOut:
    """Attempt the delivery again now, whatever its status; a failure leaves it pending on the retry schedule
    while it is younger than a day."""
    return AttemptOut.of(await admin.retry(auth.merchant_id, webhook_id, delivery_id))
