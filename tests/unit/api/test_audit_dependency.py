"""The audit route dependency (souk.api.audit.audited) on a tiny app built inline: a served answer is recorded
with the caller, a refused or failed request leaves nothing, and an audit log that cannot be written means
the answer is not served (fail closed)."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
from fastapi import FastAPI, Request

from souk.api.audit import audited
from souk.api.errors import install_error_handlers
from souk.auth.tokens import AccessClaims, Privilege, Role
from souk.core.errors import Forbidden, NotFound, Unavailable
from souk.domain.audit import AuditEntry, AuditEvent, next_entry


class Store:
    def __init__(self, fail: bool = False) -> None:
        self.events: list[tuple[str, AuditEvent]] = []
        self.fail = fail

    async def append(self, merchant_id: str, event: AuditEvent) -> AuditEntry:
        if self.fail:
            raise Unavailable("database unavailable", code="storage_unavailable")
        self.events.append((merchant_id, event))
        return next_entry(merchant_id, len(self.events) - 1, "0" * 64, 0, event)


class Tokens:
    def verify(self, token: str | None) -> AccessClaims:
        role = Role.AGENT if token == "staff" else Role.MEMBER
        return AccessClaims(merchant_id="shop-a", identity=f"{token}-1", room="*", role=role,
                            privileges=frozenset({Privilege.MODERATE}), expires_at=2e9)


def _app(store: Store) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.state.ctx = SimpleNamespace(tokens=Tokens(), storage=SimpleNamespace(audit=store))

    def check(request: Request) -> None:  # the route's own check: a staff token
        if request.headers.get("authorization") != "Bearer staff":
            raise Forbidden("staff only", code="staff_only")

    @app.get("/things/{thing_id}", dependencies=[audited(check, "thing.read", "thing", "thing_id")])
    async def read(thing_id: str) -> dict[str, str]:
        if thing_id == "missing":
            raise NotFound("no such thing", code="thing_not_found")
        return {"secret": f"contents of {thing_id}"}

    return app


async def _get(app: FastAPI, path: str, who: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {who}"} if who else {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        return await c.get(path, headers=headers)


async def test_a_served_read_is_recorded_with_who_read_what() -> None:
    store = Store()
    r = await _get(_app(store), "/things/t-1", "staff")
    assert r.status_code == 200 and r.json() == {"secret": "contents of t-1"}
    [(merchant, event)] = store.events
    assert merchant == "shop-a"
    assert (event.actor, event.role, event.action, event.object_kind, event.object_id) == (
        "staff-1", "agent", "thing.read", "thing", "t-1")
    assert event.detail == {"method": "GET", "path": "/things/t-1"}


async def test_refused_and_failed_requests_leave_nothing() -> None:
    store = Store()
    app = _app(store)
    assert (await _get(app, "/things/t-1", "shopper")).status_code == 403
    assert (await _get(app, "/things/missing", "staff")).status_code == 404
    assert store.events == []


async def test_an_audit_log_that_cannot_be_written_serves_nothing() -> None:
    r = await _get(_app(Store(fail=True)), "/things/t-1", "staff")
    assert r.status_code == 503 and "contents" not in r.text
    assert r.json()["error"]["code"] == "storage_unavailable"
