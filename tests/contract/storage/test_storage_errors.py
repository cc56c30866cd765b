"""Bad input gets a clear SoukError of the right kind, and nothing is half-written."""

from __future__ import annotations

import socket
from dataclasses import replace
from decimal import Decimal

import pytest

from souk.core.errors import BadRequest, Conflict, ErrorKind, NotFound, Unavailable
from souk.core.settings import Settings
from souk.domain.models import FaqEntry, ShippingZone
from souk.storage import Storage, open_storage
from tests.contract.storage.conftest import A, customer, product


async def test_unknown_ids_are_not_found_with_a_specific_code(two_shops: Storage) -> None:
    s = two_shops
    cases = [
        (s.merchants.get("zz"), "merchant_not_found"),
        (s.catalog.get(A, "zz"), "product_not_found"),
        (s.catalog.decrement_stock(A, "zz", 1), "product_not_found"),
        (s.catalog.restock(A, "zz", 1), "product_not_found"),
        (s.customers.get(A, "zz"), "customer_not_found"),
        (s.orders.get(A, "zz"), "order_not_found"),
        (s.users.get(A, "zz"), "user_not_found"),
        (s.api_keys.get(A, "zz"), "api_key_not_found"),
        (s.rooms.get(A, "zz"), "room_not_found"),
        (s.calls.get(A, "zz"), "call_not_found"),
        (s.store_info.policies(A), "policies_not_found"),
        (s.snapshot("zz"), "merchant_not_found"),
    ]
    for coro, code in cases:
        with pytest.raises(NotFound) as err:
            await coro
        assert err.value.code == code and err.value.kind is ErrorKind.NOT_FOUND
        assert isinstance(err.value, LookupError)  # callers may catch the built-in too
    # Rows that reference a missing parent.
    with pytest.raises(NotFound) as err:
        await s.catalog.upsert("no-such-merchant", product("P"))
    assert err.value.code == "reference_missing"


async def test_constraint_violations_are_conflicts_or_bad_requests(two_shops: Storage) -> None:
    s = two_shops
    with pytest.raises(BadRequest):
        await s.catalog.upsert(A, replace(product("NEG"), stock=-1))
    with pytest.raises(BadRequest):
        await s.catalog.upsert(A, replace(product("NEG"), price=Decimal(-1)))
    with pytest.raises(BadRequest):
        await s.catalog.decrement_stock(A, "SKU-1", 0)
    with pytest.raises(BadRequest):
        await s.catalog.decrement_stock(A, "SKU-1", True)  # type: ignore[arg-type]
    with pytest.raises(BadRequest):
        await s.customers.upsert(A, replace(customer("C-2"), country="USA"))
    with pytest.raises(BadRequest):
        await s.store_info.set_shipping(A, [ShippingZone("eu", ("DE",), (9, 3), (1, 2), Decimal(0), "")])
    with pytest.raises(Conflict) as err:
        await s.store_info.set_faq(A, [FaqEntry("t", "one"), FaqEntry("t", "two")])
    assert err.value.code == "duplicate"
    assert await s.store_info.faq(A) == []  # the failed replace left nothing behind
    await s.store_info.set_faq(A, [FaqEntry("t", "one")])
    with pytest.raises(Conflict):
        await s.store_info.set_faq(A, [FaqEntry("u", "x"), FaqEntry("u", "y")])
    assert await s.store_info.faq(A) == [FaqEntry("t", "one")]  # rolled back to the previous document


async def test_an_unreachable_postgres_is_unavailable_and_retryable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    with pytest.raises(Unavailable) as err:
        await open_storage(Settings(data_dir=str(tmp_path)), url=f"postgresql+asyncpg://souk@127.0.0.1:{port}/x")
    assert err.value.retryable


async def test_unsupported_database_urls_are_config_errors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from souk.core.errors import ConfigError

    for url in ("mysql://x/y", "not a url"):
        with pytest.raises(ConfigError):
            await open_storage(Settings(data_dir=str(tmp_path)), url=url)
