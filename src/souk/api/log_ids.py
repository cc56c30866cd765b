"""The ids a request concerns, bound to its log scope (souk.core.logctx) by the authentication dependencies
(souk.api.auth) and the sockets: the merchant of the credential, the token's room, and the call, conversation
or room named by the route's path parameters."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from souk.core.logctx import bind

# path parameter -> log id
PATH_IDS = {"call_id": "call", "session_id": "conversation", "conversation_id": "conversation",
            "room": "room", "room_id": "room"}


def bind_request(conn: HTTPConnection, merchant: str, room: str | None = None) -> None:
    ids: dict[str, object] = {"merchant": merchant}
    if room and room != "*":
        ids["room"] = room
    for param, value in conn.path_params.items():
        if (name := PATH_IDS.get(param)) is not None and isinstance(value, str):
            ids[name] = value
    bind(**ids)
