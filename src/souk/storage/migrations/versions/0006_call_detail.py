"""Consult calls shared by nodes: the whole call in its record.

``call_records.detail`` holds what the call's state machine shows beside the columns (the shopper's and the
product's names, who ended it, the live room it came from, the viewer's note and cart), so any node, and a
node started again, answers ``GET /v1/consults/{id}`` from the database (docs/multinode.md).

Revision ID: 0006_call_detail
Revises: 0005_onboarding
Create Date: 2026-12-06 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0006_call_detail'
down_revision: str | None = '0005_onboarding'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('call_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detail', JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('call_records', schema=None) as batch_op:
        batch_op.drop_column('detail')
