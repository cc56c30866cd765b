"""The desk's SQL repositories have exactly the signatures of the desk's ports (souk.desk.ports,
souk.desk.webhook_store): storage imports only the domain, so this test, not mypy on src, ties them together."""

from __future__ import annotations

import inspect

import pytest

from souk.desk import ports, webhook_store
from souk.storage.repos.desk import SqlConversationRepo, SqlDeskSettingsRepo, SqlStaffRepo
from souk.storage.repos.desk_webhooks import SqlWebhookDeliveryRepo, SqlWebhookEndpointRepo

PAIRS = [
    (ports.ConversationStore, SqlConversationRepo), (ports.StaffStore, SqlStaffRepo),
    (ports.DeskSettingsStore, SqlDeskSettingsRepo), (webhook_store.EndpointStore, SqlWebhookEndpointRepo),
    (webhook_store.DeliveryStore, SqlWebhookDeliveryRepo),
]


def _methods(cls: type) -> dict[str, inspect.Signature]:
    """Public coroutine methods, the ones a Protocol inherits included."""
    return {name: inspect.signature(fn) for name, fn in inspect.getmembers(cls, inspect.iscoroutinefunction)
            if not name.startswith("_")}


def _shape(sig: inspect.Signature) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


@pytest.mark.parametrize(("port", "impl"), PAIRS, ids=[p.__name__ for p, _ in PAIRS])
def test_sql_repository_matches_its_port(port: type, impl: type) -> None:
    wanted, got = _methods(port), _methods(impl)
    assert set(got) == set(wanted)
    for name, sig in wanted.items():
        assert _shape(got[name]) == _shape(sig), f"{impl.__name__}.{name}"
