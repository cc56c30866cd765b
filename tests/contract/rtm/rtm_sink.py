"""A sink that records what a broker delivers (contract tests)."""

from __future__ import annotations


class RecordingSink:
    def __init__(self) -> None:
        self.messages: dict[str, list[tuple[int, bytes]]] = {}
        self.ephemeral: dict[str, list[dict[str, int]]] = {}

    def on_messages(self, key: str, items: list[tuple[int, bytes]]) -> None:
        self.messages.setdefault(key, []).extend(items)

    def on_ephemeral(self, key: str, agg: dict[str, int]) -> None:
        self.ephemeral.setdefault(key, []).append(agg)

    def seqs(self, key: str) -> list[int]:
        return [s for s, _ in self.messages.get(key, [])]
