"""The operator's residency steps (souk.privacy.residency; docs/privacy.md "Residency"): create a merchant in
its region (its rows, first API key and data there; its directory row in every region) and record a merchant's
move to another region once its data has been copied (the documented procedure)."""

from __future__ import annotations

import logging

from souk.core.errors import Conflict
from souk.core.settings import Settings
from souk.domain.models import Merchant
from souk.privacy.residency import WrongRegion, check_region, region_urls
from souk.storage.onboarding import IssuedKey, MerchantSpec, Onboarding
from souk.storage.storage import Storage, open_storage

log = logging.getLogger(__name__)


def region_settings(settings: Settings, region: str) -> Settings:
    """``settings`` as a node of ``region`` sees them (its database and data dir)."""
    check_region(settings, region)
    r = settings.regions[region]
    return settings.model_copy(update={"database_url": r.database_url or settings.database_url,
                                       "data_dir": r.data_dir or settings.data_dir})


async def publish(settings: Settings, merchant: Merchant, region: str, *, home: Storage | None = None) -> None:
    """Write the merchant's directory row (no keys, no data) with its region into every region's database."""
    for name, url in region_urls(settings).items():
        if home is not None and name == region:
            await home.merchants.set_data_region(merchant.id, region)
            continue
        storage = await open_storage(region_settings(settings, name), url=url)
        try:
            await storage.merchants.upsert(merchant)
            await storage.merchants.set_data_region(merchant.id, region)
        finally:
            await storage.aclose()


async def create_in_region(settings: Settings, spec: MerchantSpec, region: str) -> tuple[Merchant, IssuedKey]:
    """Create the merchant and its first key in ``region``'s database, then list it in every other region."""
    home = await open_storage(region_settings(settings, region))
    try:
        merchant, key = await Onboarding(home).create_merchant(spec)
        await publish(settings, merchant, region, home=home)
    finally:
        await home.aclose()
    log.info("merchant %s created in region %s", merchant.id, region)
    return merchant, key


async def set_region(settings: Settings, merchant_id: str, region: str) -> None:
    """Record in every region that ``merchant_id`` now lives in ``region`` (after its data was moved there)."""
    target = await open_storage(region_settings(settings, region))
    try:
        source = await target.merchants.get(merchant_id)
        # API keys live only in a merchant's home region: none there means its data was not moved yet
        if not await target.api_keys.list(merchant_id):
            raise Conflict(f"merchant {merchant_id!r} has no data in region {region!r} yet: move it first "
                           "(docs/privacy.md \"Residency\")", code="region_not_ready")
    finally:
        await target.aclose()
    await publish(settings, source, region)
    log.warning("merchant %s now lives in region %s", merchant_id, region)


async def create_on_node(settings: Settings, storage: Storage, spec: MerchantSpec,
                         data_region: str = "") -> tuple[Merchant, IssuedKey, str]:
    """The operator API's create: on this node's backend, which must be the merchant's region (403
    ``wrong_region`` otherwise; 400 ``unknown_region``), then listed in every region. Returns the region."""
    region = data_region or settings.residency.region
    if region or settings.regions:
        check_region(settings, region)
    node = settings.residency.region
    if node and region != node:
        raise WrongRegion(spec.id, region, node)
    merchant, key = await Onboarding(storage).create_merchant(spec)
    if region:
        await publish(settings, merchant, region, home=storage)
    return merchant, key, region
