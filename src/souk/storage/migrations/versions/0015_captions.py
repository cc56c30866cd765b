"""Live captions (issue 16): ``captions``, one row per final caption of a show (souk.live.captions).

- (merchant, show, seq) -> the room, the speaker's identity, the source language, the caption's offsets in ms
  from the show's start (the replay's clock), its text and the translations made live ({"es": "..."}).

Revision ID: 0015_captions
Revises: 0014_consent
Create Date: 2026-12-07 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0015_captions'
down_revision: str | None = '0014_consent'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('captions',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('show_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.String(length=128), nullable=False),
    sa.Column('speaker', sa.String(length=128), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('start_ms', sa.BigInteger(), nullable=False),
    sa.Column('end_ms', sa.BigInteger(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('translations', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
              nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('end_ms >= start_ms', name=op.f('ck_captions_span')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_captions_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('merchant_id', 'show_id', 'seq', name=op.f('pk_captions'))
    )
    op.create_index('ix_captions_merchant_room', 'captions', ['merchant_id', 'room_id', 'show_id'], unique=False)
    op.create_index('ix_captions_merchant_speaker', 'captions', ['merchant_id', 'speaker'], unique=False)
    op.create_index('ix_captions_merchant_created', 'captions', ['merchant_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_captions_merchant_created', table_name='captions')
    op.drop_index('ix_captions_merchant_speaker', table_name='captions')
    op.drop_index('ix_captions_merchant_room', table_name='captions')
    op.drop_table('captions')
