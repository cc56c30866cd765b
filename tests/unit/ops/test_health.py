"""The readiness checks (souk.ops.health) and `souk doctor` running them from the settings."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from souk.cli.server import doctor_checks
from souk.core.settings import load_settings
from souk.media.types import NodeHealth
from souk.ops.health import Component, Readiness, check_janus, check_redis, configured_models
from souk.storage import open_storage
from tests.fixtures.redis import redis_server, redis_url

__all__ = ["redis_server", "redis_url"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends: nothing listens there


def _by_name(checks: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(c["name"]): c for c in checks}


def test_ready_means_every_required_component_ok() -> None:
    ok, down = Component("database", True, "sqlite"), Component("janus:a", False, "down")
    optional = Component("model:x", False, "missing", required=False)
    assert Readiness((ok, optional)).ready
    assert not Readiness((ok, down, optional)).ready
    assert Readiness((ok, down)).as_dict()["components"][1] == {
        "name": "janus:a", "ok": False, "detail": "down", "required": True, "ms": 0.0}


async def test_janus_nodes_each_report_and_a_hung_plane_is_a_timeout() -> None:
    async def two() -> list[NodeHealth]:
        return [NodeHealth("a", "ws://a", "eu", True, 1, 2, "Janus 1.1.2"), NodeHealth("b", "ws://b", "eu", False,
                                                                                      0, 0, "closed")]

    comps = await check_janus(two)
    assert [(c.name, c.ok) for c in comps] == [("janus:a", True), ("janus:b", False)]

    async def hung() -> list[NodeHealth]:
        await asyncio.sleep(60)
        return []

    (comp,) = await check_janus(hung, timeout=0.05)
    assert comp.name == "janus" and not comp.ok


@pytest.mark.redis
async def test_redis_absent_unreachable_and_up(redis_url: str) -> None:
    assert await check_redis("") is None
    down = await check_redis(f"redis://127.0.0.1:{_closed_port()}/0")
    assert down is not None and not down.ok and down.required
    up = await check_redis(redis_url)
    assert up is not None and up.ok and up.detail.startswith("redis "), up


@pytest.mark.redis
def test_doctor_runs_the_readiness_checks(tmp_path: Path, redis_url: str) -> None:
    fresh = _by_name(doctor_checks(load_settings(None, data_dir=str(tmp_path / "fresh"))))
    assert fresh["database"]["ok"] and "does not exist yet" in str(fresh["database"]["detail"])
    assert not (tmp_path / "fresh" / "souk.db").exists()  # the doctor creates nothing
    assert "redis" not in fresh
    assert {n for n in fresh if n.startswith("model:")} == {f"model:{m}" for m in configured_models(
        load_settings(None, data_dir=str(tmp_path)))}

    settings = load_settings(None, data_dir=str(tmp_path / "served"), redis_url=redis_url)
    settings.data_path.mkdir(parents=True)

    async def migrate() -> None:
        await (await open_storage(settings)).aclose()

    asyncio.run(migrate())
    served = _by_name(doctor_checks(settings))
    assert served["database"]["ok"] and served["database"]["detail"] == "sqlite"
    assert served["redis"]["ok"] and served["redis"]["required"]

    bad = load_settings(None, data_dir=str(tmp_path / "bad"), redis_url=f"redis://127.0.0.1:{_closed_port()}/0",
                        janus={"mode": "external", "urls": [f"ws://127.0.0.1:{_closed_port()}"]})
    checks = _by_name(doctor_checks(bad))
    assert not checks["redis"]["ok"] and checks["redis"]["hint"]
    janus = [c for n, c in checks.items() if n.startswith("janus:ws://")]
    assert len(janus) == 1 and not janus[0]["ok"] and janus[0]["required"]


@pytest.mark.parametrize(("agent", "absent"), [({"stt_base_url": "http://stt"}, "stt:whisper-base"),
                                               ({"tts_base_url": "http://tts"}, "tts:piper-en_US-joe"),
                                               ({"smart_turn": False}, "turn:smart-turn-v3.2")])
def test_only_the_configured_models_are_checked(tmp_path: Path, agent: dict[str, object], absent: str) -> None:
    names = configured_models(load_settings(None, data_dir=str(tmp_path), agent=agent))
    assert absent not in names and "vad:silero-v6" in names
