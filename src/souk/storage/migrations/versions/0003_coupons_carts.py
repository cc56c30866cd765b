"""Live shopping: coupons (with their redemption counter and one redemption per customer) and carts
kept in the database (shared by every Souk node, surviving restarts).

Revision ID: 0003_coupons_carts
Revises: 0002
Create Date: 2026-11-21 17:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003_coupons_carts'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('coupons',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('room_id', sa.String(length=128), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('min_spend', sa.BigInteger(), nullable=False),
    sa.Column('max_redemptions', sa.Integer(), nullable=True),
    sa.Column('redeemed', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('percent', 'amount')", name=op.f('ck_coupons_kind')),
    sa.CheckConstraint('redeemed >= 0 AND (max_redemptions IS NULL OR redeemed <= max_redemptions)',
                       name=op.f('ck_coupons_redeemed_within_max')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_coupons_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('merchant_id', 'room_id', 'code', name=op.f('pk_coupons'))
    )
    op.create_table('coupon_redemptions',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('room_id', sa.String(length=128), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('discount', sa.BigInteger(), nullable=False),
    sa.Column('redeemed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'],
                            name=op.f('fk_coupon_redemptions_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['merchant_id', 'room_id', 'code'],
                            ['coupons.merchant_id', 'coupons.room_id', 'coupons.code'],
                            name='fk_coupon_redemptions_coupon'),
    sa.ForeignKeyConstraint(['merchant_id', 'order_id'], ['orders.merchant_id', 'orders.id'],
                            name='fk_coupon_redemptions_order'),
    sa.PrimaryKeyConstraint('merchant_id', 'room_id', 'code', 'customer_id', name=op.f('pk_coupon_redemptions'))
    )
    op.create_index('ix_coupon_redemptions_order', 'coupon_redemptions', ['merchant_id', 'order_id'], unique=False)
    op.create_table('live_carts',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('room_id', sa.String(length=128), nullable=False),
    sa.Column('identity', sa.String(length=128), nullable=False),
    sa.Column('lines', JSON, nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_live_carts_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('merchant_id', 'room_id', 'identity', name=op.f('pk_live_carts'))
    )
    op.create_index('ix_live_carts_merchant_updated', 'live_carts', ['merchant_id', 'updated_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_live_carts_merchant_updated', table_name='live_carts')
    op.drop_table('live_carts')
    op.drop_index('ix_coupon_redemptions_order', table_name='coupon_redemptions')
    op.drop_table('coupon_redemptions')
    op.drop_table('coupons')
