"""Privacy (issue 17): the audit log and retention settings.

- ``audit_log``: one append-only hash chain per merchant (souk.domain.audit), key (merchant, seq).
- ``audit_heads``: each chain's last (seq, hash), row-locked by every append so a chain never forks, and the
  anchor (last purged seq and hash) that retention leaves behind.
- ``retention_policies``: a merchant's days to keep per data kind, where it differs from [privacy]'s defaults.

Revision ID: 0013_privacy
Revises: 0012_translations
Create Date: 2026-12-07 03:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0013_privacy'
down_revision: str | None = '0012_translations'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('at_us', sa.BigInteger(), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=200), nullable=False),
    sa.Column('object_kind', sa.String(length=200), nullable=False),
    sa.Column('object_id', sa.String(length=200), nullable=False),
    sa.Column('detail', JSON, nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_audit_log_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('merchant_id', 'seq', name=op.f('pk_audit_log'))
    )
    op.create_index('ix_audit_log_merchant_at', 'audit_log', ['merchant_id', 'at_us'], unique=False)
    op.create_index('ix_audit_log_merchant_actor', 'audit_log', ['merchant_id', 'actor', 'at_us'], unique=False)
    op.create_index('ix_audit_log_merchant_object', 'audit_log', ['merchant_id', 'object_kind', 'object_id'],
                    unique=False)
    op.create_table('audit_heads',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('anchor_seq', sa.BigInteger(), nullable=False),
    sa.Column('anchor_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_audit_heads_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('merchant_id', name=op.f('pk_audit_heads'))
    )
    op.create_table('retention_policies',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('days > 0', name=op.f('ck_retention_policies_days')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'],
                            name=op.f('fk_retention_policies_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('merchant_id', 'kind', name=op.f('pk_retention_policies'))
    )


def downgrade() -> None:
    op.drop_table('retention_policies')
    op.drop_table('audit_heads')
    op.drop_index('ix_audit_log_merchant_object', table_name='audit_log')
    op.drop_index('ix_audit_log_merchant_actor', table_name='audit_log')
    op.drop_index('ix_audit_log_merchant_at', table_name='audit_log')
    op.drop_table('audit_log')
