"""Transcripts encrypted at rest, on SQLite and PostgreSQL: with a key ring the desk's event bodies are stored
sealed under the merchant's data key (no transcript text in the table) and read back as they were; a
rotation with re-encryption seals them again under the new key; shredding the keys makes them unreadable;
a process without keys gets a clear error, never the ciphertext as text."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from souk.core.errors import SoukError
from souk.privacy import crypto
from souk.privacy.crypto import CryptoError
from souk.privacy.keys import KeyRing, MasterKey
from souk.storage import Storage
from souk.storage.repos.desk import SqlConversationRepo
from souk.storage.repos.merchant_keys import SqlMerchantKeyRepo
from souk.storage.repos.resealing import SqlResealRepo
from souk.storage.schema import desk_events
from tests.contract.storage.conftest import A, B, merchant
from tests.contract.storage.test_desk_store import convo, lifecycle


@pytest.fixture
async def shops(storage: Storage) -> Storage:
    for mid in (A, B):
        await storage.merchants.create(merchant(mid))
    return storage


async def _bodies(storage: Storage, mid: str) -> list[str]:
    async with storage.db.read() as conn:
        return list((await conn.execute(sa.select(desk_events.c.body).where(desk_events.c.merchant_id == mid)
                                        .order_by(desk_events.c.seq))).scalars())


async def test_bodies_sealed_read_back_resealed_and_shredded(shops: Storage) -> None:
    ring = KeyRing(SqlMerchantKeyRepo(shops.db, shops.clock), MasterKey(crypto.new_key()))
    desk = SqlConversationRepo(shops.db, shops.clock, sealer=ring)
    events = lifecycle()
    await desk.create(convo(A))
    await desk.append(A, "c1", events)
    await desk.create(convo(B))
    await desk.append(B, "c1", events[:2])
    raw = await _bodies(shops, A)
    assert len(raw) == len(events) and all(b.startswith("enc1:") for b in raw)
    # each body is the prefix, a key id and base64url only: no room for a word of the transcript (a short word
    # like "VIP" may turn up in random base64 by chance, so the shape is checked, not the absence of words)
    assert all(re.fullmatch(r"enc1:[^:]+:[A-Za-z0-9_-]+=*", b) for b in raw)
    assert not any(word in b for b in raw for word in ("ana@example.com", "VIP, be nice", "¡Hola!"))
    assert [e for _, e in await desk.events(A, "c1")] == events
    [timeline] = await desk.timelines(A, since=events[0].at.replace(year=2000))
    assert list(timeline.events) == events

    # without keys: a clear error, not ciphertext handed on
    with pytest.raises(SoukError) as err:
        await SqlConversationRepo(shops.db, shops.clock).events(A, "c1")
    assert err.value.code == "sealed_value"

    old_key = crypto.value_key_id(raw[0])
    new_key = await ring.rotate(A)
    changed = await SqlResealRepo(shops.db, shops.clock).reseal_desk_events(A, ring, new_key, batch=3)
    assert changed == len(events)
    assert all(crypto.value_key_id(b) == new_key != old_key for b in await _bodies(shops, A))
    assert await SqlResealRepo(shops.db, shops.clock).reseal_desk_events(A, ring, new_key) == 0
    assert [e for _, e in await desk.events(A, "c1")] == events
    assert all(crypto.value_key_id(b) != new_key for b in await _bodies(shops, B))  # B untouched

    await ring.shred(A)
    fresh = SqlConversationRepo(shops.db, shops.clock,
                                sealer=KeyRing(SqlMerchantKeyRepo(shops.db, shops.clock), ring.master))
    with pytest.raises(CryptoError) as gone:
        await fresh.events(A, "c1")
    assert gone.value.code == "key_destroyed"
    assert [e for _, e in await fresh.events(B, "c1")] == events[:2]


async def test_plain_bodies_from_before_still_read_and_get_sealed_by_reencryption(shops: Storage) -> None:
    plain = SqlConversationRepo(shops.db, shops.clock)
    events = lifecycle()[:3]
    await plain.create(convo(A))
    await plain.append(A, "c1", events)
    assert not any(b.startswith("enc1:") for b in await _bodies(shops, A))
    ring = KeyRing(SqlMerchantKeyRepo(shops.db, shops.clock), MasterKey(crypto.new_key()))
    sealed = SqlConversationRepo(shops.db, shops.clock, sealer=ring)
    assert [e for _, e in await sealed.events(A, "c1")] == events
    key_id, _ = await ring.active(A)
    assert await SqlResealRepo(shops.db, shops.clock).reseal_desk_events(A, ring, key_id) == 3
    assert all(b.startswith(f"enc1:{key_id}:") for b in await _bodies(shops, A))
    assert [e for _, e in await sealed.events(A, "c1")] == events
