"""Translation (issue 16): the translation cache and the catalog's machine-made texts for review.

- ``translation_cache``: (merchant, cache key) -> translated text; the key names provider, direction,
  glossary version and a hash of the source (souk.translate.cache.cache_key). Shared by every node.
- ``catalog_texts``: (merchant, sku, language, field) -> a draft/approved/rejected text made by a provider
  from the seller's own text (souk.domain.catalog_texts); the seller's texts stay in ``products``.

Revision ID: 0012_translations
Revises: 0011_group_buys
Create Date: 2026-12-07 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_translations'
down_revision: str | None = '0011_group_buys'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('translation_cache',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'],
                            name=op.f('fk_translation_cache_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('merchant_id', 'key', name=op.f('pk_translation_cache'))
    )
    op.create_index('ix_translation_cache_merchant_created', 'translation_cache', ['merchant_id', 'created_at'],
                    unique=False)
    op.create_table('catalog_texts',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('field', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('source_lang', sa.String(length=8), nullable=False),
    sa.Column('source_hash', sa.String(length=64), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("field IN ('name', 'description')", name=op.f('ck_catalog_texts_field')),
    sa.CheckConstraint("status IN ('draft', 'approved', 'rejected')", name=op.f('ck_catalog_texts_status')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_catalog_texts_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('merchant_id', 'sku', 'lang', 'field', name=op.f('pk_catalog_texts'))
    )
    op.create_index('ix_catalog_texts_merchant_lang_status', 'catalog_texts', ['merchant_id', 'lang', 'status'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_catalog_texts_merchant_lang_status', table_name='catalog_texts')
    op.drop_table('catalog_texts')
    op.drop_index('ix_translation_cache_merchant_created', table_name='translation_cache')
    op.drop_table('translation_cache')
