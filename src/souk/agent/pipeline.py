"""Small processors linked by frame queues; each runs in its own owned task."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from souk.agent.frames import ErrorFrame, Frame
from souk.agent.lanes import FrameQueue
from souk.core.tasks import TaskOwner

log = logging.getLogger(__name__)


class Processor:
    """Receives frames in order (control frames first) and pushes frames downstream.

    Subclasses implement :meth:`process`. A processor that does not handle a frame passes it on, so frames
    meant for later stages (or for the transport at the end) travel through.
    """

    name = "processor"

    def __init__(self) -> None:
        self._out: FrameQueue | None = None

    def link(self, out: FrameQueue) -> None:
        self._out = out

    async def push(self, frame: Frame) -> None:
        if self._out is not None:
            await self._out.put(frame)

    async def process(self, frame: Frame) -> None:
        await self.push(frame)

    async def aclose(self) -> None:
        return None


class Pipeline:
    """Runs ``processors`` in a chain. ``sink`` receives what the last one pushes."""

    def __init__(self, processors: Sequence[Processor], *, name: str = "pipeline", maxsize: int = 256) -> None:
        if not processors:
            raise ValueError("a pipeline needs at least one processor")
        self.processors = list(processors)
        self.queues = [FrameQueue(maxsize) for _ in self.processors]
        self.sink = FrameQueue(maxsize)
        for i, proc in enumerate(self.processors):
            proc.link(self.queues[i + 1] if i + 1 < len(self.queues) else self.sink)
        self._tasks = TaskOwner(name)
        self._started = False
        self._closed = False

    @property
    def source(self) -> FrameQueue:
        return self.queues[0]

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        for proc, queue in zip(self.processors, self.queues, strict=True):
            self._tasks.spawn(self._run(proc, queue), proc.name)

    async def _run(self, proc: Processor, queue: FrameQueue) -> None:
        while True:
            frame = await queue.get()
            try:
                await proc.process(frame)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a processor bug must not kill the session silently
                log.exception("processor %s failed on %s", proc.name, type(frame).__name__)
                self.queues[-1].put_control(ErrorFrame("processor_failed", f"{proc.name}: {exc}", permanent=False))

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._tasks.aclose()
        for proc in self.processors:
            await proc.aclose()
