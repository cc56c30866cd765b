"""The operator API against a real Souk (uvicorn, SQLite): merchants, keys that authenticate real calls and
stop at once when revoked, store import (422 with every problem, nothing changed) and export."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixtures.browser import CORE_FEATURES, Souk, running_souk
from tests.unit.domain.store_samples import canonical, demo, small_store

OPERATOR = "op-secret-for-tests-0123456789"
FEATURES = (*CORE_FEATURES, "souk.api.routes.operator")
TIENDA = {"id": "tienda", "name": "Tienda Sol", "currency": "MXN", "region": "mx", "languages": ["es", "en"],
          "timezone": "America/Mexico_City", "country": "MX"}


@pytest.fixture
async def souk_op(tmp_path: Path) -> AsyncIterator[Souk]:
    async with running_souk(tmp_path / "souk", features=FEATURES, auth={"operator_token": OPERATOR}) as s:
        yield s


def client(souk: Souk, token: str | None = OPERATOR) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(base_url=souk.base_url, headers=headers, timeout=20)


async def mint(souk: Souk, api_key: str) -> httpx.Response:
    async with client(souk, api_key) as c:
        return await c.post("/v1/tokens", json={"identity": "ops-check", "room": "*", "role": "agent"})


def error(r: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = r.json()["error"]
    return body


async def test_without_an_operator_token_the_api_is_disabled(tmp_path: Path) -> None:
    async with running_souk(tmp_path / "souk", features=FEATURES) as souk, client(souk, "anything") as c:
        r = await c.get("/v1/operator/merchants")
        assert r.status_code == 404 and error(r)["code"] == "operator_disabled"
        assert "disabled" in error(r)["message"]
        r = await c.post("/v1/operator/merchants", json=TIENDA)
        assert r.status_code == 404 and error(r)["code"] == "operator_disabled"


async def test_only_the_operator_token_opens_it(souk_op: Souk) -> None:
    for token in (None, "wrong", OPERATOR + "x", souk_op.api_key):
        async with client(souk_op, token) as c:
            r = await c.get("/v1/operator/merchants")
            assert r.status_code == 401 and error(r)["code"] == "operator_token_invalid", token


async def test_a_created_merchant_gets_a_key_that_works_until_revoked(souk_op: Souk) -> None:
    async with client(souk_op) as c:
        r = await c.post("/v1/operator/merchants", json=TIENDA)
        assert r.status_code == 201, r.text
        created = r.json()
        assert created["merchant"]["currency"] == "MXN" and created["merchant"]["region"] == "mx"
        first = created["api_key"]
        minted = await mint(souk_op, first)
        assert minted.status_code == 200, minted.text
        assert souk_op.ctx.tokens.verify(minted.json()["token"]).merchant_id == "tienda"

        assert (await c.post("/v1/operator/merchants", json=TIENDA)).status_code == 409
        r = await c.post("/v1/operator/merchants", json={**TIENDA, "id": "Bad Id", "currency": "XYZ",
                                                          "timezone": "Mars/Olympus"})
        assert r.status_code == 422 and error(r)["code"] == "bad_merchant"
        assert {p["path"] for p in error(r)["details"]["problems"]} == {"$.id", "$.currency", "$.timezone"}
        ids = [m["id"] for m in (await c.get("/v1/operator/merchants")).json()["merchants"]]
        assert ids == ["lumen", "tienda"]

        r = await c.post("/v1/operator/merchants/tienda/keys", json={"label": "ci"})
        assert r.status_code == 201
        second = r.json()
        listed = (await c.get("/v1/operator/merchants/tienda/keys")).json()["keys"]
        assert {k["key_id"] for k in listed} == {created["key_id"], second["key_id"]}
        assert all("api_key" not in k for k in listed) and first not in json.dumps(listed)

        r = await c.delete(f"/v1/operator/merchants/tienda/keys/{created['key_id']}")
        assert r.status_code == 200 and r.json()["active"] is False
        refused = await mint(souk_op, first)  # the very next call
        assert refused.status_code == 401 and error(refused)["code"] == "bad_api_key"
        assert (await mint(souk_op, second["api_key"])).status_code == 200
        # another merchant's key id is not found under this merchant, and stays valid
        r = await c.delete(f"/v1/operator/merchants/lumen/keys/{second['key_id']}")
        assert r.status_code == 404
        assert (await mint(souk_op, second["api_key"])).status_code == 200
        assert (await c.post("/v1/operator/merchants/nobody/keys", json={})).status_code == 404


async def test_store_import_reports_every_problem_and_changes_nothing(souk_op: Souk) -> None:
    async with client(souk_op) as c:
        assert (await c.post("/v1/operator/merchants", json=TIENDA)).status_code == 201
        r = await c.put("/v1/operator/merchants/tienda/store", json=small_store())
        assert r.status_code == 200, r.text
        assert r.json()["imported"]["products"] == {"added": 2, "replaced": 0}
        before = (await c.get("/v1/operator/merchants/tienda/store")).json()
        assert canonical(before) == canonical(small_store())

        bad = small_store()
        bad["store"]["name"] = "Renamed"
        bad["products"][1]["price_mxn"] = "1200"
        bad["customers"][0]["email"] = "not-an-address"
        bad["policies"]["returns"]["window_days"] = -3
        r = await c.put("/v1/operator/merchants/tienda/store", json=bad)
        assert r.status_code == 422 and error(r)["code"] == "store_invalid"
        problems = {p["path"]: p["message"] for p in error(r)["details"]["problems"]}
        assert problems == {
            "$.products[1].price_mxn": "must be a number (an amount in the store's currency)",
            "$.customers[0].email": "must be an e-mail address, got 'not-an-address'",
            "$.policies.returns.window_days": "must be at least 0, got -3",
        }
        assert (await c.get("/v1/operator/merchants/tienda/store")).json() == before

        r = await c.put("/v1/operator/merchants/tienda/store", content=b'{"store": NaN}',
                        headers={"content-type": "application/json"})
        assert r.status_code == 422 and error(r)["details"]["problems"][0]["path"] == "$"
        r = await c.put("/v1/operator/merchants/tienda/store", json=demo())  # lumen's file, in USD
        assert r.status_code == 422
        assert {p["path"] for p in error(r)["details"]["problems"]} == {"$.store.id", "$.store.currency"}
        assert (await c.get("/v1/operator/merchants/tienda/store")).json() == before
        assert (await c.get("/v1/operator/merchants/nobody/store")).status_code == 404


async def test_the_demo_store_exports_and_imports_back(souk_op: Souk) -> None:
    async with client(souk_op) as c:
        exported = (await c.get("/v1/operator/merchants/lumen/store")).json()
        assert canonical(exported) == canonical(demo())
        r = await c.put("/v1/operator/merchants/lumen/store", json=exported)
        assert r.status_code == 200 and r.json()["imported"]["products"] == {"added": 0, "replaced": 21}
        assert canonical((await c.get("/v1/operator/merchants/lumen/store")).json()) == canonical(demo())
