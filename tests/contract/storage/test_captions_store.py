"""Stored live captions (souk.storage.repos.captions) on SQLite and PostgreSQL: per show in order, a retried
write replaces, per speaker for a customer's export and erasure, retention, and every call per merchant."""

from __future__ import annotations

import datetime as dt

import pytest

from souk.domain.captions import StoredCaption
from souk.storage import Storage
from souk.storage.repos.captions import SqlCaptionRepo
from tests.contract.storage.conftest import A, B


def cap(seq: int, text: str, *, show: str = "show_1", speaker: str = "host-1", start: int = 0) -> StoredCaption:
    return StoredCaption(show_id=show, seq=seq, room_id="live-1", speaker=speaker, lang="en", start_ms=start,
                         end_ms=start + 900, text=text, translations={"es": f"es:{text}"})


async def test_captions_per_show_in_order_per_merchant(two_shops: Storage) -> None:
    repo = SqlCaptionRepo(two_shops.db, two_shops.clock)
    await repo.put(A, cap(1, "second", start=2000))
    await repo.put(A, cap(0, "first", start=500))
    await repo.put(B, cap(0, "other shop"))
    await repo.put(A, cap(1, "second, retried", start=2000))  # the same (show, seq) replaces
    got = await repo.of_show(A, "show_1")
    assert [(c.seq, c.text) for c in got] == [(0, "first"), (1, "second, retried")]
    assert got[0].translations == {"es": "es:first"} and got[0].start_ms == 500 and got[0].end_ms == 1400
    assert [c.text for c in await repo.of_show(B, "show_1")] == ["other shop"]
    assert await repo.of_show(A, "show_2") == []


async def test_a_customers_captions_exported_and_erased_only_theirs(two_shops: Storage) -> None:
    repo = SqlCaptionRepo(two_shops.db, two_shops.clock)
    await repo.put(A, cap(0, "host says hi"))
    await repo.put(A, cap(1, "I love this lamp", speaker="C-1"))
    await repo.put(B, cap(0, "B's customer", speaker="C-1"))
    assert [c.text for c in await repo.of_speakers(A, ["C-1", "guest-9"])] == ["I love this lamp"]
    assert await repo.erase_speakers(A, ["C-1"]) == 1
    assert await repo.erase_speakers(A, ["C-1"]) == 0  # idempotent
    assert [c.text for c in await repo.of_show(A, "show_1")] == ["host says hi"]
    assert [c.text for c in await repo.of_show(B, "show_1")] == ["B's customer"]


async def test_retention_purges_old_captions_of_one_merchant(two_shops: Storage) -> None:
    repo = SqlCaptionRepo(two_shops.db, two_shops.clock)
    await repo.put(A, cap(0, "old"))
    await repo.put(B, cap(0, "old too"))
    later = dt.datetime.fromtimestamp(two_shops.clock.wall(), dt.UTC) + dt.timedelta(seconds=1)
    assert await repo.purge(A, before=later) == 1
    assert await repo.of_show(A, "show_1") == []
    assert len(await repo.of_show(B, "show_1")) == 1
    assert await repo.delete_show(B, "show_1") == 1


def test_a_caption_with_a_backwards_span_is_refused() -> None:
    with pytest.raises(ValueError):
        StoredCaption(show_id="s", seq=0, room_id="r", speaker="h", lang="en", start_ms=900, end_ms=100, text="x")
