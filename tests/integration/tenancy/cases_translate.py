"""Cases for reader translation (docs/translation.md): B's credentials translate nothing of A's: A's chat
messages in the shared live room's channel name are not B's (B's reader gets them as missing), and A's desk
conversation is 404 for B's staff and B's shopper."""

from __future__ import annotations

from tests.integration.tenancy.cases_desk import _a_desk, b_desk_host
from tests.integration.tenancy.tenancy_app import A_ONLY_CUSTOMER, A_ONLY_ROOM, LIVE, MARK, B, Tenancy
from tests.integration.tenancy.tenancy_registry import (
    Then,
    b_host,
    b_key,
    b_shopper,
    b_staff,
    b_viewer,
    clean,
    covers,
    not_found,
)


@covers("POST", "/v1/rtm/channels/{ch}/translations")
async def chat_translations(t: Tenancy) -> None:
    # A's live channel already holds A's chat ("a-secret chat"): B's readers get none of it
    for cred, room in ((b_viewer(t), LIVE), (b_host(t), LIVE), (b_key(t), LIVE),
                       (t.token(B, A_ONLY_CUSTOMER, A_ONLY_ROOM, "member"), A_ONLY_ROOM)):
        async with t.http(cred) as c:
            r = await c.post(f"/v1/rtm/channels/{room}/translations", json={"to": "en", "seqs": list(range(1, 20))})
            body = clean(t, r)
            assert all(MARK not in x["source_text"] for x in body["translations"]), body


@covers("POST", "/v1/desk/conversations/{conversation_id}/translations")
async def desk_translations(t: Tenancy) -> Then:
    then = await _a_desk(t)
    for cred in (b_staff(t), b_desk_host(t), b_shopper(t, A_ONLY_CUSTOMER)):
        async with t.http(cred) as c:
            r = await c.post(f"/v1/desk/conversations/{t.a['conv_id']}/translations",
                             json={"to": "en", "seqs": [1, 2, 3]})
            not_found(t, r, "conversation_not_found")
    async with t.http(b_key(t)) as c:
        r = await c.post(f"/v1/desk/conversations/{t.a['conv_id']}/translations", json={"to": "en", "seqs": [1]})
        clean(t, r, 401, 403)
    return then


@covers("GET", "/v1/translate/languages")
async def translate_languages(t: Tenancy) -> None:
    async with t.http(b_viewer(t)) as c:
        body = clean(t, await c.get("/v1/translate/languages"))
        assert isinstance(body["directions"], list)
