"""Voice rooms (issue 15): one row per voice room holding its seat map (souk.domain.seats).

- ``voice_rooms``: key (merchant, room), a foreign key to the ``rooms`` row (kind ``voice``); the seat map
  (seats, raised hands, invitations) as JSON with a ``version`` that every change bumps, written only over
  the version read under the row lock (souk.storage.repos.voice_rooms). Every key carries the merchant.

Revision ID: 0010_voice_rooms
Revises: 0009_quality
Create Date: 2026-12-07 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0010_voice_rooms'
down_revision: str | None = '0009_quality'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


# group video calls (issue 15, part G) are rooms of kind 'group': the rooms table's kind check accepts it
KINDS = "'consult', 'live', 'voice'"


def _room_kinds(kinds: str) -> None:
    with op.batch_alter_table('rooms') as batch:
        batch.drop_constraint(op.f('ck_rooms_kind'), type_='check')
        batch.create_check_constraint(op.f('ck_rooms_kind'), f"kind IN ({kinds})")


def upgrade() -> None:
    _room_kinds(f"{KINDS}, 'group'")
    op.create_table('voice_rooms',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('room_id', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('host_identity', sa.String(length=128), nullable=False),
    sa.Column('record', sa.Boolean(), nullable=False),
    sa.Column('state', JSON, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_voice_rooms_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['merchant_id', 'room_id'], ['rooms.merchant_id', 'rooms.id'],
                            name='fk_voice_rooms_room'),
    sa.PrimaryKeyConstraint('merchant_id', 'room_id', name=op.f('pk_voice_rooms'))
    )
    op.create_index('ix_voice_rooms_merchant_ended', 'voice_rooms', ['merchant_id', 'ended_at'], unique=False)


def downgrade() -> None:
    # group calls cannot be stored before this revision: they go, with their participant records
    op.execute("DELETE FROM participants WHERE EXISTS (SELECT 1 FROM rooms r WHERE r.merchant_id = "
               "participants.merchant_id AND r.id = participants.room_id AND r.kind = 'group')")
    op.execute("DELETE FROM rooms WHERE kind = 'group'")
    _room_kinds(KINDS)
    op.drop_index('ix_voice_rooms_merchant_ended', table_name='voice_rooms')
    op.drop_table('voice_rooms')
