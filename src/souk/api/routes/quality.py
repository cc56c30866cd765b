"""Call quality (docs/quality.md): browsers' reports in, the ops page's figures out.

- ``POST /v1/quality/reports``: any access token, for its own room (a staff token: any room of its merchant).
  The body is a compact cumulative getStats summary of one join (souk/web/static/sdk/quality.js); bodies over
  8 KiB are ``413 report_too_large``, out-of-range values ``422 invalid_request``, inconsistent ones ``400
  bad_report`` (naming the field), a flood ``429 rate_limited``. A retried report (same or older ``seq``) is
  accepted and changes nothing (``stored: false``).
- ``POST /v1/quality/janus-events``: Janus's event handler (sampleevh, HTTP Basic ``janus`` and the shared
  secret, souk.media.evh); its media statistics join the publishers' records (``server``).
- ``GET /v1/quality/dashboard``, ``/sales``, ``/rooms/{room}``: the merchant's API key or a staff token (room
  ``*``; role agent or host, or the moderate/admin privilege). Another merchant's room is 404 as a missing one.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from souk.api.audit import audited
from souk.api.auth import TOKEN_ERRORS, Claims, Ctx, is_staff, key_or_token
from souk.api.context import AppContext
from souk.api.limit_deps import limits_of
from souk.api.limits import Who, client_address
from souk.api.openapi import errors, raises
from souk.api.params import ROOM_ID_PATTERN, RoomId
from souk.auth.tokens import ANY_ROOM, AccessClaims, Role
from souk.core.errors import BadRequest, Forbidden, NotFound, Unauthenticated
from souk.domain import quality as q
from souk.media.evh import EVENTS_USER, load_events_secret, parse_media_stats
from souk.ops.quality import QualityService, Reporter

router = APIRouter(prefix="/v1/quality", tags=["quality"])

STAFF_ONLY = {403: ["staff_only"]}
OPS_ROLES = (Role.AGENT, Role.HOST)


# ---------------------------------------------------------------- the report's body


Network = Literal["wifi", "cellular", "ethernet", "other", "unknown"]
Failure = Literal["ice_failed", "no_media", "publish_failed", "subscribe_failed", "signaling_failed"]
# the schema's spelling of souk.domain.quality.NETWORKS / FAILURES (tests/integration/quality keeps them equal)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Count = Annotated[int, Field(ge=0, le=q.MAX_COUNTER)]
Events = Annotated[int, Field(ge=0, le=q.MAX_EVENTS)]
Millis = Annotated[float, Field(ge=0, le=q.MAX_ELAPSED_MS)]


class AudioIn(_Strict):
    packets_received: Count = 0
    packets_lost: Count = 0
    fec_packets_received: Count = 0
    concealed_samples: Count = 0
    total_samples_received: Count = 0
    concealment_events: Events = 0


class VideoIn(_Strict):
    packets_received: Count = 0
    packets_lost: Count = 0
    retransmitted_packets_received: Count = 0
    frames_decoded: Count = 0
    freeze_count: Events = 0
    total_freezes_duration_ms: Millis = 0.0
    video_ms: Millis = Field(default=0.0, description="time since the first decoded frame")
    layer_switches: Events = 0


class ReportIn(_Strict):
    """Cumulative since the join (summed over the join's peer connections), plus the latest RTT and jitter."""

    session: str = Field(pattern=q.SESSION_PATTERN, description="the join's id, made by the browser")
    room: str = Field(pattern=ROOM_ID_PATTERN)
    seq: int = Field(ge=0, le=10_000_000, description="increases with every report of the join")
    elapsed_ms: Millis = Field(description="since the join began")
    first_frame_ms: Millis | None = Field(default=None, description="join -> first decoded frame (or audio)")
    failure: Failure | None = Field(default=None, description="why the join got no media (a failed join)")
    network: Network = Field(default="unknown", description="navigator.connection.type where the browser tells")
    timezone: str = Field(default="", max_length=64, pattern=r"^[A-Za-z0-9_+\-/]*$")
    codec: str = Field(default="opus", max_length=16, pattern=r"^[a-z0-9]+$")
    rtt_ms: float | None = Field(default=None, ge=0, le=q.MAX_RTT_MS)
    jitter_ms: float | None = Field(default=None, ge=0, le=q.MAX_JITTER_MS)
    in_kbps: float = Field(default=0.0, ge=0, le=q.MAX_KBPS)
    out_kbps: float = Field(default=0.0, ge=0, le=q.MAX_KBPS)
    audio: AudioIn | None = None
    video: VideoIn | None = None

    def to_domain(self) -> q.Report:
        return q.Report(
            session_id=self.session, room_id=self.room, seq=self.seq, elapsed_ms=self.elapsed_ms,
            first_frame_ms=self.first_frame_ms, failure=self.failure, network=self.network, timezone=self.timezone,
            codec=self.codec, rtt_ms=self.rtt_ms, jitter_ms=self.jitter_ms, in_kbps=self.in_kbps,
            out_kbps=self.out_kbps, audio=q.AudioCounters(**self.audio.model_dump()) if self.audio else None,
            video=q.VideoCounters(**self.video.model_dump()) if self.video else None)


# ---------------------------------------------------------------- wiring


class _StorageRooms:
    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx

    async def kind_of(self, merchant_id: str, room_id: str) -> str | None:
        try:
            room = await self._ctx.storage.rooms.get(merchant_id, room_id)
        except NotFound:
            return None
        return room.kind.value

    async def currency_of(self, merchant_id: str) -> str:
        return (await self._ctx.storage.merchants.get(merchant_id)).currency


def quality_service(ctx: AppContext) -> QualityService:
    rooms = _StorageRooms(ctx)
    return QualityService(ctx.storage.quality, rooms, rooms, ctx.clock,
                          attribution_s=ctx.settings.quality.attribution_s)


@raises({429: ["rate_limited"]})
async def report_allowed(request: Request, claims: Claims, ctx: Ctx) -> None:
    await limits_of(ctx).quality_report(Who(claims.merchant_id, claims.identity, client_address(request)))


def is_ops_staff(claims: AccessClaims) -> bool:
    return is_staff(claims) or (claims.room == ANY_ROOM and claims.role in OPS_ROLES)


@raises(TOKEN_ERRORS, {401: ["bad_api_key"]}, STAFF_ONLY)
async def ops_merchant(request: Request, ctx: Ctx) -> str:
    """The merchant's API key, or a staff token of the merchant."""
    merchant, claims = await key_or_token(request, ctx, missing="an API key or a staff access token is required")
    if claims is not None and not is_ops_staff(claims):
        raise Forbidden("the ops figures need a staff token (room '*', role agent or host)", code="staff_only")
    return merchant


OpsMerchant = Annotated[str, Depends(ops_merchant)]


def _region(claims: AccessClaims) -> str:
    value = claims.metadata.get("region") or claims.metadata.get("country") or ""
    return str(value)[:32]


# ---------------------------------------------------------------- routes


@router.post("/reports", status_code=202, responses=errors(
    TOKEN_ERRORS, {400: ["bad_report"], 403: ["wrong_room"], 404: ["room_not_found"],
                   413: ["report_too_large"]}))
async def report(body: ReportIn, claims: Claims, ctx: Ctx,
                 _: Annotated[None, Depends(report_allowed)]) -> dict[str, Any]:
    who = Reporter(merchant_id=claims.merchant_id, identity=claims.identity, role=claims.role.value,
                   room=claims.room, region=_region(claims))
    record = await quality_service(ctx).report(who, body.to_domain())
    return {"stored": record is not None, "reports": record.reports if record else None,
            "mos": record.mos if record else None}


@raises({401: ["events_auth_failed"]})
def janus_auth(request: Request, ctx: Ctx) -> None:
    """HTTP Basic ``janus:<secret>``: the secret Souk wrote into Janus's sampleevh config (or configured)."""
    scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
    try:
        user, _, given = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        user, given = "", ""
    secret = load_events_secret(ctx.settings)
    if scheme.lower() != "basic" or user != EVENTS_USER or not hmac.compare_digest(given.encode(), secret.encode()):
        raise Unauthenticated("Janus events need HTTP Basic auth with the events secret", code="events_auth_failed")


@router.post("/janus-events", responses=errors({400: ["bad_events"]}))
async def janus_events(request: Request, ctx: Ctx, _: Annotated[None, Depends(janus_auth)]) -> dict[str, Any]:
    """Media statistics from Janus's event handler (a JSON event object or a list of them)."""
    try:
        body = json.loads(await request.body())
    except ValueError as exc:
        raise BadRequest("the body is not JSON", code="bad_events") from exc
    stats, ignored = parse_media_stats(body)
    counts = await quality_service(ctx).janus_stats(stats, ctx.media)
    return {**counts, "ignored": ignored}


@router.get("/dashboard")
async def dashboard(merchant: OpsMerchant, ctx: Ctx,
                    hours: Annotated[float, Query(gt=0, le=8784, description="the window: joins of the last hours")]
                    = 24,
                    bucket_s: Annotated[int, Query(ge=60, le=86400, description="the time series' step")] = 3600,
                    ) -> dict[str, Any]:
    """Figures over the window: total, over time, by region / network / kind, the connect-time histogram, and
    the window's rooms (calls, shows) for the drill-down."""
    return await quality_service(ctx).dashboard(merchant, hours=hours, bucket_s=bucket_s)


@router.get("/sales")
async def sales(merchant: OpsMerchant, ctx: Ctx,
                hours: Annotated[float, Query(gt=0, le=8784)] = 168) -> dict[str, Any]:
    """Conversion and revenue of participants grouped by their quality (freeze time, MOS), per room kind."""
    return await quality_service(ctx).sales(merchant, hours=hours)


@router.get("/rooms/{room}", responses=errors({404: ["room_not_found"]}),
            dependencies=[audited(ops_merchant, "quality.room.read", "room", "room")])
async def room(room: RoomId, merchant: OpsMerchant, ctx: Ctx) -> dict[str, Any]:
    """One call's or show's participants, each with every figure of its record."""
    return await quality_service(ctx).room(merchant, room)
