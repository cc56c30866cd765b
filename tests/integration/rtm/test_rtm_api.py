"""The RTM routes inside a real Souk app (uvicorn, storage seeded with the demo store)."""

from __future__ import annotations

import httpx

from souk.rtm.client import RtmClient


async def test_rest_publish_history_presence_and_asgi_socket(souk_rtm) -> None:  # type: ignore[no-untyped-def]
    souk = souk_rtm
    tokens = souk.ctx.tokens
    viewer_token = tokens.mint(merchant_id=souk.merchant_id, identity="viewer", room="live-7", role="audience")
    host_token = tokens.mint(merchant_id=souk.merchant_id, identity="host", room="live-7", role="host")
    async with httpx.AsyncClient(base_url=souk.base_url) as http:
        info = (await http.get("/v1/rtm/info")).json()
        assert info["ws_path"] == "/v1/rtm/ws" and info["ws_port"] is None  # rtm.port 0: served through ASGI
        viewer = await RtmClient(souk.base_url.replace("http", "ws") + "/v1/rtm/ws", viewer_token).connect()
        await viewer.join("live-7")
        api = {"Authorization": f"Bearer {souk.api_key}"}
        r = await http.post("/v1/rtm/channels/live-7/messages", headers=api,
                            json={"kind": "system", "body": {"pin": "sku-1"}, "id": "pin-1"})
        assert r.status_code == 200 and r.json() == {"seq": 1, "duplicate": False}
        r = await http.post("/v1/rtm/channels/live-7/messages", headers=api,
                            json={"kind": "system", "body": {"pin": "sku-1"}, "id": "pin-1"})
        assert r.json() == {"seq": 1, "duplicate": True}
        await viewer.publish("live-7", "<img src=x onerror=alert(1)>")
        await viewer.until(lambda: len(viewer.messages.get("live-7", [])) == 2)
        assert [m["from"] for m in viewer.messages["live-7"]] == ["server", "viewer"]

        hist = (await http.get("/v1/rtm/channels/live-7/messages?since=0",
                               headers={"Authorization": f"Bearer {viewer_token}"})).json()
        assert [m["seq"] for m in hist["messages"]] == [1, 2]
        members = (await http.get("/v1/rtm/channels/live-7/presence",
                                  headers={"Authorization": f"Bearer {viewer_token}"})).json()["members"]
        assert [m["id"] for m in members] == ["viewer"]

        r = await http.post("/v1/rtm/channels/live-7/messages", json={"body": "x" * 10_000},
                            headers={"Authorization": f"Bearer {viewer_token}"})
        assert r.status_code == 413 and r.json()["error"]["code"] == "message_too_large"
        r = await http.post("/v1/rtm/channels/live-7/moderation", json={"action": "mute", "user": "viewer"},
                            headers={"Authorization": f"Bearer {viewer_token}"})
        assert r.status_code == 403
        r = await http.post("/v1/rtm/channels/live-7/moderation", json={"action": "kick", "user": "viewer"},
                            headers={"Authorization": f"Bearer {host_token}"})
        assert r.status_code == 200 and r.json()["seq"] == 3
        await viewer.until(lambda: viewer.close_code is not None)
        assert viewer.close_code == 4403
        r = await http.get("/v1/rtm/channels/live-7/messages")
        assert r.status_code == 401
