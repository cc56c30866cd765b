"""Fault test: ``souk serve`` killed with SIGKILL with a call ringing, a call up and a flash sale running, then
started again on the same data directory.

After the restart: both calls are ended with the outcome ``interrupted`` (ended_at set), their rooms are
closed and the old room tokens are refused at the signaling join (``room_closed``); the live room resumed:
its pins and the running sale are as they were (a new buy works, no ``not_pinned``), a buy retried with
the same order id answers with the first order, and the host goes live again with the old token.

Runs the real server (embedded Janus, started with ``setpriv --pdeathsig KILL``, so it dies with Souk).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from souk.bench.signal_client import SignalClient, SignalError
from souk.core.settings import Settings
from souk.storage import open_storage, seed_demo

SKU = "AP-1001"
LIVE = "live-demo"
START_TIMEOUT_S = 60.0

pytestmark = pytest.mark.skipif(shutil.which("janus") is None, reason="janus is not installed (make setup)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _seed(settings: Settings) -> tuple[str, str]:
    storage = await open_storage(settings)
    try:
        seed = await seed_demo(storage)
        key, _ = await storage.api_keys.create(seed.merchant_id, label="sigkill-test")
        return seed.merchant_id, key
    finally:
        await storage.aclose()


class Server:
    """One ``souk serve`` process on ``data_dir``."""

    def __init__(self, data_dir: Path, port: int, log: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SOUK_") or k.startswith("SOUK_JANUS__")}
        env.update(SOUK_DATA_DIR=str(data_dir), SOUK_LOG_LEVEL="INFO")
        self.log = log
        self.base = f"http://127.0.0.1:{port}"
        with open(log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "souk.cli.main", "serve", "--host", "127.0.0.1",
                                          "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT)

    async def ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        async with httpx.AsyncClient(base_url=self.base, timeout=2) as http:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise AssertionError(f"souk exited with {self.proc.returncode}: {self.tail()}")
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"souk did not answer /healthz in {START_TIMEOUT_S}s: {self.tail()}")

    def sigkill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        assert self.proc.wait(timeout=10) == -signal.SIGKILL

    def janus_pid(self) -> int | None:
        found = re.search(r"janus started pid=(\d+)", self.log.read_text(errors="replace"))
        return int(found.group(1)) if found else None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _mint(http: httpx.AsyncClient, key: str, **body: Any) -> str:
    r = await http.post("/v1/tokens", json=body, headers=_auth(key))
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


async def _ok(r: httpx.Response | Any, status: int = 200) -> dict[str, Any]:
    response: httpx.Response = await r
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def _join_error(base: str, token: str, room: str) -> str | None:
    """The error code of a signaling join with ``token`` (None if it joined)."""
    client = await SignalClient.connect(base.replace("http://", "ws://") + "/v1/signal", token)
    try:
        await client.request({"type": "join", "room": room, "name": "old token"})
    except SignalError as exc:
        return exc.code
    finally:
        await client.aclose()
    return None


async def test_souk_sigkilled_mid_call_and_mid_sale_is_reconciled_on_restart(tmp_path: Path) -> None:
    data = tmp_path / "var"
    _, key = await _seed(Settings(data_dir=str(data)))
    port = _free_port()
    first = Server(data, port, tmp_path / "souk-1.log")
    try:
        await first.ready()
        async with httpx.AsyncClient(base_url=first.base, timeout=15) as http:
            seller = await _mint(http, key, identity="seller-1", room="*", role="agent", name="Sam")
            host = await _mint(http, key, identity="host-1", room=LIVE, role="host")
            viewer = await _mint(http, key, identity="viewer-1", room=LIVE, role="audience")
            # a call left ringing, and a call answered (up)
            shoppers = [await _mint(http, key, identity=f"shopper-{i}", room="lobby", role="member") for i in (1, 2)]
            ringing = await _ok(http.post("/v1/consults", json={"product_sku": SKU}, headers=_auth(shoppers[0])), 201)
            up = await _ok(http.post("/v1/consults", json={"product_sku": SKU}, headers=_auth(shoppers[1])), 201)
            accepted = await _ok(http.post(f"/v1/consults/{up['call']['call_id']}/accept", headers=_auth(seller)))
            assert accepted["call"]["state"] == "accepted"
            assert await _join_error(first.base, ringing["token"], ringing["call"]["room"]) is None
            # a show on air with a pinned product and a running flash sale, one unit bought
            show = await _ok(http.post(f"/v1/live/{LIVE}/show", json={"title": "before"}, headers=_auth(host)))
            assert show["status"] == "live", show
            await _ok(http.post(f"/v1/live/{LIVE}/pins", json={"sku": SKU}, headers=_auth(host)))
            sale = await _ok(http.post(f"/v1/live/{LIVE}/sales", headers=_auth(host), json={
                "sku": SKU, "units": 3, "price": "9.90", "duration_s": 600}))
            buy_url = f"/v1/live/{LIVE}/sales/{sale['sale_id']}/buy"
            bought = await _ok(http.post(buy_url, json={"country": "SG", "order_id": "ord-retry-1"},
                                         headers=_auth(viewer)))
        janus = first.janus_pid()
        first.sigkill()
        deadline = time.monotonic() + 10  # the embedded Janus dies with its Souk (pdeathsig)
        while janus is not None and Path(f"/proc/{janus}").exists() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert janus is None or not Path(f"/proc/{janus}").exists(), f"janus {janus} outlived souk"

        second = Server(data, port, tmp_path / "souk-2.log")
        try:
            await second.ready()
            async with httpx.AsyncClient(base_url=second.base, timeout=15) as http:
                listing = await _ok(http.get("/v1/consults?limit=50", headers=_auth(seller)))
                assert listing["active"] == []
                records = {r["id"]: r for r in listing["recent"]}
                for call in (ringing, up):
                    record = records[call["call"]["call_id"]]
                    assert record["outcome"] == "interrupted" and record["ended_at"] is not None, record
                assert records[up["call"]["call_id"]]["answered_at"] is not None
                # the calls' rooms are closed: the old room tokens no longer join
                assert await _join_error(second.base, ringing["token"], ringing["call"]["room"]) == "room_closed"
                assert await _join_error(second.base, accepted["token"], up["call"]["room"]) == "room_closed"

                # the live room resumed: pins and the sale as they were
                pins = await _ok(http.get(f"/v1/live/{LIVE}/pins", headers=_auth(viewer)))
                assert [p["sku"] for p in pins["pinned"]] == [SKU], pins
                state = await _ok(http.get(f"/v1/live/{LIVE}/sales/{sale['sale_id']}", headers=_auth(viewer)))
                assert state["active"] and state["remaining"] == 2, state
                retried = await _ok(http.post(buy_url, json={"country": "SG", "order_id": "ord-retry-1"},
                                              headers=_auth(viewer)))
                assert retried == bought  # the first order, not a second one
                other = await _mint(http, key, identity="viewer-2", room=LIVE, role="audience")
                second_buy = await _ok(http.post(buy_url, json={"country": "SG"}, headers=_auth(other)))
                assert second_buy["order_id"] != bought["order_id"]
                state = await _ok(http.get(f"/v1/live/{LIVE}/sales/{sale['sale_id']}", headers=_auth(viewer)))
                assert state["remaining"] == 1, state
                # the host goes live again with the token from before the crash; the room still joins
                again = await _ok(http.post(f"/v1/live/{LIVE}/show", json={"title": "after"}, headers=_auth(host)))
                assert again["status"] == "live" and again["title"] == "after", again
                assert await _join_error(second.base, viewer, LIVE) is None
        finally:
            second.stop()
    finally:
        first.stop()
