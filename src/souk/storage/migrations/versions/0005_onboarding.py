"""Merchant onboarding: a merchant's region and country; the store file's shipping fees, duty rules and FAQ
translations (STORE_FORMAT.md), so that an exported store is the store that was imported.

Revision ID: 0005_onboarding
Revises: 0004_recovery
Create Date: 2026-12-06 15:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0005_onboarding'
down_revision: str | None = '0004_recovery'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('merchants') as batch:
        batch.add_column(sa.Column('region', sa.String(length=64), nullable=False, server_default=''))
        batch.add_column(sa.Column('country', sa.String(length=2), nullable=False, server_default=''))
    with op.batch_alter_table('shipping_zones') as batch:
        batch.add_column(sa.Column('standard_fee', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('express_fee', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('duty_rules', JSON, nullable=True))
    with op.batch_alter_table('faq') as batch:
        batch.add_column(sa.Column('answers', JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('faq') as batch:
        batch.drop_column('answers')
    with op.batch_alter_table('shipping_zones') as batch:
        batch.drop_column('duty_rules')
        batch.drop_column('express_fee')
        batch.drop_column('standard_fee')
    with op.batch_alter_table('merchants') as batch:
        batch.drop_column('country')
        batch.drop_column('region')
