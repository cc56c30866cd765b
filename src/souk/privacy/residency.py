"""Data residency (issue 17 part 1; docs/privacy.md "Residency").

Each region has its own backend (``[regions.<name>] database_url, data_dir``); a node serves one region
(``[residency] region``) and then keeps its database and its data dir (recordings, logs) in that region's
backend: the settings put them there. Every merchant has a data region (``merchants.data_region``), set when it
is created and written into every region's database, so each node knows where every merchant lives (a
merchant row holds the business's name and settings, no customer data).

The node refuses a merchant of another region before anything is stored: the admission check runs inside
access-token verification (HTTP routes, the signaling and RTM sockets: souk.auth.tokens.use_admission), so
a request for such a merchant is answered ``403 wrong_region`` naming the merchant's region and the node's,
and writes nothing. A merchant's API key lives only in its region's database, so a key used on another
region's node is not known there (401) and cannot mint tokens. A merchant with no region ("" : made before
regions were configured) is served where its data already is.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from souk.core.clock import Clock, SystemClock
from souk.core.errors import BadRequest, Forbidden, SoukError
from souk.core.settings import Settings
from souk.core.tasks import TaskOwner

log = logging.getLogger(__name__)

UNASSIGNED = ""


class WrongRegion(Forbidden):
    """This node does not store the merchant's data: it lives in another region."""

    def __init__(self, merchant_id: str, merchant_region: str, node_region: str) -> None:
        super().__init__(f"merchant {merchant_id!r} keeps its data in region {merchant_region!r}; this node serves "
                         f"region {node_region!r}: send the request to a node of region {merchant_region!r}",
                         code="wrong_region",
                         details={"merchant_region": merchant_region, "node_region": node_region})


class RegionDirectory(Protocol):
    """Where merchants' regions are read (souk.storage.repos.merchants.SqlMerchantRepo)."""

    async def data_regions(self) -> dict[str, str]: ...


@dataclass
class RegionGuard:
    """The merchants' regions as this node knows them, and the admission check (synchronous: it runs inside
    token verification). ``refresh`` re-reads them; a merchant moved by an operator reaches every node within
    ``[residency] refresh_s``. A merchant this node has never heard of is not refused here: its data cannot be
    written (every row needs the merchant's row), and the usual not-found errors answer."""

    region: str
    regions: dict[str, str] = field(default_factory=dict)

    def admit(self, merchant_id: str) -> None:
        home = self.regions.get(merchant_id, UNASSIGNED)
        if home != UNASSIGNED and home != self.region:
            log.warning("refused merchant %s here (region %s): its data lives in %s", merchant_id, self.region,
                        home)
            raise WrongRegion(merchant_id, home, self.region)

    def learn(self, merchant_id: str, region: str) -> None:
        self.regions[merchant_id] = region

    async def refresh(self, directory: RegionDirectory) -> None:
        self.regions = dict(await directory.data_regions())


async def keep_fresh(guard: RegionGuard, directory: RegionDirectory, every_s: float, tasks: TaskOwner,
                     clock: Clock | None = None) -> None:
    """Load the regions now, then re-read them every ``every_s`` in a task owned by ``tasks``."""
    await guard.refresh(directory)
    clock = clock or SystemClock()

    async def loop() -> None:
        while True:
            await clock.sleep(every_s)
            try:
                await guard.refresh(directory)
            except (SoukError, OSError) as exc:
                log.warning("merchant regions not re-read (kept the last known): %s", exc)

    tasks.spawn(loop(), name="residency:refresh")


def check_region(settings: Settings, region: str) -> str:
    """A region name the settings declare (BadRequest ``unknown_region`` naming those that exist)."""
    if region not in settings.regions:
        raise BadRequest(f"unknown data region {region!r}; configured: {', '.join(sorted(settings.regions)) or 'none'}",
                         code="unknown_region", details={"regions": sorted(settings.regions)})
    return region


def region_urls(settings: Settings) -> Mapping[str, str]:
    """Each region's database URL as a node of that region sees it (for the operator's commands that write the
    merchant directory into every region)."""
    out: dict[str, str] = {}
    for name, region in settings.regions.items():
        scoped = settings.model_copy(update={"database_url": region.database_url,
                                             "data_dir": region.data_dir or settings.data_dir})
        out[name] = scoped.db_url
    return out
