"""Erasure with Redis as the RTM broker: the customer's chat messages leave the channel streams, keys naming
her (the broker's dedupe keys carry the sender) go, and a SCAN of every Redis key and value finds none of her
identifiers afterwards, while the other customer's messages and keys stay."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import from_url

from souk.cli.main import main
from souk.core.settings import load_settings
from souk.rtm.redis_broker import RedisBroker
from souk.storage import open_storage
from tests.integration.privacy.seed_customer import EMILY, LIAM, M, seed

pytestmark = pytest.mark.redis


async def _seed(data_dir: Path, redis_url: str) -> None:
    storage = await open_storage(load_settings(None, data_dir=str(data_dir)))
    broker = RedisBroker(redis_url)
    await broker.start()
    try:
        for p in (EMILY, LIAM):
            await seed(storage, data_dir, p, broker=broker)
    finally:
        await broker.aclose()
        await storage.aclose()


async def _redis_dump(url: str) -> str:
    r: Any = from_url(url)
    out = []
    try:
        async for k in r.scan_iter():
            kind = (await r.type(k)).decode()
            out.append(k.decode())
            if kind == "stream":
                out += [repr(f) for _, f in await r.xrange(k, "-", "+")]
            elif kind == "string":
                out.append(repr(await r.get(k)))
            elif kind == "hash":
                out.append(repr(await r.hgetall(k)))
    finally:
        await r.aclose()
    return "\n".join(out)


def test_erasure_clears_redis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_url: str,
                              capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("SOUK_DATA_DIR", str(data))
    monkeypatch.setenv("SOUK_REDIS_URL", redis_url)
    assert main(["db", "upgrade"]) == 0 and main(["db", "seed-demo"]) == 0
    asyncio.run(_seed(data, redis_url))
    before = asyncio.run(_redis_dump(redis_url))
    assert EMILY.phone in before and f"|{EMILY.customer_id}|" in before and EMILY.email in before
    capsys.readouterr()

    assert main(["privacy", "export", "--merchant", M, "--customer", EMILY.customer_id, "--out",
                 str(tmp_path / "out"), "--json"]) == 0
    folder = Path(json.loads(capsys.readouterr().out.strip().splitlines()[-1])["folder"])
    chat = json.loads((folder / "rtm_history.json").read_text())
    assert len(chat) == 3, chat
    keys = json.loads((folder / "redis.json").read_text())
    assert len(keys) == 3 and all(k["where"] == "key" and "C-501" in k["key"] for k in keys), keys

    code = main(["privacy", "erase", "--merchant", M, "--customer", EMILY.customer_id, "--yes", "--json",
                 "--phone", EMILY.phone])
    view = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0 and view["ok"], json.dumps(view, indent=1)
    assert view["stores"]["rtm_history"]["deleted"] == 3 and view["stores"]["redis"]["deleted"] == len(keys)
    assert any("Redis keys" in s for s in view["scan"]["searched"])

    after = asyncio.run(_redis_dump(redis_url))
    for needle in (EMILY.email, EMILY.phone, EMILY.name, EMILY.customer_id):
        assert needle.lower() not in after.lower(), needle
    assert LIAM.phone in after and f"|{LIAM.customer_id}|" in after and LIAM.email in after
