"""Consent (docs/privacy.md "Consent"): a shopper's answers to recording, AI processing and marketing.

The shopper (any token; the subject is the token's identity): ``GET /v1/consent/texts`` (the current wording in
their language), ``GET /v1/consent`` (their standing answers), ``POST /v1/consent`` (answer the wording they
were shown), ``DELETE /v1/consent/{kind}`` (withdraw: a recording of them stops at once on this node).
The merchant's admins (API key or admin token, audited): ``GET /v1/privacy/consents`` (every record, newest
first), ``GET`` and ``POST /v1/privacy/consents/{subject}`` (one shopper's records; record an answer given
on a call or in the merchant's own front end)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from souk.api.audit import audited
from souk.api.auth import Claims, Ctx
from souk.api.consent import consent_service, customer_of
from souk.api.openapi import errors
from souk.api.routes.audit import Auditor, auditor
from souk.domain.consent import Channel, ConsentKind, ConsentRecord, language_of
from souk.privacy.consent import ConsentService

router = APIRouter(tags=["consent"])

Lang = Literal["en", "es", "zh", "ar", "id", "pt"]
ShopperChannel = Literal["widget", "watch_page", "voice_room", "api"]
StaffChannel = Literal["console", "api"]
Version = Field(default=None, min_length=1, max_length=64, description="the wording shown (default: the current)")
Subject = Annotated[str, Path(min_length=1, max_length=128, description="the shopper's token identity")]
BAD_ANSWER = {400: ["bad_subject"], 404: ["unknown_text_version"]}


class AnswerIn(BaseModel):
    kind: ConsentKind
    granted: bool
    language: Lang
    channel: ShopperChannel = "api"
    text_version: str | None = Version


class StaffAnswerIn(BaseModel):
    kind: ConsentKind
    granted: bool
    language: Lang
    channel: StaffChannel = "console"
    text_version: str | None = Version
    customer_id: str | None = Field(default=None, min_length=1, max_length=128)


def _standing(svc: ConsentService, latest: dict[ConsentKind, ConsentRecord]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in ConsentKind:
        r = latest.get(kind)
        out[kind.value] = {"state": "unanswered" if r is None else ("granted" if r.granted else "withdrawn"),
                           "current_version": svc.texts.current[kind], "record": r.view() if r else None}
    return out


@router.get("/v1/consent/texts")
async def texts(claims: Claims, ctx: Ctx,
                language: Annotated[str | None, Query(max_length=100, description="BCP 47 tag(s)")] = None
                ) -> dict[str, Any]:
    """The current wording of every kind in the shopper's language (English when not one of ours)."""
    svc = consent_service(ctx)
    lang = language_of(language)
    return {"language": lang, "texts": {k.value: svc.texts.text(k, lang).view() for k in ConsentKind}}


@router.get("/v1/consent")
async def mine(claims: Claims, ctx: Ctx) -> dict[str, Any]:
    svc = consent_service(ctx)
    return {"subject": claims.identity,
            "consents": _standing(svc, await svc.standing(claims.merchant_id, claims.identity))}


@router.post("/v1/consent", responses=errors(BAD_ANSWER))
async def answer(body: AnswerIn, claims: Claims, ctx: Ctx) -> dict[str, Any]:
    """Record the shopper's answer to the wording they were shown (version and language)."""
    svc = consent_service(ctx)
    r = await svc.answer(claims.merchant_id, claims.identity, body.kind, body.granted, channel=Channel(body.channel),
                         language=body.language, text_version=body.text_version, customer_id=customer_of(claims))
    return {"record": r.view()}


@router.delete("/v1/consent/{kind}", responses=errors(BAD_ANSWER))
async def withdraw(kind: ConsentKind, claims: Claims, ctx: Ctx,
                   language: Annotated[Lang, Query(description="the language the shopper reads")] = "en",
                   channel: Annotated[ShopperChannel, Query()] = "api") -> dict[str, Any]:
    """Withdraw (a record ``granted: false`` to the current wording); a recording of the shopper running on this
    node stops before the answer."""
    svc = consent_service(ctx)
    r = await svc.answer(claims.merchant_id, claims.identity, kind, False, channel=Channel(channel),
                         language=language, customer_id=customer_of(claims))
    return {"record": r.view()}


@router.get("/v1/privacy/consents", dependencies=[audited(auditor, "consent.list", "consent")])
async def search(who: Auditor, ctx: Ctx, kind: ConsentKind | None = None,
                 before: Annotated[int | None, Query(ge=1, le=2**53 - 1, description="records older than this seq")] = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """The merchant's consent records, newest first; ``next_before`` pages on (null: no more)."""
    rows = await ctx.storage.consent.search(who.merchant_id, kind=kind, before=before, limit=limit)
    return {"records": [r.view() | {"seq": r.seq} for r in rows],
            "next_before": rows[-1].seq if len(rows) == limit else None}


@router.get("/v1/privacy/consents/{subject}",
            dependencies=[audited(auditor, "consent.read", "consent_subject", "subject")])
async def of_subject(subject: Subject, who: Auditor, ctx: Ctx) -> dict[str, Any]:
    """One shopper's records (oldest first) and standing answers."""
    svc = consent_service(ctx)
    rows = await ctx.storage.consent.of_subject(who.merchant_id, subject)
    return {"subject": subject, "records": [r.view() for r in rows],
            "consents": _standing(svc, await svc.standing(who.merchant_id, subject))}


@router.post("/v1/privacy/consents/{subject}", responses=errors(BAD_ANSWER),
             dependencies=[audited(auditor, "consent.record", "consent_subject", "subject")])
async def record_for(subject: Subject, body: StaffAnswerIn, who: Auditor, ctx: Ctx) -> dict[str, Any]:
    """Record an answer the shopper gave staff (on a call: ``console``) or the merchant's own front end (``api``)."""
    svc = consent_service(ctx)
    r = await svc.answer(who.merchant_id, subject, body.kind, body.granted, channel=Channel(body.channel),
                         language=body.language, text_version=body.text_version, customer_id=body.customer_id)
    return {"record": r.view()}
