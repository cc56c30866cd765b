"""The customer-service desk (issue 12): conversations and their timelines, staff profiles, desk settings,
and merchant webhooks (endpoints, deliveries with their attempts, events parked while the queue was full).

- ``desk_conversations``: a conversation's state; ``desk_events``: its events numbered 1, 2, ... (the JSON
  text of ``souk.domain.desk.timeline.encode_event``). Appends lock the conversation's row.
- ``desk_agents`` (skills, capacity), ``desk_settings`` (``DeskSettings.to_dict()``).
- ``webhook_endpoints``, ``webhook_deliveries`` (the exact signed body), ``webhook_attempts``,
  ``webhook_parked``. Every key carries the merchant.

Revision ID: 0007_desk
Revises: 0006_call_detail
Create Date: 2026-12-06 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0007_desk'
down_revision: str | None = '0006_call_detail'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
UNFINISHED = sa.text("status IN ('queued', 'assigned')")
PENDING = sa.text("status = 'pending'")


def _merchant(table: str) -> list[sa.schema.SchemaItem]:
    return [sa.Column('merchant_id', sa.String(length=64), nullable=False),
            sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f(f'fk_{table}_merchant_id_merchants'))]


def upgrade() -> None:
    op.create_table('desk_conversations',
    *_merchant('desk_conversations'),
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('shopper_identity', sa.String(length=128), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=True),
    sa.Column('queue', sa.String(length=200), nullable=True),
    sa.Column('agent_id', sa.String(length=128), nullable=True),
    sa.Column('active_call', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.String(length=16), nullable=True),
    sa.Column('csat', sa.Integer(), nullable=True),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('ai', 'queued', 'assigned', 'closed')", name=op.f('ck_desk_conversations_status')),
    sa.CheckConstraint('events >= 0', name=op.f('ck_desk_conversations_events_not_negative')),
    sa.CheckConstraint('csat IS NULL OR csat BETWEEN 1 AND 5', name=op.f('ck_desk_conversations_csat_range')),
    sa.PrimaryKeyConstraint('merchant_id', 'id', name=op.f('pk_desk_conversations'))
    )
    for name, columns in (('status', ['merchant_id', 'status']), ('updated', ['merchant_id', 'updated_at']),
                          ('created', ['merchant_id', 'created_at']), ('agent', ['merchant_id', 'agent_id']),
                          ('shopper', ['merchant_id', 'shopper_identity'])):
        op.create_index(f'ix_desk_conversations_merchant_{name}', 'desk_conversations', columns, unique=False)
    op.create_index('ix_desk_conversations_unfinished', 'desk_conversations', ['merchant_id', 'created_at'],
                    unique=False, sqlite_where=UNFINISHED, postgresql_where=UNFINISHED)
    op.create_table('desk_events',
    *_merchant('desk_events'),
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.CheckConstraint('seq > 0', name=op.f('ck_desk_events_seq_positive')),
    sa.ForeignKeyConstraint(['merchant_id', 'conversation_id'],
                            ['desk_conversations.merchant_id', 'desk_conversations.id'],
                            name='fk_desk_events_conversation', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('merchant_id', 'conversation_id', 'seq', name=op.f('pk_desk_events'))
    )
    op.create_table('desk_agents',
    *_merchant('desk_agents'),
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('skills', JSON, nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_desk_agents_capacity_positive')),
    sa.PrimaryKeyConstraint('merchant_id', 'id', name=op.f('pk_desk_agents'))
    )
    op.create_table('desk_settings',
    *_merchant('desk_settings'),
    sa.Column('body', JSON, nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('merchant_id', name=op.f('pk_desk_settings'))
    )
    op.create_table('webhook_endpoints',
    *_merchant('webhook_endpoints'),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('events', JSON, nullable=False),
    sa.Column('secret', sa.String(length=256), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('merchant_id', 'id', name=op.f('pk_webhook_endpoints'))
    )
    op.create_table('webhook_deliveries',
    *_merchant('webhook_deliveries'),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('endpoint_id', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=32), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('next_attempt_at', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_response', sa.Text(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'delivered', 'failed')", name=op.f('ck_webhook_deliveries_status')),
    sa.PrimaryKeyConstraint('merchant_id', 'id', name=op.f('pk_webhook_deliveries'))
    )
    op.create_index('ix_webhook_deliveries_merchant_created', 'webhook_deliveries', ['merchant_id', 'created_at'],
                    unique=False)
    op.create_index('ix_webhook_deliveries_endpoint', 'webhook_deliveries',
                    ['merchant_id', 'endpoint_id', 'created_at'], unique=False)
    op.create_index('ix_webhook_deliveries_due', 'webhook_deliveries', ['next_attempt_at'], unique=False,
                    sqlite_where=PENDING, postgresql_where=PENDING)
    op.create_table('webhook_attempts',
    *_merchant('webhook_attempts'),
    sa.Column('delivery_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.Column('duration_ms', sa.Float(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['merchant_id', 'delivery_id'], ['webhook_deliveries.merchant_id', 'webhook_deliveries.id'],
                            name='fk_webhook_attempts_delivery', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('merchant_id', 'delivery_id', 'seq', name=op.f('pk_webhook_attempts'))
    )
    op.create_table('webhook_parked',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    *_merchant('webhook_parked'),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('parked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_webhook_parked'))
    )
    op.create_index('ix_webhook_parked_merchant', 'webhook_parked', ['merchant_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_webhook_parked_merchant', table_name='webhook_parked')
    op.drop_table('webhook_parked')
    op.drop_table('webhook_attempts')
    for name in ('due', 'endpoint', 'merchant_created'):
        op.drop_index(f'ix_webhook_deliveries_{name}', table_name='webhook_deliveries')
    op.drop_table('webhook_deliveries')
    op.drop_table('webhook_endpoints')
    op.drop_table('desk_settings')
    op.drop_table('desk_agents')
    op.drop_table('desk_events')
    op.drop_index('ix_desk_conversations_unfinished', table_name='desk_conversations')
    for name in ('shopper', 'agent', 'created', 'updated', 'status'):
        op.drop_index(f'ix_desk_conversations_merchant_{name}', table_name='desk_conversations')
    op.drop_table('desk_conversations')
