"""The SDK in Chromium keeps its TURN credentials fresh (sdk/ice.js): with 10 s credentials the client asks
``GET /v1/ice-servers`` at half their life and replaces ``welcome.ice_servers`` with later-expiring ones
naming the same merchant and identity. No media plane: Souk signs credentials for an external relay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.browser import CORE_FEATURES, running_souk

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

CONNECT = """async (token) => {
  const souk = await import("/static/sdk/souk.js");
  const client = await souk.connect({ token });
  window.__c = client;
  window.__events = [];
  client.on("ice_servers", (b) => window.__events.push(b.expires_at));
  return client.welcome.ice_servers.map((s) => s.username);
}"""


async def test_sdk_refreshes_turn_credentials_before_they_expire(tmp_path: Path, chromium: Any) -> None:
    turn = {"mode": "external", "urls": ["turn:127.0.0.1:3478?transport=udp"], "secret": "refresh-secret",
            "credential_ttl_s": 10}
    async with running_souk(tmp_path / "souk", turn=turn, features=(*CORE_FEATURES, "souk.api.routes.ice")) as s:
        token = s.ctx.tokens.mint(merchant_id=s.merchant_id, identity="seller-1", room="*", role="agent")
        page = await (await chromium.new_context()).new_page()
        await page.goto(f"{s.base_url}/static/sdk/souk.js")
        [first] = await page.evaluate(CONNECT, str(token))
        await page.wait_for_function("() => window.__events.length >= 1", timeout=15_000)
        [now] = await page.evaluate("() => window.__c.welcome.ice_servers.map((s) => s.username)")
        events = await page.evaluate("() => window.__events")
        await page.evaluate("() => window.__c.close()")
    f_exp, merchant, who = first.split(":", 2)
    n_exp, n_merchant, n_who = now.split(":", 2)
    assert (n_merchant, n_who) == (merchant, who) == (s.merchant_id, "seller-1")
    assert int(n_exp) >= int(f_exp) + 4 and events[0] == int(n_exp)  # asked about 5 s in, 10 s more
