"""AI processing withdrawn (docs/privacy.md "Consent"): the shopper's next message is never answered by the AI;
it goes to the desk's humans (the conversation handed over, the shopper told) on the socket and over REST;
allowing the AI again brings its answers back."""

from __future__ import annotations

from pathlib import Path

import pytest

from souk.assistant.offline import OfflineBrain
from souk.domain.consent import Channel, ConsentKind
from tests.fixtures.assistant import brain, snap
from tests.integration.api.desk_app import A, desk_souk

__all__ = ["brain", "snap"]

pytestmark = pytest.mark.timeout(120)

SHOPPER = "C-518"


async def test_ai_withdrawn_goes_to_a_person_and_back(tmp_path: Path, brain: OfflineBrain) -> None:
    async with desk_souk(tmp_path / "souk", brain) as souk:
        consent = souk.ctx.consent
        assert consent is not None
        shopper = await souk.ws("/v1/agent/ws", souk.token(SHOPPER), language="es")
        sid = (await shopper.wait_type("ready"))["session_id"]
        await shopper.send(type="message", text="¿Dónde está mi pedido 1036?")
        assert (await shopper.wait_type("reply", timeout=90))["language"] == "es"  # the AI, before

        await consent.answer(A, SHOPPER, ConsentKind.AI_PROCESSING, False, channel=Channel.WIDGET, language="es")
        n = len(shopper.frames)
        await shopper.send(type="message", text="Quiero saber el envío a Madrid")
        sent = await shopper.wait_type("sent", after=n)
        assert sent["ai"] == "declined" and sent["status"] in ("queued", "assigned", "waiting"), sent
        assert sent["text"]  # told what happens now, in their language
        assert not [f for f in shopper.frames[n:] if f["type"] == "reply"]  # the AI said nothing
        conv = await souk.ctx.storage.desk.get(A, sid)
        texts = [getattr(e, "text", "") for _, e in await souk.ctx.storage.desk.events(A, sid)]
        assert "Quiero saber el envío a Madrid" in texts, texts
        assert conv.status.value != "ai"

        # over REST too
        async with souk.http(souk.token(SHOPPER)) as c:
            r = await c.post(f"/v1/agent/sessions/{sid}/messages", json={"text": "¿Y a Lisboa?"})
            assert r.status_code == 200 and r.json()["type"] == "sent" and r.json()["ai"] == "declined", r.text
            await consent.answer(A, SHOPPER, ConsentKind.AI_PROCESSING, True, channel=Channel.WIDGET, language="es")
            r = await c.post(f"/v1/agent/sessions/{sid}/messages", json={"text": "¿Cuánto cuesta el envío a España?"})
            assert r.status_code == 200 and r.json().get("type") != "sent" and r.json()["text"], r.text
