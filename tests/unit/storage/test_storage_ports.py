"""Every SQL repository method has exactly the signature of its port (names, kinds, defaults), so a
caller written against souk.domain.ports (keywords included) works on the real thing."""

from __future__ import annotations

import inspect

import pytest

from souk.domain import ports
from souk.storage.repos.apikeys import SqlApiKeyRepo
from souk.storage.repos.calls import SqlCallRepo
from souk.storage.repos.catalog import SqlCatalogRepo
from souk.storage.repos.customers import SqlCustomerRepo
from souk.storage.repos.merchants import SqlMerchantRepo
from souk.storage.repos.orders import SqlOrderRepo
from souk.storage.repos.reader import SqlStoreReader
from souk.storage.repos.rooms import SqlRoomRepo
from souk.storage.repos.storeinfo import SqlStoreInfoRepo
from souk.storage.repos.users import SqlUserRepo

PAIRS = [
    (ports.MerchantRepo, SqlMerchantRepo), (ports.ApiKeyRepo, SqlApiKeyRepo), (ports.UserRepo, SqlUserRepo),
    (ports.CatalogRepo, SqlCatalogRepo), (ports.CustomerRepo, SqlCustomerRepo), (ports.OrderRepo, SqlOrderRepo),
    (ports.StoreInfoRepo, SqlStoreInfoRepo), (ports.StoreReader, SqlStoreReader), (ports.RoomRepo, SqlRoomRepo),
    (ports.CallRepo, SqlCallRepo),
]


def _methods(cls: type) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(fn) for name, fn in vars(cls).items()
            if not name.startswith("_") and inspect.iscoroutinefunction(fn)}


def _shape(sig: inspect.Signature) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


@pytest.mark.parametrize(("port", "impl"), PAIRS, ids=[p.__name__ for p, _ in PAIRS])
def test_implementation_matches_port(port: type, impl: type) -> None:
    wanted, got = _methods(port), _methods(impl)
    assert set(got) == set(wanted)
    for name, sig in wanted.items():
        assert _shape(got[name]) == _shape(sig), f"{impl.__name__}.{name}"
