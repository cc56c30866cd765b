"""souk.api.bootstrap: the composition root builds what is asked, after what it depends on, and keeps what a
test put in the context."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from souk.api.app import FEATURES, SERVICES
from souk.api.bootstrap import provide, wanted
from souk.api.context import AppContext
from souk.auth.tokens import TokenService
from souk.core.clock import ManualClock
from souk.core.errors import ConfigError, Unavailable
from souk.core.settings import Settings
from souk.live.stage import LiveStage

SECRET = "s" * 40


def test_a_service_brings_what_it_depends_on() -> None:
    assert wanted(["shows"]) == {"shows", "stage"}
    assert wanted(["recorder", "voice"]) == {"recorder", "stage", "voice", "assistant"}
    assert wanted(["replays"]) == {"replays", "recorder", "stage", "live"}
    assert wanted([]) == set()
    with pytest.raises(ConfigError):
        wanted(["stagee"])  # type: ignore[list-item]


def test_every_route_module_named_for_services_is_served() -> None:
    assert set(SERVICES) <= set(FEATURES)


async def test_provide_builds_in_dependency_order_and_keeps_a_tests_own(tmp_path: Path) -> None:
    ctx = AppContext(settings=Settings(data_dir=str(tmp_path)), tokens=TokenService(SECRET), clock=ManualClock())
    async with AsyncExitStack() as stack:
        await provide(ctx, stack, ["recorder"])  # the recorder listens to the stage: the stage comes first
        assert isinstance(ctx.stage, LiveStage) and ctx.recorder is not None
        assert ctx.recorder.root == tmp_path / "recordings"  # no media plane: the data dir's recordings
        assert ctx.live is None and ctx.rtm is None and ctx.shows is None
        mine = ctx.stage
        await provide(ctx, stack, ["stage"])
        assert ctx.stage is mine
        with pytest.raises(Unavailable) as err:  # the show service needs the core (hub, storage)
            await provide(ctx, stack, ["shows"])
        assert err.value.code == "core_unavailable"
