"""Retention of recordings on disk (souk.privacy.files): a show folder goes whole once its newest file is past
the cutoff, one still being written stays, other merchants' folders and symlinks are never touched, and a
second pass deletes nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from souk.privacy.files import purge_recordings, recordings_purger

NOW = 2_000_000_000.0
DAY = 86400.0


def _file(path: Path, age_days: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    t = NOW - age_days * DAY
    os.utime(path, (t, t))
    return path


def _tree(root: Path) -> None:
    _file(root / "shop-a/room-1/show-old/host-1.mjr", 200)
    _file(root / "shop-a/room-1/show-old/replay.webm", 190)
    _file(root / "shop-a/room-1/show-live/host-1.mjr", 300)
    _file(root / "shop-a/room-1/show-live/host-2.mjr", 0.01)  # still being written
    _file(root / "shop-a/room-2/show/x.mjr", 181)
    _file(root / "shop-a/room-3/loose.webm", 400)
    _file(root / "shop-b/room-1/show-old/host-1.mjr", 500)


async def test_old_shows_go_whole_and_the_rest_stays(tmp_path: Path) -> None:
    _tree(tmp_path)
    (tmp_path / "shop-a/room-1/link").symlink_to(tmp_path / "shop-b/room-1/show-old")
    purge = recordings_purger(tmp_path)
    assert await purge("shop-a", NOW - 180 * DAY) == 3
    assert not (tmp_path / "shop-a/room-1/show-old").exists()
    assert (tmp_path / "shop-a/room-1/show-live/host-1.mjr").exists()  # its show is still being recorded
    assert not (tmp_path / "shop-a/room-2").exists() and not (tmp_path / "shop-a/room-3").exists()
    assert (tmp_path / "shop-b/room-1/show-old/host-1.mjr").exists()  # another merchant's
    assert (tmp_path / "shop-b/room-1/show-old").is_dir()  # a symlink to it was not followed
    assert await purge("shop-a", NOW - 180 * DAY) == 0
    assert await purge("nobody", NOW) == 0


def test_a_merchant_id_that_is_not_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        purge_recordings(tmp_path, "../shop-b", NOW)
