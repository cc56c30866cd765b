"""Progress bars for long commands (benchmarks, store import/export, recording conversion, privacy export).

A bar is drawn on stderr only when stderr is a terminal and the command is not in ``--json`` mode; otherwise
every call is a no-op, so commands call it unconditionally and scripts, pipes and CI logs stay clean.
Library code that runs long (an export walking every store of a merchant) takes a :class:`ProgressSink`
(default :data:`NO_PROGRESS`) and calls ``advance``; the command that owns the terminal passes a
:class:`Progress`::

    with progress("export", total=len(stores), quiet=args.json) as bar:
        for store in stores:
            ...
            bar.advance(label=store.name)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self, TextIO

WIDTH = 24
MIN_REDRAW_S = 0.1


class ProgressSink(Protocol):
    def advance(self, n: int = 1, *, label: str | None = None) -> None: ...

    def set_total(self, total: int | None) -> None: ...


class _NoProgress:
    def advance(self, n: int = 1, *, label: str | None = None) -> None:
        return None

    def set_total(self, total: int | None) -> None:
        return None


NO_PROGRESS: ProgressSink = _NoProgress()


def _clock_text(seconds: float) -> str:
    s = int(max(0.0, seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def render(title: str, done: int, total: int | None, elapsed_s: float, label: str = "") -> str:
    """One line of a bar: ``title [#####-------] 12/40 30% 0:12 eta 0:28 label`` (no total: a count)."""
    tail = f" {label}" if label else ""
    if not total:
        return f"{title} {done} done {_clock_text(elapsed_s)}{tail}"
    frac = min(1.0, done / total)
    filled = int(frac * WIDTH)
    eta = f" eta {_clock_text(elapsed_s / done * (total - done))}" if 0 < done < total else ""
    return (f"{title} [{'#' * filled}{'-' * (WIDTH - filled)}] {done}/{total} {frac:4.0%} "
            f"{_clock_text(elapsed_s)}{eta}{tail}")


class Progress:
    """A bar on ``stream`` (stderr), drawn only when ``enabled`` (default: the stream is a terminal)."""

    def __init__(self, title: str, total: int | None = None, *, stream: TextIO | None = None,
                 enabled: bool | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.title = title
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(isatty and isatty()) if enabled is None else enabled
        self._clock = clock
        self._start = clock()
        self._drawn_at: float | None = None
        self._width = 0
        self._label = ""
        self._closed = False

    def advance(self, n: int = 1, *, label: str | None = None) -> None:
        self.done += n
        if label is not None:
            self._label = label
        self._draw(force=self.total is not None and self.done >= self.total)

    def set_total(self, total: int | None) -> None:
        self.total = total
        self._draw(force=True)

    def _draw(self, *, force: bool = False) -> None:
        if not self.enabled or self._closed:
            return
        now = self._clock()
        if not force and self._drawn_at is not None and now - self._drawn_at < MIN_REDRAW_S:
            return
        self._drawn_at = now
        line = render(self.title, self.done, self.total, now - self._start, self._label)
        pad = max(0, self._width - len(line))  # wipe what a longer previous line left
        self._width = len(line)
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line (idempotent)."""
        if self.enabled and self._drawn_at is not None and not self._closed:
            self._draw(force=True)
            self._closed = True
            self.stream.write("\n")
            self.stream.flush()

    def __enter__(self) -> Self:
        self._draw(force=True)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def progress(title: str, total: int | None = None, *, quiet: bool = False,
             stream: TextIO | None = None) -> Progress:
    """A bar for a command: never drawn with ``quiet`` (``--json``), else only on a terminal."""
    return Progress(title, total, stream=stream, enabled=False if quiet else None)
