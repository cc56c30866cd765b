"""An unknown API key id and a wrong secret of a real id cost the same work: one scrypt check each, off the
event loop (the issue measured 62 ms vs 141 ms, which told valid key ids apart). Counting the checks keeps
this test exact on a busy machine, where wall-clock timings are not."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import pytest

from souk.core.errors import Unauthenticated
from souk.core.settings import load_settings
from souk.storage import open_storage, seed_demo
from souk.storage.repos import apikeys as repo


async def test_unknown_ids_and_wrong_secrets_run_one_scrypt_each(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    storage = await open_storage(load_settings(None, data_dir=str(tmp_path)))
    try:
        seed = await seed_demo(storage)
        assert seed.api_key is not None
        key_id = seed.api_key.split("_")[1]
        checks: list[str] = []
        real_check = repo.check_api_key

        def counting(key: str, stored: str) -> bool:
            checks.append(stored)
            return real_check(key, stored)

        monkeypatch.setattr(repo, "check_api_key", counting)
        timings: dict[str, list[float]] = {"unknown": [], "wrong": []}
        for _ in range(5):
            for name, key in (("unknown", "sk_000000000000_" + "x" * 43), ("wrong", f"sk_{key_id}_" + "y" * 43)):
                checks.clear()
                started = time.perf_counter()
                with pytest.raises(Unauthenticated) as e:
                    await storage.api_keys.verify(key)
                timings[name].append(time.perf_counter() - started)
                assert e.value.code == "bad_api_key"
                assert len(checks) == 1 and checks[0].startswith("scrypt$"), (name, checks)
        medians: dict[str, Any] = {k: statistics.median(v) for k, v in timings.items()}
        assert medians["unknown"] > 0.3 * medians["wrong"]  # not a shortcut (coarse: the machine is shared)
    finally:
        await storage.aclose()
