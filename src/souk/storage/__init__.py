"""Storage adapters for the domain ports: SQLite (embedded default) and PostgreSQL, Alembic migrations.

Entry points: ``open_storage(settings) -> Storage`` (migrates at start-up), ``migrate_database(settings)``
for the CLI, and ``seed_demo(storage)`` for the demo store. Nothing connects at import time.
"""

from __future__ import annotations

from souk.storage.migrate import migrate_database
from souk.storage.seed import DemoSeed, seed_demo
from souk.storage.storage import Storage, open_storage

__all__ = ["DemoSeed", "Storage", "migrate_database", "open_storage", "seed_demo"]
