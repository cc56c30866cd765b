"""Cases for the desk: the staff routes (/v1/desk/...) and the shopper's desk routes of the assistant, driven
with merchant B's credentials at merchant A's conversation, staff profile and settings.

A's desk state is made once through A's own credentials (``_a_desk``): A's shopper (the assistant conversation
of tenancy_app.populate) asked for a person, so it waits in A's queue with its packet; A's staff member
``seller-1`` (the identity B's staff token uses too) has a profile; A's settings hold a canned reply. Each case
returns a check that none of it changed.
"""

from __future__ import annotations

from typing import Any

from tests.integration.tenancy.tenancy_app import A_ONLY_CUSTOMER, MARK, A, B, Tenancy
from tests.integration.tenancy.tenancy_registry import (
    Then,
    b_host,
    b_key,
    b_shopper,
    b_staff,
    clean,
    covers,
    not_found,
)

A_AGENT = "seller-1"


def a_staff(t: Tenancy) -> str:
    return t.token(A, A_AGENT, "*", "agent")


def b_desk_host(t: Tenancy) -> str:
    return t.token(B, "host-1", "*", "host")


async def _a_desk_view(t: Tenancy) -> Any:
    conv = t.a["conv_id"]
    async with t.http(a_staff(t)) as c:
        got = (await c.get(f"/v1/desk/conversations/{conv}")).json()
        agents = (await c.get("/v1/desk/agents")).json()
        settings = (await c.get("/v1/desk/settings")).json()
        inbox = (await c.get("/v1/desk/conversations")).json()
    for row in [got["conversation"], *inbox["conversations"]]:
        row.pop("waiting_s", None)  # the clock moves on
    return got, agents, settings, inbox


async def _a_desk(t: Tenancy) -> Then:
    """A's desk state (made once) and the check that B changed none of it."""
    if "desk" not in t.ids:
        async with t.http(t.keys[A]) as key:
            r = await key.put(f"/v1/desk/agents/{A_AGENT}", json={"name": f"{MARK} agent", "capacity": 2,
                                                                   "skills": {"languages": ["de"]}})
            assert r.status_code == 200, r.text
            r = await key.put("/v1/desk/settings", json={"canned": [
                {"id": "greet", "title": f"{MARK} greeting", "texts": {"en": f"{MARK} hello"}}]})
            assert r.status_code == 200, r.text
        async with t.http(t.token(A, A_ONLY_CUSTOMER, "lobby", "member")) as shopper:
            r = await shopper.post(f"/v1/agent/sessions/{t.a['conv_id']}/human", json={"language": "en"})
            assert r.status_code == 200 and r.json()["status"] == "queued", r.text
        t.ids["desk"] = "made"
    before = await _a_desk_view(t)
    assert before[0]["conversation"]["status"] == "queued" and before[0]["packet"] is not None

    async def a_desk_unchanged() -> None:
        after = await _a_desk_view(t)
        assert after == before, f"B changed A's desk: {before} -> {after}"
    return a_desk_unchanged


async def _conversation_of_a(t: Tenancy, method: str, suffix: str = "", body: Any = None) -> Then:
    then = await _a_desk(t)
    for cred in (b_staff(t), b_desk_host(t)):
        async with t.http(cred) as c:
            r = await c.request(method, f"/v1/desk/conversations/{t.a['conv_id']}{suffix}", json=body)
            not_found(t, r, "conversation_not_found")
    for cred in (b_key(t), b_host(t), b_shopper(t, A_ONLY_CUSTOMER)):  # not desk staff at all
        async with t.http(cred) as c:
            r = await c.request(method, f"/v1/desk/conversations/{t.a['conv_id']}{suffix}", json=body)
            clean(t, r, 401, 403)
    return then


@covers("GET", "/v1/desk/conversations")
async def desk_inbox(t: Tenancy) -> Then:
    then = await _a_desk(t)
    for cred in (b_staff(t), b_desk_host(t)):
        async with t.http(cred) as c:
            for params in ({}, {"status": "queued"}, {"agent": A_AGENT}):  # B's own only (its consult calls')
                rows = clean(t, await c.get("/v1/desk/conversations", params=params))["conversations"]
                assert all(row["id"] != t.a["conv_id"] and row["status"] != "queued" for row in rows), rows
    return then


@covers("GET", "/v1/desk/conversations/{conversation_id}")
async def desk_conversation(t: Tenancy) -> Then:
    return await _conversation_of_a(t, "GET")


@covers("POST", "/v1/desk/conversations/{conversation_id}/claim")
async def desk_claim(t: Tenancy) -> Then:
    return await _conversation_of_a(t, "POST", "/claim")


@covers("POST", "/v1/desk/conversations/{conversation_id}/messages")
async def desk_reply(t: Tenancy) -> Then:
    await _conversation_of_a(t, "POST", "/messages", {"canned_id": "greet"})
    return await _conversation_of_a(t, "POST", "/messages", {"text": "acme says hi"})


@covers("POST", "/v1/desk/conversations/{conversation_id}/notes")
async def desk_note(t: Tenancy) -> Then:
    return await _conversation_of_a(t, "POST", "/notes", {"text": "acme note"})


@covers("POST", "/v1/desk/conversations/{conversation_id}/transfer")
async def desk_transfer(t: Tenancy) -> Then:
    await _conversation_of_a(t, "POST", "/transfer", {"queue": "en"})
    return await _conversation_of_a(t, "POST", "/transfer", {"agent_id": A_AGENT})


@covers("POST", "/v1/desk/conversations/{conversation_id}/handback")
async def desk_handback(t: Tenancy) -> Then:
    return await _conversation_of_a(t, "POST", "/handback")


@covers("POST", "/v1/desk/conversations/{conversation_id}/close")
async def desk_close(t: Tenancy) -> Then:
    return await _conversation_of_a(t, "POST", "/close", {"resolution": "spam"})


@covers("POST", "/v1/desk/conversations/{conversation_id}/video")
async def desk_video(t: Tenancy) -> Then:
    return await _conversation_of_a(t, "POST", "/video")


@covers("GET", "/v1/desk/queues")
async def desk_queues(t: Tenancy) -> Then:
    then = await _a_desk(t)
    async with t.http(b_staff(t)) as c:
        body = clean(t, await c.get("/v1/desk/queues"))
    assert body["queues"] == [] and all(a["id"] != A_AGENT or "a-secret" not in a["name"] for a in body["agents"])
    return then


@covers("PUT", "/v1/desk/presence")
async def desk_presence(t: Tenancy) -> Then:
    then = await _a_desk(t)
    async with t.http(b_staff(t)) as c:  # B's seller-1: unknown to B's desk, A's seller-1 untouched
        r = await c.put("/v1/desk/presence", json={"presence": "online"})
        clean(t, r, 200, 404)
    return then


@covers("GET", "/v1/desk/metrics")
async def desk_metrics(t: Tenancy) -> Then:
    then = await _a_desk(t)
    async with t.http(b_staff(t)) as c:
        body = clean(t, await c.get("/v1/desk/metrics", params={"days": 30}))
    assert body["merchant_id"] == B and "explicit_request" not in body["handoff_reasons"]
    return then


@covers("GET", "/v1/desk/sla")
async def desk_sla(t: Tenancy) -> Then:
    then = await _a_desk(t)
    async with t.http(b_staff(t)) as c:
        assert clean(t, await c.get("/v1/desk/sla")) == {"warnings": []}
    return then


@covers("GET", "/v1/desk/agents")
async def desk_agents(t: Tenancy) -> Then:
    then = await _a_desk(t)
    for cred in (b_key(t), b_staff(t)):
        async with t.http(cred) as c:
            assert A_AGENT not in [a["id"] for a in clean(t, await c.get("/v1/desk/agents"))["agents"]]
    return then


@covers("GET", "/v1/desk/agents/{agent_id}")
async def desk_agent(t: Tenancy) -> Then:
    then = await _a_desk(t)
    for cred in (b_key(t), b_staff(t)):
        async with t.http(cred) as c:
            not_found(t, await c.get(f"/v1/desk/agents/{A_AGENT}"), "agent_not_found")
    return then


@covers("PUT", "/v1/desk/agents/{agent_id}")
async def desk_put_agent(t: Tenancy) -> Then:
    then = await _a_desk(t)
    async with t.http(b_staff(t)) as c:  # an agent token may not change profiles
        clean(t, await c.put(f"/v1/desk/agents/{A_AGENT}", json={"name": "acme"}), 403)
    async with t.http(b_key(t)) as c:  # B's own profile of the same id
        made = clean(t, await c.put(f"/v1/desk/agents/{A_AGENT}", json={"name": "acme seller"}))
        assert made["name"] == "acme seller"
        clean(t, await c.delete(f"/v1/desk/agents/{A_AGENT}"))
    return then


@covers("DELETE", "/v1/desk/agents/{agent_id}")
async def desk_delete_agent(t: Tenancy) -> Then:
    then = await _a_desk(t)
    async with t.http(b_key(t)) as c:
        not_found(t, await c.delete(f"/v1/desk/agents/{A_AGENT}"), "agent_not_found")
    async with t.http(b_desk_host(t)) as c:
        not_found(t, await c.delete(f"/v1/desk/agents/{A_AGENT}"), "agent_not_found")
    return then


@covers("GET", "/v1/desk/settings")
async def desk_settings(t: Tenancy) -> Then:
    then = await _a_desk(t)
    for cred in (b_key(t), b_staff(t)):
        async with t.http(cred) as c:
            assert clean(t, await c.get("/v1/desk/settings"))["canned"] == []
    return then


@covers("PUT", "/v1/desk/settings")
async def desk_put_settings(t: Tenancy) -> Then:
    then = await _a_desk(t)
    async with t.http(b_key(t)) as c:
        body = clean(t, await c.put("/v1/desk/settings", json={
            "canned": [{"id": "greet", "title": "acme", "texts": {"en": "acme hello"}}], "max_wait_s": 30}))
        assert body["canned"][0]["title"] == "acme"
        clean(t, await c.put("/v1/desk/settings", json={"canned": [], "max_wait_s": 120}))
    return then


# ------------------------------------------------------------------ the shopper's desk routes of the assistant


async def _shopper_route_of_a(t: Tenancy, method: str, suffix: str, body: Any, code: str) -> Then:
    then = await _a_desk(t)
    for identity in (A_ONLY_CUSTOMER, "shopper-1"):  # the owner's identity, and another
        async with t.http(b_shopper(t, identity)) as c:
            r = await c.request(method, f"/v1/agent/sessions/{t.a['conv_id']}{suffix}", json=body)
            not_found(t, r, code)
    return then


@covers("POST", "/v1/agent/sessions/{session_id}/human")
async def agent_human(t: Tenancy) -> Then:
    return await _shopper_route_of_a(t, "POST", "/human", {}, "unknown_conversation")


@covers("POST", "/v1/agent/sessions/{session_id}/csat")
async def agent_csat(t: Tenancy) -> Then:
    return await _shopper_route_of_a(t, "POST", "/csat", {"score": 1, "comment": "acme"}, "conversation_not_found")


@covers("POST", "/v1/agent/sessions/{session_id}/email")
async def agent_email(t: Tenancy) -> Then:
    return await _shopper_route_of_a(t, "POST", "/email", {"email": "acme@example.com"}, "conversation_not_found")


@covers("GET", "/v1/agent/sessions/{session_id}/events")
async def agent_events(t: Tenancy) -> Then:
    return await _shopper_route_of_a(t, "GET", "/events", None, "conversation_not_found")


# ------------------------------------------------------------------ the desk's pages (shells: data comes from the API)

DESK_PAGE = "the desk page shell of merchant ?m= (its name only); every conversation comes from the staff API"


@covers("GET", "/desk", public=DESK_PAGE)
async def desk_page(t: Tenancy) -> None:
    async with t.http(b_key(t)) as c:
        body = clean(t, await c.get("/desk?m=acme"))
    assert "Acme Goods" in body and 'src="/static/pages/desk.js"' in body


@covers("GET", "/desk/metrics", public=DESK_PAGE)
async def desk_metrics_page(t: Tenancy) -> None:
    async with t.http(b_key(t)) as c:
        body = clean(t, await c.get("/desk/metrics?m=acme"))
    assert "Acme Goods" in body and 'src="/static/pages/desk-metrics.js"' in body
