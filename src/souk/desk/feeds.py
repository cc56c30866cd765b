"""Live frames for one socket (a shopper's widget or a staff desk), and who is listening to what.

A feed is a bounded queue: a socket that stops reading is cut off (its feed closes with ``overflowed``), it
never makes the desk wait. The socket reads again from the stored timeline when it comes back.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

FEED_MAX = 1000

Frame = dict[str, Any]


class Feed:
    def __init__(self, *, maxsize: int = FEED_MAX) -> None:
        self._queue: asyncio.Queue[Frame | None] = asyncio.Queue(maxsize)
        self.closed = False
        self.overflowed = False

    def put(self, frame: Frame) -> None:
        if self.closed:
            return
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.overflowed = True
            self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        while True:  # make room for the end marker: the reader stops at once
            try:
                self._queue.put_nowait(None)
                return
            except asyncio.QueueFull:
                self._queue.get_nowait()

    async def get(self) -> Frame | None:
        """The next frame, None once the feed is closed."""
        if self.closed and self._queue.empty():
            return None
        return await self._queue.get()

    def __aiter__(self) -> AsyncIterator[Frame]:
        return self._frames()

    async def _frames(self) -> AsyncIterator[Frame]:
        while (frame := await self.get()) is not None:
            yield frame


class Listeners:
    """Feeds by key (e.g. a conversation's shopper, a merchant's staff member); every key carries the merchant."""

    def __init__(self) -> None:
        self._feeds: defaultdict[tuple[str, ...], set[Feed]] = defaultdict(set)

    def add(self, key: tuple[str, ...], feed: Feed) -> None:
        self._feeds[key].add(feed)

    def remove(self, key: tuple[str, ...], feed: Feed) -> None:
        feeds = self._feeds.get(key)
        if feeds is not None:
            feeds.discard(feed)
            if not feeds:
                del self._feeds[key]

    def count(self, key: tuple[str, ...]) -> int:
        return sum(1 for f in self._feeds.get(key, ()) if not f.closed)

    def send(self, key: tuple[str, ...], frame: Frame) -> int:
        feeds = self._feeds.get(key)
        if not feeds:
            return 0
        for feed in list(feeds):
            feed.put(frame)
        return len(feeds)

    def close_key(self, key: tuple[str, ...]) -> None:
        for feed in self._feeds.pop(key, set()):
            feed.close()

    def keys_with_prefix(self, prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
        n = len(prefix)
        return [k for k in self._feeds if k[:n] == prefix]

    def close_all(self) -> None:
        for feeds in self._feeds.values():
            for feed in feeds:
                feed.close()
        self._feeds.clear()
