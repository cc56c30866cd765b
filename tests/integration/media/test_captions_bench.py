"""`souk bench captions` end to end, small: 2 sentences through Janus, 3 viewers in en/es/pt (needs the netns,
Janus and the speech models). Figures from this machine mean nothing; the keys and their sense do."""

from __future__ import annotations

import pytest

from souk.bench.captions import run_bench
from souk.core.settings import load_settings

pytestmark = [pytest.mark.janus, pytest.mark.models, pytest.mark.slow, pytest.mark.timeout(240)]


async def test_the_bench_measures_every_key(netns: None) -> None:
    settings = load_settings()
    if not (settings.models_path / "whisper-base" / "model.bin").is_file():
        pytest.skip("needs the Whisper model: make models")
    r = await run_bench(settings, rounds=2, timeout_s=20.0, targets=("es", "pt"))
    assert r["viewers"] == 3 and r["rounds"] == 2 and r["languages"] == ["en", "es", "pt"]
    assert r["failed"] == 0 and r["ok"], r
    assert 0 < r["caption_p50_ms"] <= r["caption_p95_ms"] < 20_000
    assert 0 < r["translated_caption_p50_ms"] <= r["translated_caption_p95_ms"] < 20_000
    assert 0 <= r["wer"] < 0.5  # Piper English, Whisper base: a few words at most
    assert isinstance(r["meets_target"], bool)
