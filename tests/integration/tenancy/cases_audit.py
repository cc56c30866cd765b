"""Cases for the audit log (docs/privacy.md): B's API key and B's admin token search and verify only B's own log.
A's staff member (an identity carrying A's marker) reads A's desk first, so A's log holds A's entries."""

from __future__ import annotations

from souk.domain.audit import AuditQuery
from tests.integration.tenancy.tenancy_app import A_ONLY_CUSTOMER, A_ONLY_EMAIL, MARK, A, B, Tenancy
from tests.integration.tenancy.tenancy_registry import Then, b_key, b_staff, clean, covers

A_AUDITED = f"{MARK}-staff"


async def _a_audited(t: Tenancy) -> Then:
    async with t.http(t.token(A, A_AUDITED, "*", "agent")) as c:
        r = await c.get("/v1/desk/conversations")  # A's own read of A's desk
        assert r.status_code == 200, r.text
    before = await t.ctx.storage.audit.head(A)

    async def then() -> None:
        after = await t.ctx.storage.audit.head(A)
        assert after.seq >= before.seq and (await t.ctx.storage.audit.search(A, AuditQuery(actor=A_AUDITED)))

    return then


def b_admin(t: Tenancy) -> str:
    return t.token(B, "owner-1", "*", "host", privileges=["admin"])


@covers("GET", "/v1/audit")
async def audit_search(t: Tenancy) -> Then:
    then = await _a_audited(t)
    for cred in (b_key(t), b_admin(t)):
        async with t.http(cred) as c:
            body = clean(t, await c.get("/v1/audit", params={"limit": 1000}))
            assert all(e["actor"] != A_AUDITED for e in body["entries"]), body
            body = clean(t, await c.get("/v1/audit", params={"actor": A_AUDITED}))
            assert body["entries"] == [], body
    async with t.http(b_staff(t)) as c:  # an agent token of B: not an auditor
        assert clean(t, await c.get("/v1/audit"), 403)["error"]["code"] == "admin_only"
    return then


@covers("GET", "/v1/audit/verify")
async def audit_verify(t: Tenancy) -> Then:
    then = await _a_audited(t)
    a_head = await t.ctx.storage.audit.head(A)
    async with t.http(b_key(t)) as c:
        body = clean(t, await c.get("/v1/audit/verify"))
        assert body["ok"] and body["head_hash"] != a_head.hash, body
    return then



async def _a_retention(t: Tenancy) -> Then:
    await t.ctx.storage.retention.set(A, "recordings", 7)

    async def then() -> None:
        assert (await t.ctx.storage.retention.own(A)) == {"recordings": 7}

    return then


@covers("GET", "/v1/privacy/retention")
async def retention_get(t: Tenancy) -> Then:
    then = await _a_retention(t)
    async with t.http(b_key(t)) as c:
        body = clean(t, await c.get("/v1/privacy/retention"))
        assert body["retention"]["recordings"]["days"] != 7, body
    return then


@covers("PUT", "/v1/privacy/retention/{kind}")
async def retention_put(t: Tenancy) -> Then:
    then = await _a_retention(t)
    for cred in (b_key(t), b_admin(t)):
        async with t.http(cred) as c:
            body = clean(t, await c.put("/v1/privacy/retention/recordings", json={"days": 9}))
            assert body["retention"]["recordings"] == {"days": 9, "own": True}
    async with t.http(b_key(t)) as c:
        clean(t, await c.delete("/v1/privacy/retention/recordings"))
    return then


@covers("DELETE", "/v1/privacy/retention/{kind}")
async def retention_clear(t: Tenancy) -> Then:
    then = await _a_retention(t)
    async with t.http(b_admin(t)) as c:
        body = clean(t, await c.delete("/v1/privacy/retention/recordings"))
        assert body["retention"]["recordings"]["own"] is False
    return then


async def _a_redaction(t: Tenancy) -> Then:
    await t.ctx.storage.redaction.set(A, "transcripts", True)

    async def then() -> None:
        assert (await t.ctx.storage.redaction.own(A)) == {"transcripts": True}

    return then


@covers("GET", "/v1/privacy/redaction")
async def redaction_get(t: Tenancy) -> Then:
    then = await _a_redaction(t)
    async with t.http(b_key(t)) as c:
        body = clean(t, await c.get("/v1/privacy/redaction"))
        assert body["redaction"]["transcripts"]["own"] is False, body
    return then


@covers("PUT", "/v1/privacy/redaction/{target}")
async def redaction_put(t: Tenancy) -> Then:
    then = await _a_redaction(t)
    for cred in (b_key(t), b_admin(t)):
        async with t.http(cred) as c:
            body = clean(t, await c.put("/v1/privacy/redaction/transcripts", json={"on": False}))
            assert body["redaction"]["transcripts"] == {"on": False, "own": True}
    async with t.http(b_key(t)) as c:
        clean(t, await c.delete("/v1/privacy/redaction/transcripts"))
    return then


@covers("DELETE", "/v1/privacy/redaction/{target}")
async def redaction_clear(t: Tenancy) -> Then:
    then = await _a_redaction(t)
    async with t.http(b_admin(t)) as c:
        body = clean(t, await c.delete("/v1/privacy/redaction/transcripts"))
        assert body["redaction"]["transcripts"]["own"] is False
    return then


# ---- a customer's export and erasure (souk.api.routes.privacy_customers) ----

def _unzipped(body: bytes) -> str:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(body)) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


@covers("POST", "/v1/privacy/customers/{customer}/export")
async def customer_export(t: Tenancy) -> Then:
    async with t.http(b_key(t)) as c:
        for customer in (A_ONLY_CUSTOMER, A_ONLY_EMAIL):  # A's customer, by id and by e-mail: B has none
            body = clean(t, await c.post(f"/v1/privacy/customers/{customer}/export"), 404)
            assert body["error"]["code"] == "unknown_customer", body
        r = await c.post("/v1/privacy/customers/C-502/export")  # B's own customer (A has one with that id too)
        assert r.status_code == 200 and r.headers["x-souk-export-complete"] == "true", r.text[:300]
        text = _unzipped(r.content)
        assert "liam.tremblay@example.com" in text and not t.leaked(text), t.leaked(text)
    async with t.http(b_staff(t)) as c:  # an agent token of B: not an admin
        assert clean(t, await c.post("/v1/privacy/customers/C-502/export"), 403)["error"]["code"] == "admin_only"

    async def then() -> None:
        assert await t.ctx.storage.customers.get(A, A_ONLY_CUSTOMER)

    return then


@covers("POST", "/v1/privacy/customers/{customer}/erase")
async def customer_erase(t: Tenancy) -> Then:
    async with t.http(b_admin(t)) as c:
        body = clean(t, await c.post(f"/v1/privacy/customers/{A_ONLY_CUSTOMER}/erase",
                                     json={"confirm": A_ONLY_CUSTOMER}), 404)
        assert body["error"]["code"] == "unknown_customer", body
        body = clean(t, await c.post("/v1/privacy/customers/C-503/erase", json={"confirm": "C-502"}), 409)
        assert body["error"]["code"] == "confirmation_mismatch", body
        # B erases its own C-503: A's C-503 (same id, same e-mail, same database file) stays whole, and
        # A's copy of the e-mail does not make B's erasure look incomplete
        body = clean(t, await c.post("/v1/privacy/customers/C-503/erase", json={"confirm": "C-503"}))
        assert body["ok"], body

    async def then() -> None:
        kept = await t.ctx.storage.customers.get(A, "C-503")
        assert kept.email and kept.name != "[erased]"

    return then
