from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from souk.auth.tokens import TokenService
from souk.core.clock import ManualClock
from souk.rtm.config import RtmConfig
from souk.rtm.hub import Hub
from souk.rtm.memory import MemoryBroker
from souk.rtm.service import RtmService
from tests.unit.rtm.rtm_fakes import Rig


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    clock = ManualClock()
    broker = MemoryBroker(clock=clock)
    config = RtmConfig(queue_limit=20, high_water=1000, user_rate_per_s=2, user_burst=3, channel_rate_per_s=5,
                       channel_burst=8, max_message_bytes=256, presence_ttl_s=15, heartbeat_s=5)
    hub = Hub(broker, node_id="n1", queue_limit=config.queue_limit, high_water=config.high_water,
              heartbeat_s=config.heartbeat_s, presence_ttl_s=config.presence_ttl_s, clock=clock, auto_tick=False)
    await hub.start()
    tokens = TokenService("s" * 32, now=clock.wall)
    yield Rig(clock, broker, hub, RtmService(broker, hub, config, clock=clock), tokens)
    await hub.aclose()
    await broker.aclose()
