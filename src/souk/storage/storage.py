"""The Storage facade: one object exposing every repository, built by ``open_storage(settings)``."""

from __future__ import annotations

import datetime as dt
import logging
from types import TracebackType
from typing import Self

from souk.core.clock import Clock, SystemClock
from souk.core.errors import ConfigError
from souk.core.settings import Settings
from souk.domain.ports import StoragePort
from souk.domain.store import StoreSnapshot
from souk.privacy.keys import KeyRing
from souk.storage import migrate
from souk.storage.db import Database, create_engine
from souk.storage.repos.apikeys import SqlApiKeyRepo
from souk.storage.repos.audit import SqlAuditRepo
from souk.storage.repos.calls import SqlCallRepo
from souk.storage.repos.carts import SqlCartRepo
from souk.storage.repos.catalog import SqlCatalogRepo
from souk.storage.repos.consent import SqlConsentRepo
from souk.storage.repos.coupons import SqlCouponRepo
from souk.storage.repos.customers import SqlCustomerRepo
from souk.storage.repos.desk import SqlConversationRepo, SqlDeskSettingsRepo, SqlStaffRepo
from souk.storage.repos.desk_webhooks import SqlWebhookDeliveryRepo, SqlWebhookEndpointRepo
from souk.storage.repos.flash_sales import SqlFlashSaleRepo
from souk.storage.repos.group_buys import SqlGroupBuyRepo
from souk.storage.repos.merchant_keys import SqlMerchantKeyRepo
from souk.storage.repos.merchants import SqlMerchantRepo
from souk.storage.repos.order_actions import SqlOrderActionRepo
from souk.storage.repos.orders import SqlOrderRepo
from souk.storage.repos.pins import SqlPinRepo
from souk.storage.repos.quality import SqlQualityRepo
from souk.storage.repos.reader import SqlStoreReader
from souk.storage.repos.redaction import SqlRedactionRepo
from souk.storage.repos.retention import SqlRetentionRepo
from souk.storage.repos.rooms import SqlRoomRepo
from souk.storage.repos.storefile import SqlStoreFileRepo
from souk.storage.repos.storeinfo import SqlStoreInfoRepo
from souk.storage.repos.translations import SqlTranslationRepo
from souk.storage.repos.users import SqlUserRepo
from souk.storage.repos.voice_rooms import SqlVoiceRoomRepo

log = logging.getLogger(__name__)


class Storage:
    """Repositories over one database. Every tenant-scoped call takes ``merchant_id`` first."""

    def __init__(self, db: Database, clock: Clock | None = None, *, node_id: str = "",
                 keys: KeyRing | None = None, redact_transcripts: bool = False) -> None:
        clock = clock or SystemClock()
        self.db = db
        self.clock = clock
        # PII redaction of stored transcripts per merchant (default: [privacy] redact_transcripts)
        self.redaction = SqlRedactionRepo(db, clock, transcripts_default=redact_transcripts)
        self.merchants = SqlMerchantRepo(db, clock)
        self.api_keys = SqlApiKeyRepo(db, clock)
        self.users = SqlUserRepo(db, clock)
        self.catalog = SqlCatalogRepo(db, clock)
        self.customers = SqlCustomerRepo(db, clock)
        self.orders = SqlOrderRepo(db, clock)
        self.order_actions = SqlOrderActionRepo(db, clock)  # actions for shoppers, audited (souk.assistant.actions)
        self.store_info = SqlStoreInfoRepo(db, clock)
        self.reader = SqlStoreReader(db, clock)
        self.store_files = SqlStoreFileRepo(db, clock)  # store file import (souk.domain.storefile)
        self.rooms = SqlRoomRepo(db, clock)
        self.calls = SqlCallRepo(db, clock, node_id=node_id)  # calls this node's process rings and runs
        self.flash_sales = SqlFlashSaleRepo(db, clock)  # live shopping (souk.domain.flash_sales)
        self.coupons = SqlCouponRepo(db, clock)  # live-room coupons (souk.domain.coupons)
        self.live_carts = SqlCartRepo(db, clock)  # live-room carts and their checkout (souk.domain.coupons)
        self.pins = SqlPinRepo(db, clock)  # live-room pins (souk.domain.pins)
        self.group_buys = SqlGroupBuyRepo(db, clock)  # group buys in a room (souk.domain.group_buys)
        self.translations = SqlTranslationRepo(db, clock)  # translation cache, catalog drafts (souk.translate)
        # the customer-service desk (souk.desk.ports, souk.desk.webhook_store)
        # encryption at rest (souk.privacy.keys; None: off): merchants' data keys, wrapped
        self.merchant_keys = SqlMerchantKeyRepo(db, clock)
        self.keys = keys
        self.desk = SqlConversationRepo(db, clock, sealer=keys, redaction=self.redaction)  # conversations and their timelines (bodies sealed)
        self.desk_staff = SqlStaffRepo(db, clock)
        self.desk_settings = SqlDeskSettingsRepo(db, clock)
        self.webhook_endpoints = SqlWebhookEndpointRepo(db, clock)
        self.webhook_deliveries = SqlWebhookDeliveryRepo(db, clock)
        self.quality = SqlQualityRepo(db, clock)  # call-quality records (souk.domain.quality)
        self.voice_rooms = SqlVoiceRoomRepo(db, clock)  # voice rooms and their seats (souk.domain.voice_rooms)
        self.audit = SqlAuditRepo(db, clock)  # the audit log's hash chains (souk.domain.audit)
        self.retention = SqlRetentionRepo(db, clock)  # retention days per data kind, desk purge
        self.consent = SqlConsentRepo(db, clock)  # consent records (souk.domain.consent)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.db.dialect

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock.wall(), dt.UTC)

    async def snapshot(self, merchant_id: str, *, as_of: dt.date | None = None) -> StoreSnapshot:
        """StoreReader: the merchant's whole store, read consistently."""
        return await self.reader.snapshot(merchant_id, as_of=as_of)

    async def aclose(self) -> None:
        await self.db.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


async def open_storage(
    settings: Settings, *, clock: Clock | None = None, run_migrations: bool = True, url: str | None = None
) -> Storage:
    """Connect to ``settings.db_url`` (or ``url``), migrate it to head, and return the Storage.

    With ``run_migrations=False`` (deployments that migrate separately) a schema behind the code is a
    ConfigError naming the fix instead of a failure on the first query.
    """
    db = Database(create_engine(url or settings.db_url))
    try:
        if run_migrations:
            await migrate.upgrade(db.engine)
        else:
            current, head = await migrate.current_revision(db.engine), migrate.head_revision()
            if current != head:
                raise ConfigError(f"database schema is at {current or 'nothing'}, this Souk needs {head}: "
                                  "run `souk db upgrade`", code="schema_outdated")
    except BaseException:
        await db.aclose()
        raise
    log.info("storage open (%s)", db.dialect)
    clock = clock or SystemClock()
    keys = (KeyRing.from_settings(SqlMerchantKeyRepo(db, clock), settings, clock)
            if settings.privacy.encrypt_at_rest else None)
    return Storage(db, clock, node_id=settings.node_id, keys=keys,
                   redact_transcripts=settings.privacy.redact_transcripts)


def _implements_the_ports(storage: Storage) -> StoragePort:
    """Never called: makes mypy prove that Storage and every SQL repository match souk.domain.ports."""
    return storage
