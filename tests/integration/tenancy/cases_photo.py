"""Cases for photo questions (POST /v1/agent/sessions/{id}/photo): merchant B's shoppers cannot send a photo into
merchant A's conversation (404, the conversation of another merchant does not exist for them), and a photo in
B's own conversation answers about B's store alone."""

from __future__ import annotations

from tests.fixtures.photo_bytes import photo
from tests.integration.tenancy.tenancy_app import A_ONLY_CUSTOMER, Tenancy
from tests.integration.tenancy.tenancy_registry import b_shopper, clean, covers, not_found

JPEG = {"Content-Type": "image/jpeg"}


@covers("POST", "/v1/agent/sessions/{session_id}/photo")
async def agent_photo(t: Tenancy) -> None:
    image = photo("bag_64x48.jpg")
    for identity in (A_ONLY_CUSTOMER, "shopper-1"):  # the owner's identity, and another
        async with t.http(b_shopper(t, identity)) as c:
            r = await c.post(f"/v1/agent/sessions/{t.a['conv_id']}/photo", content=image, headers=JPEG)
            not_found(t, r, "unknown_conversation")
    async with t.http(b_shopper(t, A_ONLY_CUSTOMER)) as c:
        sid = clean(t, await c.post("/v1/agent/sessions", json={}))["session_id"]
        body = clean(t, await c.post(f"/v1/agent/sessions/{sid}/photo", content=image, headers=JPEG))
        assert body["metadata"]["intent"] == "photo_search" and body["text"]
        clean(t, await c.delete(f"/v1/agent/sessions/{sid}"))
