"""Messages in the reader's language (docs/translation.md): live chat/danmaku and desk conversations.

A reader names the messages (their ``seq``) and the language to read them in; the server reads them where they
are stored, with the reader's own rights, and answers each one translated or as written with the reason
(``unavailable_pair``, ``provider_error``, ``timeout``...): a translation problem is never an error here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from souk.api.auth import Claims, Ctx
from souk.api.context import AppContext
from souk.api.limit_deps import limits_of
from souk.api.limits import Who, client_address
from souk.api.openapi import errors
from souk.api.params import Channel
from souk.api.routes.desk import ConversationId, desk_service, is_desk_staff
from souk.api.routes.rtm import AUTH, JOIN, MAX_SEQ, _claims, _node
from souk.core.errors import Unavailable
from souk.domain.desk.timeline import AgentMessage, AiMessage, InternalNote, ShopperMessage
from souk.live.translation import MAX_MESSAGES, Item, ReaderTranslation, channel_items

router = APIRouter()

LANG = Field(pattern=r"^[a-z]{2}(-[A-Za-z]{2,4})?$", description="the reader's language (ISO 639-1, e.g. 'en')")
Seq = Annotated[int, Field(ge=1, le=MAX_SEQ)]


class TranslateIn(BaseModel):
    to: Annotated[str, LANG]
    seqs: list[Seq] = Field(min_length=1, max_length=MAX_MESSAGES, description="the messages' seq")


UNAVAILABLE = {503: ["translation_unavailable"]}
LIMITED = {429: ["rate_limited"]}


def _service(ctx: AppContext) -> ReaderTranslation:
    if ctx.translation is None:
        raise Unavailable("translation is not running on this server", code="translation_unavailable")
    return ctx.translation


@router.get("/v1/translate/languages", responses=errors(UNAVAILABLE))
async def languages(claims: Claims, ctx: Ctx) -> dict[str, Any]:
    """The directions the configured provider translates, as [source, target] pairs."""
    service = _service(ctx)
    return {"provider": service.translator.provider.name, "directions": await service.languages()}


@router.post("/v1/rtm/channels/{ch}/translations", responses=errors(AUTH, JOIN, UNAVAILABLE, LIMITED,
                                                                    {503: ["rtm_unavailable"]}))
async def chat_translations(ch: Channel, body: TranslateIn, request: Request, ctx: Ctx) -> dict[str, Any]:
    """Chat and danmaku messages of a channel in the reader's language (the original kept beside each)."""
    service = _service(ctx)
    claims = await _claims(request, ctx)
    await limits_of(ctx).translate(Who(claims.merchant_id, claims.identity, client_address(request)))
    items, missing = await channel_items(_node(ctx).service, claims, ch, body.seqs)
    out = await service.items(claims.merchant_id, items, body.to)
    return {"to": body.to, "translations": [_seq(t) for t in out], "missing": missing}


@router.post("/v1/desk/conversations/{conversation_id}/translations",
             responses=errors(UNAVAILABLE, LIMITED, {404: ["conversation_not_found"], 409: ["room_elsewhere"],
                                                        503: ["desk_unavailable"]}))
async def desk_translations(conversation_id: ConversationId, body: TranslateIn, claims: Claims, request: Request,
                            ctx: Ctx) -> dict[str, Any]:
    """A desk conversation's messages for its staff (every message and note) or its shopper (the messages)."""
    service = _service(ctx)
    await limits_of(ctx).translate(Who(claims.merchant_id, claims.identity, client_address(request)))
    desk = desk_service(ctx)
    staff = is_desk_staff(claims)
    if not staff:
        await desk.owned(claims.merchant_id, conversation_id, claims.identity)
    conv, events = await desk.conversation(claims.merchant_id, conversation_id)
    by_seq = {seq: e for seq, e in events}
    items: list[Item] = []
    for seq in body.seqs:
        event = by_seq.get(seq)
        # the shopper's lines and the AI's answers are in the conversation's language; a person's: detected
        if isinstance(event, ShopperMessage | AiMessage):
            items.append(Item(seq, event.text, conv.language))
        elif isinstance(event, AgentMessage) or (staff and isinstance(event, InternalNote)):
            items.append(Item(seq, event.text))
    found = {i.id for i in items}
    out = await service.items(claims.merchant_id, items, body.to)
    return {"to": body.to, "translations": [_seq(t) for t in out],
            "missing": sorted({s for s in body.seqs if s not in found})}


def _seq(t: dict[str, Any]) -> dict[str, Any]:
    t = dict(t)
    t["seq"] = t.pop("id")
    return t

