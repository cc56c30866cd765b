"""Privacy (issue 17): the audit log and retention settings. Filled by the privacy work; until then no change.

Revision ID: 0013_privacy
Revises: 0012_translations
Create Date: 2026-12-07 03:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = '0013_privacy'
down_revision: str | None = '0012_translations'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
