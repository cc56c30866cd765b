"""TURN credentials per token, on a real coturn: the welcome of ``/v1/signal`` hands each token holder
credentials naming its own merchant and identity (from the verified token, nothing the client sends), they
allocate a relay, and merchant A's credentials cannot be passed off as merchant B's (coturn refuses the
re-labelled username), nor can B's be used under A's name.

Souk runs with ``turn.mode = "external"`` pointed at a coturn this test supervises, so no Janus is needed.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aioice.stun import TransactionFailed

from souk.bench.signal_client import SignalClient
from souk.media.turncreds import parse_username
from tests.fixtures.browser import CORE_FEATURES, Souk, bearer, running_souk
from tests.integration.turn.coturn import allocate, running_turn

A, B = "lumen", "acme"
HOST = "127.0.0.1"


@pytest.fixture
async def souk_with_turn(tmp_path: Path) -> AsyncIterator[tuple[Souk, int]]:
    async with running_turn(tmp_path / "relay") as (sup, relay):
        turn = {"mode": "external", "urls": list(relay.urls), "secret": sup.launch.secret,
                "credential_ttl_s": 600}
        async with running_souk(tmp_path / "souk", turn=turn,
                                features=(*CORE_FEATURES, "souk.api.routes.ice")) as s:
            yield s, sup.launch.port


async def _welcome_turn(s: Souk, merchant: str, identity: str) -> dict[str, Any]:
    token = s.ctx.tokens.mint(merchant_id=merchant, identity=identity, room="consult-1", role="member")
    client = await SignalClient.connect(s.ws_url, str(token))
    try:
        servers = client.welcome["ice_servers"]
    finally:
        await client.aclose()
    udp = [x for x in servers if x["urls"].startswith("turn:") and x["urls"].endswith("transport=udp")]
    assert udp and all(x["username"] == udp[0]["username"] for x in servers if "username" in x)
    return dict(udp[0])


async def test_each_token_gets_its_own_merchants_expiring_credentials(souk_with_turn: tuple[Souk, int]) -> None:
    s, port = souk_with_turn
    a = await _welcome_turn(s, A, "shopper-1")
    b = await _welcome_turn(s, B, "shopper-1")  # the same identity at another merchant
    pa, pb = parse_username(a["username"]), parse_username(b["username"])
    assert (pa.merchant_id, pa.identity, pb.merchant_id) == (A, "shopper-1", B)
    assert 590 <= pa.expires_at - time.time() <= 601
    assert a["credential"] != b["credential"]
    for cred in (a, b):
        turn, _ = await allocate(HOST, port, cred["username"], cred["credential"])
        turn.close()


async def test_merchant_a_credentials_do_not_work_as_merchant_b(souk_with_turn: tuple[Souk, int]) -> None:
    s, port = souk_with_turn
    a = await _welcome_turn(s, A, "shopper-1")
    b = await _welcome_turn(s, B, "shopper-1")
    as_b = a["username"].replace(f":{A}:", f":{B}:")
    with pytest.raises(TransactionFailed):
        await allocate(HOST, port, as_b, a["credential"])
    with pytest.raises(TransactionFailed):  # B's password under A's username: refused too
        await allocate(HOST, port, a["username"], b["credential"])


async def test_ice_servers_route_gives_fresh_credentials_of_the_token(souk_with_turn: tuple[Souk, int]) -> None:
    s, port = souk_with_turn
    token = s.ctx.tokens.mint(merchant_id=B, identity="seller-9", room="*", role="agent")
    async with httpx.AsyncClient(base_url=s.base_url) as http:
        r = await http.get("/v1/ice-servers", headers=bearer(str(token)))
        assert r.status_code == 200, r.text
        body = r.json()
        assert (await http.get("/v1/ice-servers")).status_code == 401
    [udp] = [x for x in body["ice_servers"] if x["urls"].endswith("transport=udp")]
    parts = parse_username(udp["username"])
    assert (parts.merchant_id, parts.identity, parts.expires_at) == (B, "seller-9", body["expires_at"])
    turn, _ = await allocate(HOST, port, udp["username"], udp["credential"])
    turn.close()
