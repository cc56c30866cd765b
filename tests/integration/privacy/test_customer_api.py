"""Export and erasure through the API of a running Souk (embedded broker: its in-memory ring too): the zip
holds each piece, erasure answers its report and closes her open assistant conversation, the running broker no longer serves her messages to late
joiners while the other customer's stay, and the audit log names both requests by the customer reference only."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import httpx

from souk.domain.audit import AuditQuery
from souk.privacy.erase import customer_ref
from tests.fixtures.browser import running_souk
from tests.integration.privacy.seed_customer import EMILY, LIAM, M, seed


async def test_export_and_erase_over_the_api(tmp_path: Path) -> None:
    async with running_souk(tmp_path / "souk", features=None) as souk:
        assert souk.merchant_id == M and souk.ctx.rtm is not None
        broker = souk.ctx.rtm.service.broker
        for p in (EMILY, LIAM):
            await seed(souk.ctx.storage, souk.settings.data_path, p, broker=broker)
        assistant: Any = souk.ctx.assistant
        await assistant.open(M, EMILY.customer_id, EMILY.customer_id)  # her open conversation, in memory
        await assistant.open(M, LIAM.customer_id, LIAM.customer_id)
        headers = {"Authorization": f"Bearer {souk.api_key}"}
        async with httpx.AsyncClient(base_url=souk.base_url, headers=headers, timeout=120) as c:
            r = await c.post(f"/v1/privacy/customers/{EMILY.customer_id}/export",
                             json={"phones": [EMILY.phone]})
            assert r.status_code == 200 and r.headers["content-type"] == "application/zip", r.text[:300]
            with zipfile.ZipFile(io.BytesIO(r.content)) as z:
                names = z.namelist()
                manifest = json.loads(z.read(next(n for n in names if n.endswith("/manifest.json"))))
                chat = json.loads(z.read(next(n for n in names if n.endswith("/rtm_history.json"))))
            assert any(n.endswith(f"/files/recordings/recordings/{EMILY.room}/show-1/{EMILY.customer_id}-1.mjr")
                       for n in names), names
            assert not manifest["stores"]["desk"].get("error") and manifest["stores"]["desk"]["records"] == 1
            assert len(chat) == 3

            r = await c.post(f"/v1/privacy/customers/{EMILY.customer_id}/erase",
                             json={"confirm": EMILY.customer_id, "phones": [EMILY.phone]})
            assert r.status_code == 200, r.text
            view = r.json()
            assert view["ok"], json.dumps(view, indent=1)
            assert view["stores"]["rtm_history"]["deleted"] == 3
            assert str(souk.settings.data_path) not in r.text  # no server paths in the answer

            r = await c.post(f"/v1/privacy/customers/{EMILY.customer_id}/export")
            assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_customer"

        assert assistant.open_count(M, EMILY.customer_id) == 0 and assistant.open_count(M, LIAM.customer_id) == 1
        history = b"".join(raw for _, raw in await broker.history(f"{M}/live-1", since=None, limit=100))
        assert EMILY.phone.encode() not in history and EMILY.email.encode() not in history
        assert LIAM.phone.encode() in history
        ref = customer_ref(M, EMILY.customer_id)
        entries = await souk.ctx.storage.audit.search(M, AuditQuery(object_id=ref))
        assert sorted(e.action for e in entries) == ["privacy.erase", "privacy.export"]
        assert all(EMILY.customer_id not in json.dumps(dict(e.detail)) + e.object_id for e in entries)
