"""The region guard inside token verification (souk.privacy.residency): every verified token of another
region's merchant is refused with the regions named, whoever verifies it (HTTP routes, signaling and RTM
sockets all call TokenService.verify); unassigned or unknown merchants pass; the directory is re-read."""

from __future__ import annotations

import asyncio

import pytest

from souk.auth.tokens import TokenService
from souk.core.clock import ManualClock
from souk.core.tasks import TaskOwner
from souk.privacy.residency import RegionGuard, WrongRegion, keep_fresh


class Directory:
    def __init__(self, regions: dict[str, str]) -> None:
        self.regions = regions
        self.reads = 0

    async def data_regions(self) -> dict[str, str]:
        self.reads += 1
        return dict(self.regions)


def test_verify_refuses_other_regions_merchants() -> None:
    tokens = TokenService("x" * 40)
    guard = RegionGuard("eu", {"m-eu": "eu", "m-us": "us", "m-old": ""})
    tokens.use_admission(guard.admit)
    for merchant in ("m-eu", "m-old", "m-unknown"):
        assert tokens.verify(tokens.mint(merchant_id=merchant, identity="a", room="r", role="member")).merchant_id \
            == merchant
    with pytest.raises(WrongRegion) as err:
        tokens.verify(tokens.mint(merchant_id="m-us", identity="a", room="r", role="member"))
    assert err.value.code == "wrong_region" and err.value.kind.value == "forbidden"
    assert err.value.details == {"merchant_region": "us", "node_region": "eu"}


async def test_the_directory_is_reread() -> None:
    clock = ManualClock()
    directory = Directory({"m1": "us"})
    guard = RegionGuard("eu")
    tasks = TaskOwner("test")
    try:
        await keep_fresh(guard, directory, 30.0, tasks, clock)
        with pytest.raises(WrongRegion):
            guard.admit("m1")
        directory.regions["m1"] = "eu"  # moved by an operator
        for _ in range(5):  # the refresh task starts and sleeps on the clock
            await asyncio.sleep(0)
        await clock.advance(31.0)
        for _ in range(20):
            await asyncio.sleep(0)
        assert directory.reads >= 2
        guard.admit("m1")
    finally:
        await tasks.aclose()
