"""Crash recovery: pins in the database, flash-sale buys keyed by order id, calls owned by a node.

- ``live_pins``: a live room's pinned skus (shared by every node, kept across restarts).
- ``flash_sale_buys``: one row per flash-sale order; a retried buy with the same order id finds it.
- ``call_records.node_id`` (+ a partial index on open calls) and the outcome ``interrupted``: at start-up a
  node ends the calls its previous process left ringing or running.

Revision ID: 0004_recovery
Revises: 0003_coupons_carts
Create Date: 2026-12-06 15:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0004_recovery'
down_revision: str | None = '0003_coupons_carts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
OUTCOMES = "'completed', 'declined', 'missed', 'cancelled', 'failed'"
OPEN = sa.text("ended_at IS NULL")


def upgrade() -> None:
    op.create_table('live_pins',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('room_id', sa.String(length=128), nullable=False),
    sa.Column('skus', JSON, nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_live_pins_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('merchant_id', 'room_id', name=op.f('pk_live_pins'))
    )
    op.create_index('ix_live_pins_merchant_updated', 'live_pins', ['merchant_id', 'updated_at'], unique=False)
    op.create_table('flash_sale_buys',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('sale_id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('bought_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'],
                            name=op.f('fk_flash_sale_buys_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['merchant_id', 'order_id'], ['orders.merchant_id', 'orders.id'],
                            name='fk_flash_sale_buys_order'),
    sa.ForeignKeyConstraint(['merchant_id', 'sale_id'], ['flash_sales.merchant_id', 'flash_sales.id'],
                            name='fk_flash_sale_buys_sale'),
    sa.PrimaryKeyConstraint('merchant_id', 'order_id', name=op.f('pk_flash_sale_buys'))
    )
    op.create_index('ix_flash_sale_buys_sale', 'flash_sale_buys', ['merchant_id', 'sale_id'], unique=False)
    with op.batch_alter_table('call_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('node_id', sa.String(length=64), nullable=False, server_default=''))
        batch_op.drop_constraint(op.f('ck_call_records_outcome'), type_='check')
        batch_op.create_check_constraint(op.f('ck_call_records_outcome'),
                                         f"outcome IS NULL OR outcome IN ({OUTCOMES}, 'interrupted')")
    op.create_index('ix_call_records_open', 'call_records', ['merchant_id', 'node_id'], unique=False,
                    sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade() -> None:
    op.drop_index('ix_call_records_open', table_name='call_records')
    op.execute("UPDATE call_records SET outcome = 'failed' WHERE outcome = 'interrupted'")
    with op.batch_alter_table('call_records', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_call_records_outcome'), type_='check')
        batch_op.create_check_constraint(op.f('ck_call_records_outcome'), f"outcome IS NULL OR outcome IN ({OUTCOMES})")
        batch_op.drop_column('node_id')
    op.drop_index('ix_flash_sale_buys_sale', table_name='flash_sale_buys')
    op.drop_table('flash_sale_buys')
    op.drop_index('ix_live_pins_merchant_updated', table_name='live_pins')
    op.drop_table('live_pins')
