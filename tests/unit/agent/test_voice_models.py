"""Assembling the offline models: idempotent, hash-checked, clear errors."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from souk.agent import models
from souk.core.errors import ConfigError
from souk.core.settings import Settings

pytestmark = pytest.mark.models


def test_install_is_idempotent_and_detects_corruption(tmp_path: Path) -> None:
    settings = Settings(agent={"models_dir": str(tmp_path)})
    paths = models.install(settings)
    model_bin = paths.whisper_dir / "model.bin"
    assert model_bin.stat().st_size > 100_000_000
    assert all(s.ok for s in models.check(settings))

    inode = model_bin.stat().st_ino
    t = time.perf_counter()
    models.install(settings)  # already done: no copy, no full re-hash of the Whisper files
    assert time.perf_counter() - t < 2.0
    assert model_bin.stat().st_ino == inode

    with model_bin.open("r+b") as f:  # flip a byte in place, keeping size and (maybe) mtime
        f.seek(1000)
        b = f.read(1)
        f.seek(1000)
        f.write(bytes([b[0] ^ 0xFF]))
    import os
    os.utime(model_bin, ns=(model_bin.stat().st_atime_ns, model_bin.stat().st_mtime_ns + 1))
    bad = {s.name: s for s in models.check(settings)}["stt:whisper-base"]
    assert not bad.ok and "model.bin" in bad.detail
    models.install(settings)  # repairs it
    assert all(s.ok for s in models.check(settings))


def test_missing_package_is_a_clear_error() -> None:
    with pytest.raises(ConfigError) as err:
        models._package_dir("souk_no_such_model_package")
    assert err.value.code == "model_package_missing"
    assert "souk-no-such-model-package" in err.value.message


def test_check_reports_a_missing_whisper_without_raising(tmp_path: Path) -> None:
    status = {s.name: s for s in models.check(Settings(agent={"models_dir": str(tmp_path / "none")}))}
    assert not status["stt:whisper-base"].ok
    assert "make models" in status["stt:whisper-base"].detail
