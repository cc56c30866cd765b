"""Root conftest: shared fixture plugins, one module per real component (each owned by its area)."""

from __future__ import annotations

import importlib.util

# Fixture plugins: Janus + network namespace, Redis, PostgreSQL, Chromium. A plugin whose module is not
# there yet is skipped so areas can land independently.
_PLUGINS = ["tests.fixtures.janus", "tests.fixtures.redis", "tests.fixtures.postgres", "tests.fixtures.browser",
            "tests.fixtures.linkem"]
pytest_plugins = [p for p in _PLUGINS if importlib.util.find_spec(p) is not None]
