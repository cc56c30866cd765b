"""Data residency and encryption keys (issue 17 parts 1 and 7).

- ``merchants.data_region``: the region whose backend holds the merchant's data (souk.privacy.residency);
  "" for a merchant made before regions were configured, served by a node's default backend.
- ``merchant_keys``: each merchant's data keys (souk.privacy.keys), wrapped by the master key named by
  ``master_id``; one ``active`` key encrypts new data, ``retired`` ones still decrypt what they wrote, a
  ``destroyed`` one (crypto-shredding) has no key material left.

Revision ID: 0016_residency
Revises: 0015_captions
Create Date: 2026-12-07 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016_residency'
down_revision: str | None = '0015_captions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('merchants') as batch:
        batch.add_column(sa.Column('data_region', sa.String(length=32), server_default='', nullable=False))
    op.create_table('merchant_keys',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('master_id', sa.String(length=32), nullable=False),
    sa.Column('wrapped', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('active', 'retired', 'destroyed')", name=op.f('ck_merchant_keys_state')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_merchant_keys_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('merchant_id', 'key_id', name=op.f('pk_merchant_keys'))
    )
    # at most one active key per merchant (rotation retires the old one in the same transaction)
    op.create_index('uq_merchant_keys_active', 'merchant_keys', ['merchant_id'], unique=True,
                    sqlite_where=sa.text("state = 'active'"), postgresql_where=sa.text("state = 'active'"))


def downgrade() -> None:
    op.drop_index('uq_merchant_keys_active', table_name='merchant_keys')
    op.drop_table('merchant_keys')
    # a plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35 has it): batch mode would rebuild `merchants`, which
    # every tenant table references, and SQLite refuses to drop it under them
    op.drop_column('merchants', 'data_region')
