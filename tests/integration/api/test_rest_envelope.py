"""Hostile bodies against a real Souk (uvicorn): every answer is the error envelope with a stable code."""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures.browser import Souk


@pytest.mark.parametrize(("body", "status", "code"), [
    (b'{"kind": "live",', 400, "bad_json"),
    (b'{"kind": "live", "metadata": ' + b"[" * 970 + b"]" * 970 + b"}", 400, "bad_json"),
    (b'{"kind": "live", "metadata": {"pad": "' + b"x" * (2 * 1024 * 1024) + b'"}}', 413, "body_too_large"),
    (b'{"kind": "disco"}', 422, "invalid_request"),
    (b'{"kind": "live", "room_id": "lobby"}', 400, "reserved_room_id"),
])
async def test_hostile_bodies_get_the_envelope_and_change_nothing(souk: Souk, body: bytes, status: int,
                                                                   code: str) -> None:
    headers = {"Authorization": f"Bearer {souk.api_key}", "content-type": "application/json"}
    async with httpx.AsyncClient(base_url=souk.base_url, headers=headers, timeout=30) as c:
        before = (await c.get("/v1/rooms")).json()
        r = await c.post("/v1/rooms", content=body)
        assert r.status_code == status, r.text
        assert r.json()["error"]["code"] == code
        assert (await c.get("/v1/rooms")).json() == before  # nothing was created
        ok = await c.get("/v1/rooms", params={"limit": 5})  # the server is still serving
        assert ok.status_code == 200


async def test_framework_answers_use_the_envelope(souk: Souk) -> None:
    async with httpx.AsyncClient(base_url=souk.base_url, timeout=10) as c:
        missing = await c.get("/v1/no-such-thing")
        wrong = await c.put("/v1/rooms")
        bad_room = await c.get("/v1/rooms/lobby", headers={"Authorization": f"Bearer {souk.api_key}"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"
    assert bad_room.status_code == 422 and bad_room.json()["error"]["code"] == "invalid_request"
