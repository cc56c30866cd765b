"""Tables of live shopping (flash sales), registered on the one schema metadata so Alembic's diff and the
test fixtures see them. Created by migration 0002."""

from __future__ import annotations

import sqlalchemy as sa

from souk.storage.schema import metadata
from souk.storage.types import Money, UTCDateTime

flash_sales = sa.Table(
    "flash_sales", metadata,
    sa.Column("merchant_id", sa.String(64), sa.ForeignKey("merchants.id"), nullable=False),
    sa.Column("id", sa.String(64), nullable=False),
    sa.Column("room_id", sa.String(128), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("price", Money, nullable=False),
    sa.Column("units", sa.Integer, nullable=False),
    sa.Column("sold", sa.Integer, nullable=False),
    sa.Column("starts_at", UTCDateTime, nullable=False),
    sa.Column("ends_at", UTCDateTime, nullable=False),
    sa.Column("ended", sa.Boolean, nullable=False),
    sa.PrimaryKeyConstraint("merchant_id", "id"),
    sa.CheckConstraint("sold >= 0 AND sold <= units", name="sold_within_units"),
    sa.Index("ix_flash_sales_merchant_room", "merchant_id", "room_id"),
)
