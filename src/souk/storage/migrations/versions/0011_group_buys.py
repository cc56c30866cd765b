"""Group buys (issue 15): offers with price tiers and atomic counters, and one row per buyer's join.

- ``group_buys``: an offer of one sku in a room: tiers ([[min_buyers, "price"], ...]), a cap in units, the
  units one buyer may take, the counters ``buyers`` and ``units`` (moved only by a conditional UPDATE), the
  end time and an ``ended`` flag.
- ``group_buy_joins``: one row per join, written in the join's transaction: primary key the order id (a
  retried join finds its first order), unique (offer, customer) (a buyer joins once).

Revision ID: 0011_group_buys
Revises: 0010_voice_rooms
Create Date: 2026-12-07 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0011_group_buys'
down_revision: str | None = '0010_voice_rooms'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('group_buys',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('room_id', sa.String(length=128), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('tiers', JSON, nullable=False),
    sa.Column('cap', sa.Integer(), nullable=False),
    sa.Column('max_qty', sa.Integer(), nullable=False),
    sa.Column('buyers', sa.Integer(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended', sa.Boolean(), nullable=False),
    sa.CheckConstraint('units >= 0 AND units <= cap AND buyers >= 0 AND buyers <= units',
                       name=op.f('ck_group_buys_within_cap')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_group_buys_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('merchant_id', 'id', name=op.f('pk_group_buys'))
    )
    op.create_index('ix_group_buys_merchant_room', 'group_buys', ['merchant_id', 'room_id'], unique=False)
    op.create_table('group_buy_joins',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('offer_id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'],
                            name=op.f('fk_group_buy_joins_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['merchant_id', 'order_id'], ['orders.merchant_id', 'orders.id'],
                            name='fk_group_buy_joins_order'),
    sa.ForeignKeyConstraint(['merchant_id', 'offer_id'], ['group_buys.merchant_id', 'group_buys.id'],
                            name='fk_group_buy_joins_offer'),
    sa.PrimaryKeyConstraint('merchant_id', 'order_id', name=op.f('pk_group_buy_joins')),
    sa.UniqueConstraint('merchant_id', 'offer_id', 'customer_id', name='uq_group_buy_joins_buyer')
    )


def downgrade() -> None:
    op.drop_table('group_buy_joins')
    op.drop_index('ix_group_buys_merchant_room', table_name='group_buys')
    op.drop_table('group_buys')
