"""Group buys (issue 15): offers with price tiers and atomic joined counters. Filled by the group-buy work; until then no change.

Revision ID: 0011_group_buys
Revises: 0010_voice_rooms
Create Date: 2026-12-07 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = '0011_group_buys'
down_revision: str | None = '0010_voice_rooms'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
