"""Voice rooms (issue 15): rooms and seats. Filled by the voice-room work; until then no change.

Revision ID: 0010_voice_rooms
Revises: 0009_quality
Create Date: 2026-12-07 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = '0010_voice_rooms'
down_revision: str | None = '0009_quality'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
