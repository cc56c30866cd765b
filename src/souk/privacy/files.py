"""Retention of recordings (files): ``<recordings root>/<merchant>/<room>/<show or session>/...`` as the media
plane and the live recorder write them (souk.signal.live_room.recording_file, souk.live.recording). A show's
folder goes as a whole once its newest file is older than the cutoff, so a recording still being written
(its files keep changing) or converted is never touched. Files directly under a room older than the cutoff go
too. Runs in a worker thread: a large tree never blocks the event loop."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

log = logging.getLogger(__name__)

SAFE = re.compile(r"^[a-z0-9_-]{1,64}$")


def _newest(folder: Path) -> float:
    newest = folder.stat().st_mtime
    for p in folder.rglob("*"):
        try:
            newest = max(newest, p.lstat().st_mtime)
        except FileNotFoundError:  # removed while we looked (a conversion's temporary file)
            continue
    return newest


def purge_recordings(root: Path, merchant_id: str, before: float) -> int:
    """Delete the merchant's show folders and loose files last written before ``before``; how many."""
    if not SAFE.match(merchant_id):
        raise ValueError(f"not a merchant id: {merchant_id!r}")
    base = root / merchant_id
    if not base.is_dir():
        return 0
    deleted = 0
    for room in sorted(p for p in base.iterdir() if p.is_dir() and not p.is_symlink()):
        for item in sorted(room.iterdir()):
            if item.is_symlink():
                continue
            if item.is_dir():
                if _newest(item) < before:
                    shutil.rmtree(item)
                    deleted += 1
            elif item.stat().st_mtime < before:
                item.unlink()
                deleted += 1
        if not any(room.iterdir()):
            room.rmdir()
    return deleted


def recordings_purger(root: Path) -> Callable[[str, float], Awaitable[int]]:
    async def purge(merchant_id: str, before: float) -> int:
        return await asyncio.to_thread(purge_recordings, root, merchant_id, before)

    return purge
