"""The abuse limits of the API: which bucket each action takes from, and the errors a refusal raises.

Every key carries the merchant, then the action, then who: the token's identity (``id:``) and the client's
address (``ip:``); an action passes only when both of its buckets allow it. Refusals are ``RateLimited``
with a stable code and ``details.retry_after`` (whole seconds): REST answers 429 with ``Retry-After``,
sockets send an error frame with the same code. Limits and defaults: Settings.limits, docs/limits.md.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from starlette.requests import HTTPConnection

from souk.core.clock import Clock
from souk.core.errors import RateLimited, TooLarge
from souk.core.ratelimit import LimitStore, Lockout, MemoryLimitStore, Rule
from souk.core.settings import LimitsSettings, RateRule

log = logging.getLogger(__name__)

RATE_LIMITED = "rate_limited"
LOCKED_OUT = "locked_out"
TOO_MANY_SESSIONS = "too_many_sessions"
MESSAGE_TOO_LARGE = "message_too_large"


def client_address(conn: HTTPConnection) -> str:
    """The peer address of a request or socket (uvicorn rewrites it from trusted proxy headers)."""
    return conn.client.host if conn.client is not None else "unknown"


@dataclass(frozen=True, slots=True)
class Who:
    merchant_id: str
    identity: str
    address: str


def _rule(r: RateRule) -> Rule:
    return Rule(count=r.count, per_s=r.per_s)


def retry_after(seconds: float) -> int:
    return max(1, math.ceil(seconds)) if math.isfinite(seconds) else 3600


class Limits:
    def __init__(self, settings: LimitsSettings, store: LimitStore) -> None:
        self.settings = settings
        self.store = store
        self._verify = Lockout(failures=settings.verify_failures, window_s=settings.verify_window_s,
                               lockout_s=settings.verify_lockout_s)

    async def _hit(self, action: str, who: Who, by_identity: RateRule, by_address: RateRule) -> None:
        waits = [await self.store.take(f"{who.merchant_id}|{action}|id:{who.identity}", _rule(by_identity)),
                 await self.store.take(f"{who.merchant_id}|{action}|ip:{who.address}", _rule(by_address))]
        wait = max(waits)
        if wait > 0:
            log.info("limit %s: %s at %s (merchant %s) refused for %.1f s", action, who.identity, who.address,
                     who.merchant_id, wait)
            raise RateLimited(f"too many {action.replace('_', ' ')} requests; retry in {retry_after(wait)} s",
                              code=RATE_LIMITED, details={"retry_after": retry_after(wait), "limit": action})

    async def ring(self, who: Who) -> None:
        """A shopper asks a seller console to ring (a consult request)."""
        s = self.settings
        await self._hit("ring", who, s.ring_identity, s.ring_address)

    async def assistant_open(self, who: Who, open_now: int) -> None:
        """Opening an assistant conversation while ``open_now`` of this identity's are open."""
        s = self.settings
        if open_now >= s.assistant_sessions_per_identity:
            raise RateLimited(f"at most {s.assistant_sessions_per_identity} open assistant conversations; close one "
                              "first", code=TOO_MANY_SESSIONS,
                              details={"retry_after": 60, "limit": "assistant_sessions"})
        await self._hit("assistant_open", who, s.assistant_open_identity, s.assistant_open_address)

    async def assistant_message(self, who: Who, text: str) -> None:
        s = self.settings
        if len(text) > s.assistant_message_chars:
            raise TooLarge(f"messages are limited to {s.assistant_message_chars} characters",
                           code=MESSAGE_TOO_LARGE, details={"max_chars": s.assistant_message_chars})
        await self._hit("assistant_message", who, s.assistant_message_identity, s.assistant_message_address)

    async def quality_report(self, who: Who) -> None:
        """A browser's call-quality report (souk.api.routes.quality)."""
        s = self.settings
        await self._hit("quality_report", who, s.quality_report_identity, s.quality_report_address)

    async def translate(self, who: Who) -> None:
        """A reader asks for messages in their language (souk.api.routes.translate)."""
        s = self.settings
        await self._hit("translate", who, s.translate_identity, s.translate_address)

    async def mint(self, who: Who) -> None:
        """Minting an access token (``identity`` is the minter: the API key's merchant, or ``demo``)."""
        s = self.settings
        await self._hit("mint", who, s.mint_merchant, s.mint_address)

    # ---- order verification: a lockout after repeated wrong order id / e-mail guesses ----
    def _verify_keys(self, who: Who) -> tuple[str, str]:
        return f"{who.merchant_id}|verify|id:{who.identity}", f"{who.merchant_id}|verify|ip:{who.address}"

    async def verify_allowed(self, who: Who) -> None:
        """Raise ``locked_out`` while this identity or address is locked out of order verification."""
        wait = max([await self.store.locked_for(k) for k in self._verify_keys(who)])
        if wait > 0:
            raise RateLimited(f"too many wrong order/e-mail guesses; try again in {retry_after(wait)} s",
                              code=LOCKED_OUT, details={"retry_after": retry_after(wait), "limit": "verify"})

    async def verify_failed(self, who: Who, failures: int = 1) -> None:
        locked = 0.0
        for _ in range(failures):
            for key in self._verify_keys(who):
                locked = max(locked, await self.store.fail(key, self._verify))
        if locked:
            log.warning("order verification locked for %s at %s (merchant %s) for %.0f s", who.identity,
                        who.address, who.merchant_id, locked)

    async def aclose(self) -> None:
        await self.store.aclose()


def limits_from_settings(settings: LimitsSettings, *, redis_url: str = "", clock: Clock | None = None) -> Limits:
    """Redis-backed buckets when ``redis_url`` is set (every node shares them), else this process's."""
    if redis_url:
        from souk.core.ratelimit_redis import RedisLimitStore

        return Limits(settings, RedisLimitStore(redis_url, clock=clock))
    return Limits(settings, MemoryLimitStore(clock))
