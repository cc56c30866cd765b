"""Live captions (issue 16). Filled by that work; until then no change.

Revision ID: 0015_captions
Revises: 0014_consent
Create Date: 2026-12-07 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = '0015_captions'
down_revision: str | None = '0014_consent'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
