"""Translation (issue 16): the translation cache and the catalog's per-language texts. Filled by the translation work; until then no change.

Revision ID: 0012_translations
Revises: 0011_group_buys
Create Date: 2026-12-07 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = '0012_translations'
down_revision: str | None = '0011_group_buys'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
