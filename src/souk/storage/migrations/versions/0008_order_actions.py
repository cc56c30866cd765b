"""Actions on orders taken for a shopper (issue 13): the audit of each one, returns and exchanges (RMAs), and
the shipping address a shopper changed before dispatch.

- ``order_actions``: one row per action asked for (done or refused), who asked (customer or staff id), in which
  conversation and channel; ``idempotency_key`` is unique per merchant, so a retried request is one effect.
- ``returns``: an RMA (``RMA-...``) per return or exchange, its lines, refund, fee and return label reference.
- ``orders.shipping_address``: NULL means "as placed". No foreign key to orders: the audit outlives an order
  that an import replaced. Every key carries the merchant.

Revision ID: 0008_order_actions
Revises: 0007_desk
Create Date: 2026-12-06 20:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0008_order_actions'
down_revision: str | None = '0007_desk'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def _merchant(table: str) -> list[sa.schema.SchemaItem]:
    return [sa.Column('merchant_id', sa.String(length=64), nullable=False),
            sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f(f'fk_{table}_merchant_id_merchants'))]


def upgrade() -> None:
    with op.batch_alter_table('orders') as batch:
        batch.add_column(sa.Column('shipping_address', JSON, nullable=True))
    op.create_table('order_actions',
    *_merchant('order_actions'),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('refusal', sa.String(length=32), nullable=True),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('conversation_id', sa.String(length=128), nullable=True),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('details', JSON, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('done', 'refused')", name=op.f('ck_order_actions_status')),
    sa.PrimaryKeyConstraint('merchant_id', 'id', name=op.f('pk_order_actions')),
    sa.UniqueConstraint('merchant_id', 'idempotency_key', name='uq_order_actions_idempotency_key')
    )
    op.create_index('ix_order_actions_merchant_order', 'order_actions', ['merchant_id', 'order_id', 'created_at'],
                    unique=False)
    op.create_table('returns',
    *_merchant('returns'),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('lines', JSON, nullable=False),
    sa.Column('refund_amount', sa.BigInteger(), nullable=False),
    sa.Column('fee', sa.BigInteger(), nullable=False),
    sa.Column('label_ref', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('action_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('return', 'exchange')", name=op.f('ck_returns_kind')),
    sa.CheckConstraint("status IN ('requested', 'received', 'refunded', 'cancelled')",
                       name=op.f('ck_returns_status')),
    sa.PrimaryKeyConstraint('merchant_id', 'id', name=op.f('pk_returns'))
    )
    op.create_index('ix_returns_merchant_order', 'returns', ['merchant_id', 'order_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_returns_merchant_order', table_name='returns')
    op.drop_table('returns')
    op.drop_index('ix_order_actions_merchant_order', table_name='order_actions')
    op.drop_table('order_actions')
    with op.batch_alter_table('orders') as batch:
        batch.drop_column('shipping_address')
