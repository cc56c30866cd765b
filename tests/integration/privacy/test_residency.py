"""Data residency with two regions (issue 17 part 1): two SQLite files in two data dirs, a merchant in each, one
node per region over the same settings. Each merchant's rows land only in its region's database; a node asked
to store another region's merchant answers 403 wrong_region naming both regions and writes nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from souk.api.app import create_app
from souk.api.bootstrap import build_context
from souk.api.context import AppContext
from souk.core.errors import BadRequest, ConfigError, Conflict, NotFound
from souk.core.settings import Settings, load_settings
from souk.privacy.residency_ops import create_in_region, set_region
from souk.storage.onboarding import MerchantSpec

FEATURES = ("souk.api.routes.health", "souk.api.routes.auth", "souk.api.routes.rooms", "souk.api.routes.operator")
OPERATOR = "o" * 40
SECRET = "s" * 40


def _settings(tmp: Path, region: str = "") -> Settings:
    """The operator's settings (no region: a default data dir of its own) or a node's (its region's dir)."""
    where: dict[str, Any] = {"residency": {"region": region}} if region else {"data_dir": str(tmp / "default")}
    return load_settings(None, auth={"token_secret": SECRET, "operator_token": OPERATOR},
                         regions={"eu": {"data_dir": str(tmp / "eu")}, "us": {"data_dir": str(tmp / "us")}}, **where)


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql))


@asynccontextmanager
async def _node(tmp: Path, region: str) -> AsyncIterator[tuple[AppContext, httpx.AsyncClient]]:
    settings = _settings(tmp, region)
    async with AsyncExitStack() as stack:
        ctx = await build_context(settings, stack, with_media=False)
        app = create_app(settings, ctx=ctx, features=FEATURES)
        app.state.ctx = ctx
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://node") as client:
            yield ctx, client


async def _staff(ctx: AppContext, merchant: str) -> dict[str, str]:
    token = ctx.tokens.mint(merchant_id=merchant, identity="ops", room="*", role="host", privileges=["admin"])
    return {"Authorization": f"Bearer {token}"}


async def test_rows_land_in_their_region_and_other_regions_are_refused(tmp_path: Path) -> None:
    operator = _settings(tmp_path)
    _, eu_key = await create_in_region(operator, MerchantSpec("m-eu", "Eu Shop", "EUR", "eu"), "eu")
    _, us_key = await create_in_region(operator, MerchantSpec("m-us", "Us Shop", "USD", "us"), "us")
    eu_db, us_db = tmp_path / "eu" / "souk.db", tmp_path / "us" / "souk.db"
    # the directory (merchant rows with their region) is in both; keys only at home
    for db in (eu_db, us_db):
        assert sorted(_rows(db, "SELECT id, data_region FROM merchants")) == [("m-eu", "eu"), ("m-us", "us")]
    assert _rows(eu_db, "SELECT DISTINCT merchant_id FROM api_keys") == [("m-eu",)]
    assert _rows(us_db, "SELECT DISTINCT merchant_id FROM api_keys") == [("m-us",)]

    async with _node(tmp_path, "eu") as (ctx, eu):
        assert ctx.settings.data_path == (tmp_path / "eu").resolve()
        r = await eu.post("/v1/rooms", json={"room_id": "room-1", "kind": "consult"}, headers=await _staff(ctx, "m-us"))
        assert r.status_code == 403, r.text
        err = r.json()["error"]
        assert err["code"] == "wrong_region"
        assert err["details"] == {"merchant_region": "us", "node_region": "eu"}
        assert "region 'us'" in err["message"] and "serves region 'eu'" in err["message"]
        r = await eu.post("/v1/rooms", json={"room_id": "room-1", "kind": "consult"}, headers={"Authorization": f"Bearer {us_key.key}"})
        assert r.status_code == 401, r.text  # the us merchant's key is not known in the eu region
        r = await eu.post("/v1/rooms", json={"room_id": "room-1", "kind": "consult"}, headers=await _staff(ctx, "m-eu"))
        assert r.status_code == 201, r.text
        r = await eu.post("/v1/rooms", json={"room_id": "room-2", "kind": "consult"}, headers={"Authorization": f"Bearer {eu_key.key}"})
        assert r.status_code == 201, r.text

    async with _node(tmp_path, "us") as (ctx, us):
        r = await us.post("/v1/rooms", json={"room_id": "room-1", "kind": "consult"}, headers=await _staff(ctx, "m-us"))
        assert r.status_code == 201, r.text
        r = await us.get("/v1/rooms", headers=await _staff(ctx, "m-eu"))
        assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_region"

    assert sorted(_rows(eu_db, "SELECT merchant_id, id FROM rooms")) == [("m-eu", "room-1"), ("m-eu", "room-2")]
    assert _rows(us_db, "SELECT merchant_id, id FROM rooms") == [("m-us", "room-1")]
    assert not (tmp_path / "default" / "souk.db").exists()  # nothing in the unregioned default


async def test_a_move_reaches_the_nodes_and_bad_regions_are_refused(tmp_path: Path) -> None:
    operator = _settings(tmp_path)
    await create_in_region(operator, MerchantSpec("m-x", "X", "EUR", "eu"), "eu")
    with pytest.raises(BadRequest) as err:
        await create_in_region(operator, MerchantSpec("m-y", "Y", "EUR", "eu"), "mars")
    assert err.value.code == "unknown_region" and err.value.details["regions"] == ["eu", "us"]
    with pytest.raises(Conflict) as moved:  # its data must be in the new region first
        await set_region(operator, "m-x", "us")
    assert moved.value.code == "region_not_ready"
    with pytest.raises(NotFound):
        await set_region(operator, "m-nobody", "us")
    async with _node(tmp_path, "us") as (ctx, us):
        r = await us.get("/v1/rooms", headers=await _staff(ctx, "m-x"))
        assert r.status_code == 403 and r.json()["error"]["details"]["merchant_region"] == "eu"
        # the documented move, its data step here: the merchant's keys (and rows) copied into region us
        await ctx.storage.api_keys.create("m-x", "moved")
        await set_region(operator, "m-x", "us")
        guard = ctx.storage.merchants
        assert await guard.data_region("m-x") == "us"
        from souk.privacy.residency import RegionGuard
        fresh = RegionGuard("us")
        await fresh.refresh(ctx.storage.merchants)
        fresh.admit("m-x")  # a node re-reading the regions (every [residency] refresh_s) now serves it
    with pytest.raises(ConfigError):
        load_settings(None, regions={"eu": {}}, residency={"region": "us"})


def test_merchant_create_cli_places_the_merchant_in_its_region(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from souk.cli.main import main

    config = tmp_path / "souk.toml"
    config.write_text(f"""data_dir = "{tmp_path / 'default'}"
[regions.eu]
data_dir = "{tmp_path / 'eu'}"
[regions.us]
data_dir = "{tmp_path / 'us'}"
""")
    monkeypatch.setenv("SOUK_CONFIG", str(config))
    assert main(["merchant", "create", "m-us", "--currency", "USD", "--json"]) != 0  # which region? refused
    assert main(["merchant", "create", "m-us", "--currency", "USD", "--data-region", "mars", "--json"]) != 0
    capsys.readouterr()
    assert main(["merchant", "create", "m-us", "--currency", "USD", "--data-region", "us", "--json"]) == 0
    assert capsys.readouterr().out.strip()
    us_db, eu_db = tmp_path / "us" / "souk.db", tmp_path / "eu" / "souk.db"
    assert _rows(us_db, "SELECT id, data_region FROM merchants") == [("m-us", "us")]
    assert _rows(eu_db, "SELECT id, data_region FROM merchants") == [("m-us", "us")]
    assert _rows(us_db, "SELECT merchant_id FROM api_keys") == [("m-us",)]
    assert _rows(eu_db, "SELECT merchant_id FROM api_keys") == []
    assert main(["privacy", "region", "--merchant", "m-us", "--move-to", "eu"]) != 0  # no --yes
    assert main(["privacy", "region", "--merchant", "m-us", "--move-to", "eu", "--yes"]) != 0  # data not there
    assert _rows(eu_db, "SELECT id, data_region FROM merchants") == [("m-us", "us")]


async def test_operator_api_creates_merchants_of_its_own_region_only(tmp_path: Path) -> None:
    op = {"Authorization": f"Bearer {OPERATOR}"}
    body = {"id": "m-new", "name": "New", "currency": "EUR", "region": "eu"}
    async with _node(tmp_path, "eu") as (_, eu):
        r = await eu.post("/v1/operator/merchants", json={**body, "data_region": "us"}, headers=op)
        assert r.status_code == 403 and r.json()["error"]["details"] == {"merchant_region": "us", "node_region": "eu"}
        r = await eu.post("/v1/operator/merchants", json={**body, "data_region": "mars"}, headers=op)
        assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_region"
        r = await eu.post("/v1/operator/merchants", json=body, headers=op)  # default: the node's region
        assert r.status_code == 201 and r.json()["merchant"]["data_region"] == "eu", r.text
        r = await eu.get("/v1/operator/merchants/m-new", headers=op)
        assert r.status_code == 200 and r.json()["data_region"] == "eu"
        r = await eu.get("/v1/operator/merchants", headers=op)
        assert [(m["id"], m["data_region"]) for m in r.json()["merchants"]] == [("m-new", "eu")]
    assert _rows(tmp_path / "us" / "souk.db", "SELECT id, data_region FROM merchants") == [("m-new", "eu")]
    assert _rows(tmp_path / "us" / "souk.db", "SELECT merchant_id FROM api_keys") == []
