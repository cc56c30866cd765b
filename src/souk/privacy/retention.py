"""The retention purge: for every merchant and data kind, delete what is older than the merchant's policy.

Each kind has a purger (``purge(merchant_id, before_wall) -> deleted``); kinds without one on this node are
skipped and named in the result. A pass is idempotent (a second pass at the same time deletes nothing), logs
one line per (merchant, kind) that deleted something and records it in the merchant's audit log (actor
``system``, action ``retention.purge``), so the purge itself is accounted for. ``start()`` runs a pass every
``every_s`` on the clock it was given (tests pass a ManualClock).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from souk.core.clock import Clock
from souk.core.errors import SoukError
from souk.core.tasks import TaskOwner
from souk.domain.retention import DataKind, policy
from souk.privacy.audit import AuditLog

log = logging.getLogger(__name__)

Purge = Callable[[str, float], Awaitable[int]]  # (merchant, before wall time) -> how many deleted


class PolicyStore(Protocol):
    async def own(self, merchant_id: str) -> dict[str, int]: ...


@dataclass(frozen=True, slots=True)
class Purged:
    merchant_id: str
    kind: DataKind
    before: float
    deleted: int


@dataclass(frozen=True, slots=True)
class PassResult:
    purged: tuple[Purged, ...]
    skipped: tuple[DataKind, ...]  # kinds with no purger on this node

    @property
    def total(self) -> int:
        return sum(p.deleted for p in self.purged)


def batched(purge: Callable[[str, float, int], Awaitable[int]], batch: int) -> Purge:
    """A purger that deletes in batches of ``batch`` until a batch comes back short."""

    async def run(merchant_id: str, before: float) -> int:
        total = 0
        while (n := await purge(merchant_id, before, batch)) > 0:
            total += n
            if n < batch:
                break
        return total

    return run


class RetentionPurge:
    def __init__(self, policies: PolicyStore, purgers: Mapping[DataKind, Purge],
                 merchants: Callable[[], Awaitable[Sequence[str]]], defaults: Mapping[str, int], clock: Clock,
                 *, audit: AuditLog | None = None, every_s: float = 3600.0) -> None:
        self._policies = policies
        self._purgers = dict(purgers)
        self._merchants = merchants
        self._defaults = dict(defaults)
        self._clock = clock
        self._audit = audit
        self._every_s = every_s
        self._tasks = TaskOwner("retention-purge")
        policy(self._defaults, {})  # bad defaults fail at start-up, not at the first pass

    async def run_once(self, merchant_ids: Sequence[str] | None = None) -> PassResult:
        now = self._clock.wall()
        done: list[Purged] = []
        for merchant_id in merchant_ids if merchant_ids is not None else await self._merchants():
            p = policy(self._defaults, await self._policies.own(merchant_id))
            for kind, purge in self._purgers.items():
                before = p.cutoff(kind, now)
                deleted = await purge(merchant_id, before)
                done.append(Purged(merchant_id, kind, before, deleted))
                if deleted:
                    when = dt.datetime.fromtimestamp(before, dt.UTC).isoformat()
                    log.info("retention purge: merchant=%s kind=%s deleted=%d older_than=%s (%d days)",
                             merchant_id, kind.value, deleted, when, p.days[kind])
                    if self._audit is not None:
                        await self._audit.record(merchant_id, actor="system", role="system",
                                                 action="retention.purge", object_kind=kind.value,
                                                 detail={"deleted": str(deleted), "older_than": when,
                                                         "days": str(p.days[kind])})
        skipped = tuple(k for k in DataKind if k not in self._purgers)
        return PassResult(tuple(done), skipped)

    def start(self) -> None:
        if not len(self._tasks):
            self._tasks.spawn(self._run(), "purge")

    async def _run(self) -> None:
        while True:
            try:
                await self.run_once()
            except (TimeoutError, SoukError, OSError) as exc:  # the next pass tries again
                log.warning("retention purge failed: %s", exc)
            await self._clock.sleep(self._every_s)

    async def aclose(self) -> None:
        await self._tasks.aclose()
