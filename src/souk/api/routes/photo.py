"""A photo sent into an assistant conversation ("do you have this?"; docs/agent.md, "Photo questions").

  POST /v1/agent/sessions/{id}/photo?language=   body: the image's bytes (Content-Type image/jpeg, image/png or
                                                  image/webp; the type is read from the bytes)
       -> a reply like a text turn (text, language, handoff, handoff_reason, tool_calls, cards, metadata)

Same credential and conversation as ``POST .../messages`` (souk.api.routes.agent): another shopper's or another
merchant's session is ``404 unknown_conversation``. The photo is checked before anything looks at it (size,
JPEG/PNG/WebP magic bytes, pixel size from the header): ``400 empty_image / bad_image``,
``413 image_too_large / image_dimensions_too_large``, ``415 unsupported_image_type``; a refused photo changes
nothing in the conversation. A vision provider that is slow or down gives a clear answer (200), never a hang.
The turn lands on the desk timeline as ``[photo] <what was seen>``; while a person has the conversation a photo
is refused ``409 photo_with_person`` (people get words, the AI gets photos).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from souk.api import shopper_desk
from souk.api.auth import Claims, Ctx
from souk.api.context import AppContext
from souk.api.openapi import errors
from souk.api.params import SessionId
from souk.api.routes.agent import REPLY_TIMEOUT_S, SESSION, _limits, _service, _who, reply_body
from souk.assistant.photo import PhotoSearch
from souk.assistant.photo_image import MIME
from souk.core.errors import Conflict, Timeout, Unavailable
from souk.domain.desk.timeline import Status

router = APIRouter()

PHOTO_ERRORS = {
    400: ["empty_image", "bad_image"],
    409: ["photo_with_person"],
    413: ["image_too_large", "image_dimensions_too_large"],
    415: ["unsupported_image_type"],
    429: ["rate_limited"],
    503: ["photo_unavailable"],
    504: ["assistant_timeout"],
}
_BODY = {"requestBody": {"required": True, "description": "the photo's bytes: JPEG, PNG or WebP",
                         "content": {mime: {"schema": {"type": "string", "format": "binary"}}
                                     for mime in MIME.values()}}}


def _photo(ctx: AppContext) -> PhotoSearch:
    if ctx.photo is None:
        raise Unavailable("photo questions are not served by this server", code="photo_unavailable")
    return ctx.photo


@router.post("/v1/agent/sessions/{session_id}/photo", responses=errors(SESSION, PHOTO_ERRORS),
             openapi_extra=_BODY)
async def send_photo(session_id: SessionId, claims: Claims, ctx: Ctx, request: Request,
                     language: Annotated[str | None, Query(max_length=8, pattern=r"^[A-Za-z-]{2,8}$",
                                                           description="the shopper's language, until the "
                                                                       "conversation shows it")] = None,
                     ) -> dict[str, Any]:
    """Find the merchant's products closest to the photo; the answer carries them as product cards."""
    service = _service(ctx)
    photo = _photo(ctx)
    conv = service.get(session_id, claims.merchant_id, claims.identity)
    if ctx.desk is not None and await shopper_desk.status_of(ctx.desk, claims, conv.id) is Status.ASSIGNED:
        raise Conflict("a person has this conversation: describe the item in words", code="photo_with_person")
    await _limits(ctx).assistant_message(_who(ctx, claims, request), "")
    data = await request.body()
    info = photo.check(data)
    try:
        reply, said = await asyncio.wait_for(photo.reply(conv, data, info, language=language), REPLY_TIMEOUT_S)
    except TimeoutError as exc:
        raise Timeout("the assistant took too long to answer", code="assistant_timeout") from exc
    body = reply_body(reply)
    await shopper_desk.after_ai_turn(ctx, service, claims, conv, said, reply, body)
    return body
