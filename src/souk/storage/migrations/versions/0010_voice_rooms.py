"""Voice rooms (issue 15): one row per voice room holding its seat map (souk.domain.seats).

- ``voice_rooms``: key (merchant, room), a foreign key to the ``rooms`` row (kind ``voice``); the seat map
  (seats, raised hands, invitations) as JSON with a ``version`` that every change bumps, written only over
  the version read under the row lock (souk.storage.repos.voice_rooms). Every key carries the merchant.

Revision ID: 0010_voice_rooms
Revises: 0009_quality
Create Date: 2026-12-07 02:30:00
"""

from __future__ import annotations

import re
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
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        with op.batch_alter_table('rooms') as batch:
            batch.drop_constraint(op.f('ck_rooms_kind'), type_='check')
            batch.create_check_constraint(op.f('ck_rooms_kind'), f"kind IN ({kinds})")
        return
    # SQLite cannot alter a CHECK, and a batch rebuild drops `rooms` under the rows that reference it (foreign
    # keys are on during migrations: the drop fails). The check changes nothing stored, so its text is rewritten
    # in place: the procedure SQLite documents for such changes (sqlite.org/lang_altertable.html#otheralter).
    sql = bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'rooms'")).scalar()
    found = re.search(r"CONSTRAINT ck_rooms_kind CHECK \(kind IN \([^)]*\)\)", str(sql))
    if found is None:
        raise RuntimeError(f"rooms has no ck_rooms_kind check to change: {sql}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.execute(sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'rooms'"),
                 {"sql": str(sql).replace(found.group(0), f"CONSTRAINT ck_rooms_kind CHECK (kind IN ({kinds}))")})
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version or 0) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


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
