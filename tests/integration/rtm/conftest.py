from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from souk.auth.tokens import TokenService
from souk.rtm.config import RtmConfig
from souk.rtm.node import RtmNode, start_node
from tests.integration.rtm.rtm_nodes import SECRET


@pytest.fixture
def tokens() -> TokenService:
    return TokenService(SECRET)


@pytest.fixture
async def node_factory(tmp_path: Path) -> AsyncIterator[Callable[..., object]]:
    nodes: list[RtmNode] = []

    async def make(config: RtmConfig | None = None, *, redis_url: str = "") -> RtmNode:
        node = await start_node(config or RtmConfig(), TokenService(SECRET), redis_url=redis_url,
                                sqlite_path=None if redis_url else tempfile.mktemp(dir=tmp_path, suffix=".db"))
        nodes.append(node)
        return node

    yield make
    for n in nodes:
        await n.aclose()



@pytest.fixture
async def souk_rtm(tmp_path: Path) -> AsyncIterator[object]:
    """A real Souk app (uvicorn, seeded storage) serving the core routes plus RTM."""
    from tests.fixtures.browser import CORE_FEATURES, running_souk

    async with running_souk(tmp_path / "souk", features=(*CORE_FEATURES, "souk.api.routes.rtm")) as s:
        yield s
