"""REST show start/end take the moderate privilege from the token, not the role alone (the issue: a host token
minted with no privileges started and ended shows)."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.fixtures.browser import CORE_FEATURES, bearer, running_souk

ROOM = "live-9"
FEATURES = (*CORE_FEATURES, "souk.api.routes.rtm", "souk.api.routes.live", "souk.api.routes.stage")


async def test_show_start_and_end_need_the_privilege_not_only_the_role(tmp_path: Path) -> None:
    async with running_souk(tmp_path / "souk", features=FEATURES) as s, \
            httpx.AsyncClient(base_url=s.base_url) as http:
        key = {"Authorization": f"Bearer {s.api_key}"}
        bare = (await http.post("/v1/tokens", headers=key, json={"identity": "h", "room": ROOM, "role": "host",
                                                                 "privileges": []})).json()["token"]
        for path in ("show", "show/end"):
            r = await http.post(f"/v1/live/{ROOM}/{path}", headers=bearer(bare), json={})
            assert r.status_code == 403 and r.json()["error"]["code"] == "privilege_missing", r.text
        full = (await http.post("/v1/tokens", headers=key,
                                json={"identity": "h", "room": ROOM, "role": "host"})).json()["token"]
        r = await http.post(f"/v1/live/{ROOM}/show", headers=bearer(full), json={})
        assert r.status_code == 503 and r.json()["error"]["code"] == "media_unavailable"  # past the check
