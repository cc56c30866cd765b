"""Live shopping: flash sales with their own atomic unit counter.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 16:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('flash_sales',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('room_id', sa.String(length=128), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('sold', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended', sa.Boolean(), nullable=False),
    sa.CheckConstraint('sold >= 0 AND sold <= units', name=op.f('ck_flash_sales_sold_within_units')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_flash_sales_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('merchant_id', 'id', name=op.f('pk_flash_sales'))
    )
    op.create_index('ix_flash_sales_merchant_room', 'flash_sales', ['merchant_id', 'room_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_flash_sales_merchant_room', table_name='flash_sales')
    op.drop_table('flash_sales')
