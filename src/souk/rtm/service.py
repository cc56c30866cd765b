"""What a client or the REST API may do in a channel: publish, moderate, read history, see presence.

All checks live here (privileges from the access token, bans, mutes, slow mode, keyword filter, rate
limits, sizes) so the WebSocket session and the REST routes behave the same.
Role mapping (token role -> RTM role): host/cohost/agent/service -> host, moderator -> moderator,
member/audience -> member, guest -> guest. Privileges decide: chat, danmaku, gift and custom need
``chat``; likes and typing need ``subscribe``; system messages and moderation need ``moderate``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from souk.auth.tokens import AccessClaims, Privilege, Role
from souk.core.clock import Clock, SystemClock
from souk.core.errors import BadRequest, Forbidden, RateLimited, TooLarge
from souk.core.metrics import Metrics
from souk.rtm.broker import Accepted, Broker, Draft
from souk.rtm.config import RtmConfig
from souk.rtm.envelope import EPHEMERAL, Kind, body_size, encode
from souk.rtm.hub import Hub
from souk.rtm.limits import RateLimiter, SlowMode

log = logging.getLogger(__name__)

_CHANNEL = re.compile(r"^[A-Za-z0-9_.:\-]{1,128}$")
ROLE_MAP = {Role.HOST: "host", Role.COHOST: "host", Role.AGENT: "host", Role.SERVICE: "host",
            Role.MODERATOR: "moderator", Role.MEMBER: "member", Role.AUDIENCE: "member", Role.GUEST: "guest"}
ACTIONS = ("mute", "unmute", "kick", "ban", "unban", "delete", "slow", "keywords")


def rtm_role(claims: AccessClaims) -> str:
    return ROLE_MAP.get(claims.role, "guest")


def channel_key(claims: AccessClaims, ch: str) -> str:
    if not _CHANNEL.match(ch):
        raise BadRequest("channel names are 1-128 characters of A-Z a-z 0-9 _ . : -", code="bad_channel")
    claims.require_room(ch)
    return f"{claims.merchant_id}/{ch}"


def _text_of(body: Any) -> str:
    if isinstance(body, str):
        return body
    if isinstance(body, dict):
        return " ".join(str(v) for v in body.values() if isinstance(v, str))
    return ""


class RtmService:
    def __init__(self, broker: Broker, hub: Hub, config: RtmConfig, *, clock: Clock | None = None) -> None:
        self.broker = broker
        self.hub = hub
        self.config = config
        self._clock = clock or SystemClock()
        self._user_rl = RateLimiter(self._clock, config.user_rate_per_s, config.user_burst)
        self._chan_rl = RateLimiter(self._clock, config.channel_rate_per_s, config.channel_burst)
        self._eph_rl = RateLimiter(self._clock, config.ephemeral_rate_per_s, config.ephemeral_rate_per_s * 2)
        self._slow = SlowMode(self._clock)
        self.metrics: Metrics | None = None  # set by the entry point when metrics are on (souk.core.metrics)

    async def check_join(self, claims: AccessClaims, ch: str) -> str:
        key = channel_key(claims, ch)
        claims.require(Privilege.SUBSCRIBE)
        policy = await self.broker.policy(key, claims.merchant_id)
        if policy.banned_until(claims.identity, self._clock.wall()) is not None:
            raise Forbidden(f"you are banned from {ch}", code="banned")
        return key

    def presence_info(self, claims: AccessClaims) -> bytes:
        return encode({"id": claims.identity, "name": claims.name, "role": rtm_role(claims)})

    async def publish(self, claims: AccessClaims, ch: str, kind: Kind, body: Any, cid: str = "",
                      n: int = 1) -> Accepted | None:
        """Check and publish; durable kinds return the broker's acceptance, ephemeral kinds None."""
        key = channel_key(claims, ch)
        if kind in EPHEMERAL:
            claims.require(Privilege.SUBSCRIBE)
            n = max(1, min(int(n), 100))
            wait = self._eph_rl.take(f"{key}|{claims.identity}", n)
            if wait:
                raise RateLimited("too many reactions; slow down", code="rate_limited",
                                  details={"retry_after": round(wait, 3)})
            self.hub.add_ephemeral(key, kind.value, n)
            return None
        claims.require(Privilege.MODERATE if kind is Kind.SYSTEM else Privilege.CHAT)
        if len(cid) > 64:
            raise BadRequest("message id is longer than 64 characters", code="bad_message_id")
        size = body_size(body)
        if size > self.config.max_message_bytes:
            raise TooLarge(f"message body of {size} bytes exceeds {self.config.max_message_bytes}",
                           code="message_too_large")
        now = self._clock.wall()
        policy = await self.broker.policy(key, claims.merchant_id)
        if policy.banned_until(claims.identity, now) is not None:
            raise Forbidden(f"you are banned from {ch}", code="banned")
        until = policy.muted_until(claims.identity, now)
        if until is not None:
            raise Forbidden("you are muted in this channel", code="muted", details={"until": until})
        if policy.keywords:
            text = _text_of(body).lower()
            if any(w in text for w in policy.keywords):
                raise Forbidden("message blocked by the keyword filter", code="keyword_blocked")
        moderator = claims.can(Privilege.MODERATE)
        if not moderator:
            wait = self._slow.check(key, claims.identity, policy.slow_s)
            if wait:
                raise RateLimited(f"slow mode: one message every {policy.slow_s:g} s", code="slow_mode",
                                  details={"retry_after": round(wait, 3)})
        wait = self._user_rl.take(f"{key}|{claims.identity}")
        if wait:
            raise RateLimited("you are sending too fast", code="user_rate_limited",
                              details={"retry_after": round(wait, 3)})
        wait = self._chan_rl.take(key)
        if wait:
            raise RateLimited("this channel is busy; try again shortly", code="channel_rate_limited",
                              details={"retry_after": round(wait, 3)})
        draft = Draft(key=key, ch=ch, id=cid, kind=kind, body=body, sender=claims.identity, ts=now,
                      name=claims.name, role=rtm_role(claims))
        return await self.broker.publish(draft)

    async def moderate(self, claims: AccessClaims, ch: str, action: str, *, user: str = "", seq: int = 0,
                       dur: float = 0.0, words: list[str] | None = None) -> Accepted | None:
        key = channel_key(claims, ch)
        claims.require(Privilege.MODERATE)
        if action not in ACTIONS:
            raise BadRequest(f"unknown moderation action {action!r}; one of {', '.join(ACTIONS)}",
                             code="bad_action")
        now = self._clock.wall()
        if action in ("mute", "unmute", "kick", "ban", "unban") and not user:
            raise BadRequest(f"{action} needs a user", code="bad_action")
        if dur < 0:
            raise BadRequest("duration must be >= 0", code="bad_action")
        body: dict[str, Any] = {"action": action, "by": claims.identity}
        if action in ("mute", "ban"):
            until = now + dur if dur else 0.0
            await self.broker.set_member_rule(key, "muted" if action == "mute" else "banned", user, until)
            body |= {"user": user, "until": until}
        elif action in ("unmute", "unban"):
            await self.broker.set_member_rule(key, "muted" if action == "unmute" else "banned", user, None)
            body["user"] = user
        elif action == "kick":
            body["user"] = user
        elif action == "delete":
            if seq <= 0:
                raise BadRequest("delete needs the message's seq", code="bad_action")
            await self.broker.delete(key, seq)
            body["seq"] = seq
        elif action == "slow":
            await self.broker.set_slow_mode(key, dur)
            body["seconds"] = dur
        else:  # keywords: per channel (this room only), not announced in the channel
            cleaned = [w.strip() for w in (words or []) if w.strip()]
            if len(cleaned) > 500 or any(len(w) > 64 for w in cleaned):
                raise BadRequest("at most 500 keywords of up to 64 characters", code="bad_action")
            await self.broker.set_keywords(key, cleaned)
            return None
        log.info("rtm %s: %s by %s %s", key, action, claims.identity, body)
        draft = Draft(key=key, ch=ch, id="", kind=Kind.SYSTEM, body=body, sender=claims.identity, ts=now,
                      name=claims.name, role=rtm_role(claims))
        return await self.broker.publish(draft)

    async def history(self, claims: AccessClaims, ch: str, *, since: int | None, limit: int) -> list[bytes]:
        key = await self.check_join(claims, ch)
        limit = max(0, min(limit, 1000))
        return [raw for _, raw in await self.broker.history(key, since=since, limit=limit)]

    async def presence(self, claims: AccessClaims, ch: str) -> list[bytes]:
        key = await self.check_join(claims, ch)
        return await self.broker.presence(key)
