"""Consent records on SQLite and PostgreSQL: answers append (never update), a subject's standing answer is the
newest, a merchant sees only its own, admins page through them, export finds a customer's records by customer id
or token identity, and erasure deletes exactly those (idempotent, never another merchant's)."""

from __future__ import annotations

import pytest

from souk.core.clock import ManualClock
from souk.core.errors import NotFound
from souk.domain.consent import Channel, ConsentKind
from souk.privacy.consent import ConsentCustomerStore, ConsentService
from souk.privacy.customer import CustomerIds
from souk.storage import Storage
from tests.contract.storage.conftest import A, B, merchant

REC, AI = ConsentKind.RECORDING, ConsentKind.AI_PROCESSING


@pytest.fixture
async def shops(storage: Storage) -> Storage:
    await storage.merchants.create(merchant(A))
    await storage.merchants.create(merchant(B))
    return storage


async def test_answers_append_and_the_newest_stands(shops: Storage, storage_clock: ManualClock) -> None:
    svc = ConsentService(shops.consent)
    assert not await svc.may_record(A, "ana")
    await svc.answer(A, "ana", REC, True, channel=Channel.WATCH_PAGE, language="es", customer_id="C-1")
    await storage_clock.advance(1)
    assert await svc.may_record(A, "ana")
    assert not await svc.may_record(B, "ana")  # the same identity at another merchant: never asked there
    await svc.answer(A, "ana", REC, False, channel=Channel.API, language="en")
    await storage_clock.advance(1)
    await svc.answer(A, "ana", AI, False, channel=Channel.WIDGET, language="zh")
    assert not await svc.may_record(A, "ana") and not await svc.may_use_ai(A, "ana")
    rows = await shops.consent.of_subject(A, "ana")
    assert [(r.kind, r.granted) for r in rows] == [(REC, True), (REC, False), (AI, False)]
    first = rows[0]
    assert first.language == "es" and first.channel is Channel.WATCH_PAGE and first.customer_id == "C-1"
    assert first.text_version == svc.texts.current[REC] and first.at == pytest.approx(storage_clock.wall() - 2, abs=1e-3)
    await svc.aclose()


async def test_an_answer_to_wording_never_shown_is_refused(shops: Storage) -> None:
    svc = ConsentService(shops.consent)
    with pytest.raises(NotFound) as exc:
        await svc.answer(A, "ana", REC, True, channel=Channel.API, language="en", text_version="made-up")
    assert exc.value.code == "unknown_text_version"
    with pytest.raises(NotFound):
        await svc.answer(A, "ana", REC, True, channel=Channel.API, language="fr")  # not one of ours
    assert await shops.consent.of_subject(A, "ana") == []  # nothing stored
    await svc.aclose()


async def test_admin_search_pages_newest_first_per_merchant(shops: Storage) -> None:
    svc = ConsentService(shops.consent)
    for i in range(5):
        await svc.answer(A, f"s{i}", REC, i % 2 == 0, channel=Channel.API, language="en")
    await svc.answer(B, "s0", AI, True, channel=Channel.API, language="en")
    page = await shops.consent.search(A, limit=3)
    assert [r.subject for r in page] == ["s4", "s3", "s2"]
    rest = await shops.consent.search(A, before=page[-1].seq, limit=3)
    assert [r.subject for r in rest] == ["s1", "s0"]
    assert [r.subject for r in await shops.consent.search(A, subject="s3")] == ["s3"]
    assert await shops.consent.search(A, kind=AI) == []
    assert len(await shops.consent.search(B)) == 1
    await svc.aclose()


async def test_export_and_erasure_by_customer_id_or_identity(shops: Storage) -> None:
    svc = ConsentService(shops.consent)
    await svc.answer(A, "guest-77", REC, True, channel=Channel.WATCH_PAGE, language="en", customer_id="C-1")
    await svc.answer(A, "ana-phone", AI, True, channel=Channel.WIDGET, language="en")
    await svc.answer(A, "bob", REC, True, channel=Channel.WATCH_PAGE, language="en")
    await svc.answer(B, "guest-77", REC, True, channel=Channel.WATCH_PAGE, language="en", customer_id="C-1")
    store = ConsentCustomerStore(shops.consent)
    ids = CustomerIds(merchant_id=A, customer_id="C-1").with_(identities=["ana-phone"])
    out = await store.export(ids)
    assert sorted(r["subject"] for r in out.records) == ["ana-phone", "guest-77"]
    assert (await store.erase(ids)).deleted == 2
    assert (await store.erase(ids)).deleted == 0  # idempotent
    assert [r.subject for r in await shops.consent.search(A)] == ["bob"]
    assert len(await shops.consent.search(B)) == 1  # the other merchant's customer C-1 is untouched
    await svc.aclose()


async def test_a_withdrawal_reaches_the_watchers_of_that_subject(shops: Storage) -> None:
    import asyncio

    svc = ConsentService(shops.consent)
    seen: list[str] = []

    async def watcher(r):  # type: ignore[no-untyped-def]
        seen.append(f"{r.subject}:{r.kind.value}")

    cancel = svc.on_withdraw(A, "ana", watcher)
    await svc.answer(A, "ana", REC, True, channel=Channel.API, language="en")  # a yes: nobody told
    await svc.answer(B, "ana", REC, False, channel=Channel.API, language="en")  # another merchant's ana
    await svc.answer(A, "ana", REC, False, channel=Channel.API, language="en")
    for _ in range(20):
        await asyncio.sleep(0)
    assert seen == ["ana:recording"]
    cancel()
    await svc.answer(A, "ana", REC, False, channel=Channel.API, language="en")
    await asyncio.sleep(0)
    assert seen == ["ana:recording"]
    await svc.aclose()
