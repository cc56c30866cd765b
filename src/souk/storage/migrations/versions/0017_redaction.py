"""PII redaction per merchant (issue 17 part 6): ``redaction_policies`` holds a merchant's own choice per
target (today ``transcripts``: desk voice transcripts and live captions, redacted before they are stored),
where it differs from the ``[privacy]`` default.

Revision ID: 0017_redaction
Revises: 0016_residency
Create Date: 2026-12-07 07:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017_redaction'
down_revision: str | None = '0016_residency'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('redaction_policies',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=32), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'],
                            name=op.f('fk_redaction_policies_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('merchant_id', 'target', name=op.f('pk_redaction_policies'))
    )


def downgrade() -> None:
    op.drop_table('redaction_policies')
