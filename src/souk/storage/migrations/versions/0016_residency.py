"""Data residency and encryption keys (issue 17). Filled by that work; until then no change.

Revision ID: 0016_residency
Revises: 0015_captions
Create Date: 2026-12-07 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = '0016_residency'
down_revision: str | None = '0015_captions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
