"""Call quality (issue 14): one record per participant per join (souk.domain.quality), written as the browser's
reports and Janus's media events arrive.

- ``quality_records``: key (merchant, room, identity, join session); ``started_at`` (the ops window),
  ``failure`` (failed joins) and ``kind`` as columns, the whole record as JSON. Every key carries the merchant.

Revision ID: 0009_quality
Revises: 0008_order_actions
Create Date: 2026-12-06 23:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0009_quality'
down_revision: str | None = '0008_order_actions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('quality_records',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('room_id', sa.String(length=128), nullable=False),
    sa.Column('identity', sa.String(length=128), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('failure', sa.String(length=32), nullable=True),
    sa.Column('record', JSON, nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_quality_records_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('merchant_id', 'room_id', 'identity', 'session_id', name=op.f('pk_quality_records'))
    )
    op.create_index('ix_quality_records_merchant_started', 'quality_records', ['merchant_id', 'started_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_quality_records_merchant_started', table_name='quality_records')
    op.drop_table('quality_records')
