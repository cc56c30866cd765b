"""A widget resuming its assistant session on a node that does not hold it (the node that did died, or this one
restarted): the session continues there under its id while its desk conversation waits for or is with a person,
with the desk events the widget missed (``after=``); never another shopper's, never an AI-only one (those start
anew). One Souk restarted over the same SQLite file stands in for the node that takes over (the two-node case:
tests/integration/multinode/test_desk_nodes.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from souk.assistant.offline import OfflineBrain
from tests.fixtures.assistant import brain, snap
from tests.integration.api.desk_app import desk_souk, online_agent

__all__ = ["brain", "snap"]

pytestmark = pytest.mark.timeout(120)

SHOPPER = "C-518"  # a demo customer (orders 1036 ...)


async def test_a_session_with_a_person_resumes_on_the_node_that_takes_over(tmp_path: Path,
                                                                            brain: OfflineBrain) -> None:
    async with desk_souk(tmp_path / "souk", brain) as souk:
        keys = souk.keys
        ana = await online_agent(souk, "ana")
        shopper = await souk.ws("/v1/agent/ws", souk.token(SHOPPER), language="en")
        sid = (await shopper.wait_type("ready"))["session_id"]
        await shopper.send(type="human")
        await shopper.wait_for(lambda f: f.get("type") == "desk_status" and "text" in f)
        assert (await ana.wait_type("assigned"))["conversation"]["id"] == sid
        async with souk.http(souk.staff("ana")) as c:
            r = await c.post(f"/v1/desk/conversations/{sid}/messages", json={"text": "Hello, Ana here."})
            assert r.status_code == 200, r.text
        seen = await shopper.wait_for(lambda f: f.get("type") == "desk" and f["event"]["kind"] == "agent_message")
        last = seen["event"]["seq"]
        # an AI-only session of another shopper, gone with the node too
        other = await souk.ws("/v1/agent/ws", souk.token("C-777"), language="en")
        ai_only = (await other.wait_type("ready"))["session_id"]
        await other.send(type="message", text="Where is my order 1036?")
        await other.wait_type("reply", timeout=30)
        await shopper.aclose()
        await other.aclose()
        await ana.aclose()
    async with desk_souk(tmp_path / "souk", brain, keys=keys) as again:
        ana = await online_agent(again, "ana")  # back within the grace: still hers
        async with again.http(again.staff("ana")) as c:
            r = await c.post(f"/v1/desk/conversations/{sid}/messages", json={"text": "Still there?"})
            assert r.status_code == 200, r.text
        # another shopper cannot take the session over, nor resume a session with no person in it
        thief = await again.ws("/v1/agent/ws", again.token("C-777"), session=sid)
        assert (await thief.wait_type("error"))["code"] == "unknown_conversation"
        assert await thief.wait_closed() == 4404
        gone = await again.ws("/v1/agent/ws", again.token("C-777"), session=ai_only)
        assert (await gone.wait_type("error"))["code"] == "unknown_conversation"
        assert await gone.wait_closed() == 4404
        # the shopper resumes: the missed reply, then the conversation goes on with the person
        back = await again.ws("/v1/agent/ws", again.token(SHOPPER), session=sid, after=str(last))
        assert (await back.wait_type("ready")) == {"type": "ready", "session_id": sid, "resumed": True}
        status = await back.wait_type("desk_status")
        assert status["status"] == "assigned" and status["notice"]["agent_name"] == "Ana", status
        missed = await back.wait_for(lambda f: f.get("type") == "desk" and f["event"]["kind"] == "agent_message")
        assert missed["event"]["text"] == "Still there?" and missed["event"]["seq"] > last, missed
        assert [f["event"]["text"] for f in back.frames if f.get("type") == "desk"] == ["Still there?"]
        n = len(back.frames)
        await back.send(type="message", text="Yes, thanks!")
        sent = await back.wait_type("sent", after=n)
        assert sent["status"] == "assigned", sent
        await ana.wait_for(lambda f: f.get("type") == "event" and f["event"].get("text") == "Yes, thanks!")
        # the same shopper cannot open it twice on this node: a second resume is the same session, not a copy
        twice = await again.ws("/v1/agent/ws", again.token(SHOPPER), session=sid)
        assert (await twice.wait_type("ready"))["session_id"] == sid
        await twice.aclose()
        await back.aclose()
        await ana.aclose()
