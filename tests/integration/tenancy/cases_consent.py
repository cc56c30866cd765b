"""Cases for consent records (docs/privacy.md "Consent"): A's shopper (an identity carrying A's marker) agreed to
be recorded at A. B's tokens with the same identity see their own (unanswered) state at B; B's admins list and
read only B's records, and what B records for that identity lands at B, never changing A's standing answer."""

from __future__ import annotations

from souk.domain.consent import Channel, ConsentKind
from tests.integration.tenancy.tenancy_app import MARK, A, B, Tenancy
from tests.integration.tenancy.tenancy_registry import Then, b_key, b_shopper, b_staff, clean, covers

A_SHOPPER = f"{MARK}-shopper"
SAME = "shopper-1"  # an identity at both merchants (a token names its own identity back: no marker in it)


def b_admin(t: Tenancy) -> str:
    return t.token(B, "owner-1", "*", "host", privileges=["admin"])


async def _a_consented(t: Tenancy) -> Then:
    svc = t.ctx.consent
    assert svc is not None
    for who in (A_SHOPPER, SAME):
        await svc.answer(A, who, ConsentKind.RECORDING, True, channel=Channel.WATCH_PAGE, language="es")

    async def then() -> None:
        assert await svc.may_record(A, A_SHOPPER) and await svc.may_record(A, SAME)
        assert {r.merchant_id for r in await t.ctx.storage.consent.of_subject(A, A_SHOPPER)} == {A}

    return then


@covers("GET", "/v1/consent/texts")
async def consent_texts(t: Tenancy) -> Then:
    then = await _a_consented(t)
    async with t.http(b_shopper(t, SAME)) as c:
        body = clean(t, await c.get("/v1/consent/texts", params={"language": "es-MX"}))
        assert body["language"] == "es" and set(body["texts"]) == {"recording", "ai_processing", "marketing"}
    return then


@covers("GET", "/v1/consent")
async def consent_mine(t: Tenancy) -> Then:
    then = await _a_consented(t)
    async with t.http(b_shopper(t, SAME)) as c:  # the same identity at B: never asked there
        body = clean(t, await c.get("/v1/consent"))
        assert body["consents"]["recording"]["state"] == "unanswered", body
    return then


@covers("POST", "/v1/consent")
async def consent_answer(t: Tenancy) -> Then:
    then = await _a_consented(t)
    async with t.http(b_shopper(t, SAME)) as c:
        body = clean(t, await c.post("/v1/consent", json={"kind": "recording", "granted": False, "language": "en"}))
        assert body["record"]["granted"] is False
    assert not await t.ctx.storage.consent.search(B, subject="nobody")
    return then  # A's yes stands


@covers("DELETE", "/v1/consent/{kind}")
async def consent_withdraw(t: Tenancy) -> Then:
    then = await _a_consented(t)
    async with t.http(b_shopper(t, SAME)) as c:
        clean(t, await c.delete("/v1/consent/recording"))
    return then


@covers("GET", "/v1/privacy/consents")
async def consents_search(t: Tenancy) -> Then:
    then = await _a_consented(t)
    for cred in (b_key(t), b_admin(t)):
        async with t.http(cred) as c:
            body = clean(t, await c.get("/v1/privacy/consents", params={"limit": 1000}))
            assert all(r["subject"] != A_SHOPPER for r in body["records"]), body
    async with t.http(b_staff(t)) as c:  # an agent token of B: not an admin
        assert clean(t, await c.get("/v1/privacy/consents"), 403)["error"]["code"] == "admin_only"
    return then


@covers("GET", "/v1/privacy/consents/{subject}")
async def consents_of_subject(t: Tenancy) -> Then:
    then = await _a_consented(t)
    async with t.http(b_key(t)) as c:
        body = clean(t, await c.get(f"/v1/privacy/consents/{A_SHOPPER}"))
        assert body["records"] == [] and body["consents"]["recording"]["state"] == "unanswered", body
    return then


@covers("POST", "/v1/privacy/consents/{subject}")
async def consents_record_for(t: Tenancy) -> Then:
    then = await _a_consented(t)
    async with t.http(b_admin(t)) as c:
        body = clean(t, await c.post(f"/v1/privacy/consents/{A_SHOPPER}",
                                     json={"kind": "recording", "granted": False, "language": "zh"}))
        assert body["record"]["channel"] == "console"
    assert {r.merchant_id for r in await t.ctx.storage.consent.of_subject(B, A_SHOPPER)} == {B}
    return then
