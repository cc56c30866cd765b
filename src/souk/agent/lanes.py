"""A bounded frame queue with a priority lane: control frames overtake queued data frames."""

from __future__ import annotations

import asyncio
from collections import deque

from souk.agent.frames import Frame


class FrameQueue:
    """Two bounded lanes. ``put`` waits when the data lane is full (backpressure); control frames never wait
    (their lane is small and, when full, the oldest control frame is the least useful one to keep)."""

    def __init__(self, maxsize: int = 256, control_maxsize: int = 64) -> None:
        if maxsize < 1 or control_maxsize < 1:
            raise ValueError("queue sizes must be positive")
        self._data: deque[Frame] = deque()
        self._control: deque[Frame] = deque()
        self._maxsize = maxsize
        self._control_max = control_maxsize
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        self.dropped_control = 0

    def __len__(self) -> int:
        return len(self._data) + len(self._control)

    async def put(self, frame: Frame) -> None:
        if frame.priority:
            self.put_control(frame)
            return
        while len(self._data) >= self._maxsize:
            self._writable.clear()
            await self._writable.wait()
        self._data.append(frame)
        self._readable.set()

    def put_control(self, frame: Frame) -> None:
        if len(self._control) >= self._control_max:
            self._control.popleft()
            self.dropped_control += 1
        self._control.append(frame)
        self._readable.set()

    def put_nowait(self, frame: Frame) -> bool:
        """Queue without waiting; False (frame not queued) when the data lane is full."""
        if frame.priority:
            self.put_control(frame)
            return True
        if len(self._data) >= self._maxsize:
            return False
        self._data.append(frame)
        self._readable.set()
        return True

    async def get(self) -> Frame:
        while not self._control and not self._data:
            self._readable.clear()
            await self._readable.wait()
        if self._control:
            return self._control.popleft()
        frame = self._data.popleft()
        self._writable.set()
        return frame

    def drop_data(self, keep: type[Frame] | tuple[type[Frame], ...] | None = None) -> int:
        """Drop queued data frames (all, or all except instances of ``keep``); returns how many."""
        before = len(self._data)
        if keep is None:
            self._data.clear()
        else:
            kept = [f for f in self._data if isinstance(f, keep)]
            self._data.clear()
            self._data.extend(kept)
        self._writable.set()
        return before - len(self._data)
