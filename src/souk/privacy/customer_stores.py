"""The one list of every store of customer data (/work/notes/contract-C.md): export, erasure and the scan go
through it, from the CLI (souk privacy export|erase|scan) and from the API alike.

Order matters for erasure: children before parents (a desk event before its conversation, a conversation
before the customer row), every other part's store after the database stores of this module and before the
generic ``database`` store, which then takes whatever identifier is still left out of every other table.
A factory may return None: the store is not configured on this node (no Redis, say).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from souk.core.errors import NotFound
from souk.core.settings import Settings
from souk.privacy.consent import ConsentCustomerStore
from souk.privacy.customer import CustomerIds, CustomerStore
from souk.privacy.db_stores import DatabaseLeftovers, database_stores, repo
from souk.privacy.file_stores import (
    DataFilesStore,
    ReadFile,
    RecordingsStore,
    RedisKeysStore,
    RtmHistoryStore,
    read_plain,
    vault_reader,
)
from souk.privacy.rawscan import text_pattern
from souk.storage import Storage

IDENTIFY_ROUNDS = 2  # ids found by a later store reach the earlier ones in the second round


@dataclass(frozen=True)
class StoreDeps:
    storage: Storage
    settings: Settings
    data_dir: Path
    recordings_dir: Path
    redis_url: str | None = None
    rtm: Any = None  # the app's RTM broker (souk.rtm.broker.Broker) when running inside the app, else None
    read_recording: ReadFile = read_plain  # opens recordings encrypted at rest (vault_reader)

    @classmethod
    def of(cls, storage: Storage, settings: Settings, *, recordings_dir: Path | None = None, rtm: Any = None,
           read_recording: ReadFile | None = None) -> StoreDeps:
        keys = getattr(storage, "keys", None)  # encryption at rest on: recordings are sealed files
        reader = read_recording or (vault_reader(keys) if keys is not None else read_plain)
        return cls(storage, settings, settings.data_path, recordings_dir or settings.data_path / "recordings",
                   settings.redis_url or None, rtm, reader)


Factory = Callable[[StoreDeps], CustomerStore | None]


def _captions(d: StoreDeps) -> CustomerStore:
    from souk.live.captions_store import CaptionCustomerStore
    from souk.storage.repos.captions import SqlCaptionRepo

    return CaptionCustomerStore(SqlCaptionRepo(d.storage.db, d.storage.clock))


def rtm_history_store(d: StoreDeps) -> RtmHistoryStore:
    """The chat history of RTM: erased per customer, purged per merchant past retention (souk.privacy.stores)."""
    log = None if d.redis_url else d.data_dir / "rtm.db"
    return RtmHistoryStore(log, d.redis_url, d.rtm)


FACTORIES: list[Factory] = [
    _captions,  # part B: captions a customer spoke on stage (souk.live.captions_store)
    lambda d: ConsentCustomerStore(d.storage.consent),  # part D: consent records (erasure deletes them)
    # part E: keys
    rtm_history_store,
    lambda d: RedisKeysStore(d.redis_url) if d.redis_url else None,
    lambda d: RecordingsStore(d.recordings_dir, d.read_recording),
    lambda d: DataFilesStore(d.data_dir, [d.recordings_dir, d.data_dir / "models"]),  # models: downloaded weights
]


def customer_stores(deps: StoreDeps) -> list[CustomerStore]:
    """Every store, in erasure order: the database's, every other part's, the files', the leftovers."""
    stores: list[CustomerStore] = list(database_stores(deps.storage))
    for make in FACTORIES:
        store = make(deps)
        if store is not None:
            stores.append(store)
    stores.append(DatabaseLeftovers(deps.storage))
    names = [s.name for s in stores]
    if len(set(names)) != len(names):
        raise RuntimeError(f"two customer stores share a name: {names}")
    return stores


async def resolve_ids(storage: Storage, stores: Sequence[CustomerStore], merchant_id: str, customer: str, *,
                      emails: Sequence[str] = (), phones: Sequence[str] = (), names: Sequence[str] = (),
                      identities: Sequence[str] = (), require: bool = True) -> CustomerIds:
    """The customer's identifiers: ``customer`` is a customer id or an e-mail; the caller may add what it
    knows (a phone number the shop has elsewhere, a guest identity), then every store adds what it finds.
    NotFound when the merchant does not exist, or (``require``) nothing at all is known of the customer."""
    r = repo(storage)
    await r.merchant_exists(merchant_id)
    row = await r.find_customer(merchant_id, customer)
    customer_id = row["id"] if row is not None else customer
    ids = CustomerIds(merchant_id, customer_id).with_(emails=emails, phones=phones, names=names,
                                                      identities=identities)
    if "@" in customer and row is None:
        ids = ids.with_(emails=[customer])
    for _ in range(IDENTIFY_ROUNDS):
        for store in stores:
            ids = await store.identify(ids)
    if require and row is None and not (ids.order_ids or ids.conversation_ids or ids.call_ids or ids.identities - {customer_id}
                            or await r.containing(merchant_id, text_pattern(ids.needles()), only=_CHECKED)):
        raise NotFound(f"merchant {merchant_id} has no customer {customer!r} and no data naming it",
                       code="unknown_customer")
    return ids


# where a customer without a customers row may still have left data: looked at before answering unknown_customer
_CHECKED = ("participants", "call_records", "quality_records", "live_carts", "desk_conversations", "users")
