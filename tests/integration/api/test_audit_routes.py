"""The audit log over real HTTP (souk.api.audit, souk.api.routes.audit): staff reads of conversations, desk
admin changes and operator actions are recorded with who did them before the route serves; a refused caller
leaves no entry; the merchant searches its own log only (API key or admin token); verification answers the
head and finds a row changed in the database."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from souk.domain.audit import AuditQuery
from souk.storage import seed_demo
from souk.storage.schema import audit_log, quality_records
from tests.fixtures.browser import CORE_FEATURES, Souk, bearer, running_souk
from tests.integration.api.desk_app import B, b_store

pytestmark = pytest.mark.timeout(120)

FEATURES = (*CORE_FEATURES, "souk.api.routes.desk", "souk.api.routes.operator", "souk.api.routes.audit",
            "souk.api.routes.privacy")
OPERATOR = "operator-secret-for-tests"


def _token(souk: Souk, identity: str, *, merchant: str | None = None, room: str = "*", role: str = "agent",
           **kw: object) -> str:
    return str(souk.ctx.tokens.mint(merchant_id=merchant or souk.merchant_id, identity=identity, room=room,
                                    role=role, **kw))


async def _entries(c, key: str, **params: object) -> list[dict]:  # type: ignore[no-untyped-def]
    r = await c.get("/v1/audit", params=params, headers=bearer(key))
    assert r.status_code == 200, r.text
    return [e for e in r.json()["entries"] if e["action"] != "audit.search"]


async def test_staff_reads_and_admin_changes_are_audited_and_searchable(tmp_path: Path) -> None:
    async with running_souk(tmp_path / "souk", features=FEATURES, auth={"operator_token": OPERATOR}) as souk:
        b_key = (await seed_demo(souk.ctx.storage, b_store())).api_key
        assert b_key is not None
        ana = _token(souk, "ana")
        async with httpx.AsyncClient(base_url=souk.base_url, timeout=30) as c:
            assert (await c.get("/v1/desk/conversations", headers=bearer(ana))).status_code == 200
            r = await c.get("/v1/desk/conversations/sess-404", headers=bearer(ana))
            assert r.status_code == 404  # a failed read leaves no entry
            r = await c.put("/v1/desk/agents/ana", headers=bearer(souk.api_key),
                            json={"name": "Ana", "capacity": 2, "skills": {"languages": ["en"]}})
            assert r.status_code == 200, r.text
            # refused callers leave nothing: a shopper token, an agent changing settings, no credentials
            shopper = _token(souk, "C-1", room="lobby", role="member")
            assert (await c.get("/v1/desk/conversations", headers=bearer(shopper))).status_code == 403
            r = await c.put("/v1/desk/agents/bob", headers=bearer(ana), json={"name": "Bob", "capacity": 1})
            assert r.status_code == 403 and r.json()["error"]["code"] == "host_only"
            assert (await c.get("/v1/desk/conversations")).status_code == 401
            # the operator exporting the store is recorded in that merchant's log
            r = await c.get(f"/v1/operator/merchants/{souk.merchant_id}/store", headers=bearer(OPERATOR))
            assert r.status_code == 200
            assert (await c.get("/v1/operator/merchants/nobody/store", headers=bearer(OPERATOR))).status_code == 404

            got = await _entries(c, souk.api_key)
            assert [(e["actor"], e["role"], e["action"], e["object_id"]) for e in got] == [
                ("operator", "operator", "store.export", souk.merchant_id),
                (f"api-key:{souk.api_key.split('_')[1]}", "api_key", "desk.agent.update", "ana"),
                ("ana", "agent", "conversation.list", ""),
            ]
            assert got[-1]["detail"] == {"method": "GET", "path": "/v1/desk/conversations"}
            assert [e["action"] for e in await _entries(c, souk.api_key, actor="ana")] == ["conversation.list"]
            assert [e["object_id"] for e in await _entries(
                c, souk.api_key, object_kind="staff_profile", object_id="ana")] == ["ana"]
            assert await _entries(c, souk.api_key, since="2099-01-01T00:00:00") == []
            # an admin token may search; an agent may not; merchant B sees only its own (empty but for searches)
            admin = _token(souk, "owner", role="host", privileges=["admin"])
            r = await c.get("/v1/audit", params={"actor": "ana"}, headers=bearer(admin))
            assert r.status_code == 200 and len(r.json()["entries"]) == 1
            r = await c.get("/v1/audit", headers=bearer(ana))
            assert r.status_code == 403 and r.json()["error"]["code"] == "admin_only"
            assert await _entries(c, b_key) == []
            r = await c.get("/v1/audit", params={"limit": 2}, headers=bearer(souk.api_key))
            page = r.json()
            assert len(page["entries"]) == 2 and page["next_before"] == page["entries"][-1]["seq"]
            r = await c.get("/v1/audit", params={"limit": 0}, headers=bearer(souk.api_key))
            assert r.status_code in (400, 422)

            r = await c.get("/v1/audit/verify", headers=bearer(souk.api_key))
            v = r.json()
            assert r.status_code == 200 and v["ok"] and v["checked"] == v["head_seq"] >= 4
            async with souk.ctx.storage.db.write() as conn:
                await conn.execute(audit_log.update().where(audit_log.c.merchant_id == souk.merchant_id,
                                                            audit_log.c.seq == 1).values(actor="someone-else"))
            v = (await c.get("/v1/audit/verify", headers=bearer(souk.api_key))).json()
            assert not v["ok"] and v["findings"][0]["seq"] == 1 and v["findings"][0]["problem"] == "tampered"
            assert (await c.get("/v1/audit/verify", headers=bearer(b_key))).json()["ok"]
        assert B != souk.merchant_id


async def test_the_app_serving_the_audit_api_runs_the_retention_purge(tmp_path: Path) -> None:
    async with running_souk(tmp_path / "souk", features=FEATURES,
                            privacy={"purge_every_s": 0.2, "quality_records_days": 1}) as souk:
        old = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
        async with souk.ctx.storage.db.write() as conn:
            await conn.execute(quality_records.insert().values(
                merchant_id=souk.merchant_id, room_id="r", identity="u", session_id="s", kind="call",
                started_at=old, updated_at=old, failure=None, record={}))
        for _ in range(400):  # a pass every 0.2 s; generous on a busy machine
            async with souk.ctx.storage.db.read() as conn:
                left = await conn.scalar(sa.select(sa.func.count()).select_from(quality_records))
            if not left:
                break
            await asyncio.sleep(0.05)
        assert left == 0
        entries = await souk.ctx.storage.audit.search(souk.merchant_id, AuditQuery(action="retention.purge"))
        assert [(e.actor, e.object_kind, e.detail["deleted"]) for e in entries] == [("system", "quality_records", "1")]


async def test_retention_days_over_the_api(tmp_path: Path) -> None:
    async with running_souk(tmp_path / "souk", features=FEATURES) as souk, \
            httpx.AsyncClient(base_url=souk.base_url, timeout=30) as c:
        key = bearer(souk.api_key)
        r = await c.get("/v1/privacy/retention", headers=key)
        assert r.status_code == 200 and r.json()["retention"]["recordings"] == {"days": 180, "own": False}
        r = await c.put("/v1/privacy/retention/recordings", json={"days": 30}, headers=key)
        assert r.status_code == 200 and r.json()["retention"]["recordings"] == {"days": 30, "own": True}
        for bad in ({"days": 0}, {"days": 36501}, {}):
            assert (await c.put("/v1/privacy/retention/recordings", json=bad, headers=key)).status_code == 422
        assert (await c.put("/v1/privacy/retention/photos", json={"days": 3}, headers=key)).status_code == 422
        agent = _token(souk, "ana")
        r = await c.put("/v1/privacy/retention/recordings", json={"days": 1}, headers=bearer(agent))
        assert r.status_code == 403 and r.json()["error"]["code"] == "admin_only"
        r = await c.delete("/v1/privacy/retention/recordings", headers=key)
        assert r.json()["retention"]["recordings"] == {"days": 180, "own": False}
        got = await _entries(c, souk.api_key)
        assert [(e["action"], e["object_id"]) for e in got] == [("retention.clear", "recordings"),
                                                                ("retention.update", "recordings")]


async def test_room_close_and_token_revocation_are_audited(tmp_path: Path) -> None:
    async with running_souk(tmp_path / "souk", features=FEATURES) as souk, \
            httpx.AsyncClient(base_url=souk.base_url, timeout=30) as c:
        key = bearer(souk.api_key)
        assert (await c.post("/v1/rooms", json={"kind": "live", "room_id": "show-1"}, headers=key)).status_code == 201
        r = await c.post("/v1/rooms/show-1/close", headers=key)
        assert r.status_code == 200, r.text
        assert (await c.post("/v1/rooms/nope/close", headers=key)).status_code == 404
        token = _token(souk, "C-1", room="lobby", role="member")
        r = await c.post("/v1/tokens/revoke", json={"token": token}, headers=key)
        assert r.status_code == 200, r.text
        got = await _entries(c, souk.api_key)
        assert [(e["action"], e["object_id"]) for e in got] == [("token.revoke", ""), ("room.close", "show-1")]
