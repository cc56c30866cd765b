"""Consent records (issue 17 part 2): ``consent_records``, one row per answer a shopper gave (granted or
withdrawn) to a kind of processing (recording, ai_processing, marketing), with the time, the version and
language of the wording shown and the channel that asked. Append-only; the newest row per (merchant, subject,
kind) is the standing answer (souk.domain.consent).

Revision ID: 0014_consent
Revises: 0013_privacy
Create Date: 2026-12-07 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014_consent'
down_revision: str | None = '0013_privacy'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('consent_records',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=128), nullable=False),
    sa.Column('customer_id', sa.String(length=128), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('at_us', sa.BigInteger(), nullable=False),
    sa.Column('text_version', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'],
                            name=op.f('fk_consent_records_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_consent_records'))
    )
    op.create_index('ix_consent_records_subject', 'consent_records', ['merchant_id', 'subject', 'kind', 'at_us'],
                    unique=False)
    op.create_index('ix_consent_records_customer', 'consent_records', ['merchant_id', 'customer_id'], unique=False)
    op.create_index('ix_consent_records_at', 'consent_records', ['merchant_id', 'at_us'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_consent_records_at', table_name='consent_records')
    op.drop_index('ix_consent_records_customer', table_name='consent_records')
    op.drop_index('ix_consent_records_subject', table_name='consent_records')
    op.drop_table('consent_records')
