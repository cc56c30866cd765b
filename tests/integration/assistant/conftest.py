"""The assistant tests share one warmed offline brain (tests/fixtures/assistant.py)."""

from tests.fixtures.assistant import brain, snap

__all__ = ["brain", "snap"]
