"""The app's one ConsentService (souk.privacy.consent): built on first use from the context's storage, so the
stage, the signaling sessions, the assistant and the consent routes share it (a withdrawal reaches the
recorders of this process)."""

from __future__ import annotations

import logging
from typing import Any

from souk.api import shopper_desk
from souk.api.context import AppContext
from souk.assistant.service import AssistantService, Conversation
from souk.auth.tokens import AccessClaims
from souk.core.errors import Forbidden
from souk.domain.consent import Channel, ConsentError, ConsentKind
from souk.privacy.consent import ConsentService, bad_request

log = logging.getLogger(__name__)


def consent_service(ctx: AppContext) -> ConsentService:
    if ctx.consent is None:
        ctx.consent = ConsentService(ctx.storage.consent)
    return ctx.consent


def customer_of(claims: AccessClaims) -> str | None:
    """The signed-in customer a token names (``metadata.customer_id``), kept beside the token subject."""
    cid = claims.metadata.get("customer_id")
    return str(cid)[:128] if cid else None


async def standing_consent(ctx: AppContext, claims: AccessClaims) -> bool:
    """Whether the token's subject has a standing yes to recording (given before, on any channel)."""
    return await consent_service(ctx).may_record(claims.merchant_id, claims.identity)


async def record_stage_consent(ctx: AppContext, claims: AccessClaims, language: str, text_version: str | None) -> None:
    """A viewer agreed on the recording banner and is now on stage: store their yes (channel ``watch_page``)."""
    await consent_service(ctx).answer(claims.merchant_id, claims.identity, ConsentKind.RECORDING, True,
                                      channel=Channel.WATCH_PAGE, language=language, text_version=text_version,
                                      customer_id=customer_of(claims))


def check_wording(ctx: AppContext, language: str, text_version: str | None) -> None:
    """NotFound ``unknown_text_version`` unless the recording wording ``text_version`` exists in ``language``."""
    texts = consent_service(ctx).texts
    try:
        texts.check(ConsentKind.RECORDING, text_version or texts.current[ConsentKind.RECORDING], language)
    except ConsentError as exc:
        raise bad_request(exc) from exc


async def may_use_ai(ctx: AppContext, claims: AccessClaims) -> bool:
    """Unless the shopper said no to ``ai_processing`` (souk.domain.consent.may_process_with_ai). A process
    without storage (the assistant alone on the bundled demo store) keeps no consent records, so nobody there
    can have said no: the AI stops only on an explicit no."""
    if ctx.core is None:
        return True
    return await consent_service(ctx).may_use_ai(claims.merchant_id, claims.identity)


async def without_ai(ctx: AppContext, service: AssistantService, claims: AccessClaims, conv: Conversation, text: str,
                     language: str | None) -> dict[str, Any]:
    """A message from a shopper who withdrew AI processing: the AI never reads it. With the desk it goes to
    the humans (the conversation is handed over first, idempotently) and the shopper is told in their
    language; without a desk the message is refused (403 ``ai_declined``), never answered by the AI."""
    if ctx.desk is None:
        raise Forbidden("you asked not to be served by the AI assistant and no person can take this conversation "
                        "here; allow the assistant again, or contact the shop another way", code="ai_declined")
    answer = await shopper_desk.ask_for_person(ctx, service, claims, conv, language)
    seq = await ctx.desk.shopper_message(claims.merchant_id, conv.id, shopper=claims.identity, text=text)
    log.info("assistant: merchant=%s conversation %s: AI processing withdrawn, message to the desk", claims.merchant_id,
             conv.id)
    return {"type": "sent", "seq": seq, "ai": "declined", **answer}
