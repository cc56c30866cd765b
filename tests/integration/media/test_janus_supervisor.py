"""The supervisor against the real Janus binary: start, health, restart after kill -9, stop, bind safety."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from pathlib import Path

import pytest

from souk.core.clock import ManualClock
from souk.core.errors import ConfigError, Timeout, Unavailable
from souk.core.tenancy import RoomKey
from souk.media import messages as m
from souk.media.admin import JanusAdmin
from souk.media.client import JanusConnection
from souk.media.errors import JanusUnauthorized
from souk.media.events import HandleGone
from souk.media.plane import MediaPlane
from souk.media.supervisor import JanusSupervisor
from souk.media.transport import connect_ws
from tests.fixtures.janus import janus_settings

pytestmark = [pytest.mark.janus, pytest.mark.timeout(60),
              pytest.mark.skipif(shutil.which("janus") is None, reason="janus is not installed")]


async def _wait_for(cond, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await cond():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def test_start_health_restart_after_kill9_and_stop(tmp_path: Path) -> None:
    sup = JanusSupervisor(janus_settings(tmp_path), workdir=tmp_path / "janus", health_every_s=0)
    node = await sup.start()
    try:
        health = await sup.health()
        assert health["version"] == "1.1.2"
        assert health["plugins"] == ["janus.plugin.audiobridge", "janus.plugin.streaming",
                                     "janus.plugin.videoroom"]
        first = sup.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)

        async def restarted() -> bool:
            return sup.restarts == 1 and sup.pid not in (None, first)

        await _wait_for(restarted)
        assert sup.node == node  # same ports and secrets after the restart
        assert (await sup.health())["version"] == "1.1.2"
        assert "Websockets server started" in sup.log_path.read_text()
    finally:
        await sup.aclose()
    pid = sup.pid
    assert pid is None and not sup.running
    with pytest.raises(ProcessLookupError):
        os.kill(first, 0)
    await sup.aclose()  # idempotent


async def test_missing_binary_and_crashing_binary_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        await JanusSupervisor(janus_settings(tmp_path, binary="/nonexistent/janus"), workdir=tmp_path / "a").start()
    with pytest.raises(Unavailable, match="exited with 1 while starting"):
        await JanusSupervisor(janus_settings(tmp_path, binary="false"), workdir=tmp_path / "b").start()


async def test_api_secret_is_required(janus_node) -> None:  # type: ignore[no-untyped-def]
    conn = await JanusConnection.open(janus_node.url, api_secret=None)
    try:
        with pytest.raises(JanusUnauthorized) as err:
            await conn.create_session()
        assert err.value.janus_code == 403
        assert (await conn.info()).version_string == "1.1.2"  # info is public in Janus; nothing else is
    finally:
        await conn.aclose()
    wrong = await JanusConnection.open(janus_node.url, api_secret="wrong")
    try:
        with pytest.raises(JanusUnauthorized):
            await wrong.create_session()
    finally:
        await wrong.aclose()
    admin = await JanusAdmin.open(janus_node.admin_url, admin_secret="wrong")
    try:
        with pytest.raises(JanusUnauthorized):
            await admin.list_sessions()
    finally:
        await admin.aclose()


def _listening_addresses(pid: int) -> set[tuple[str, int]]:
    """(ip, port) of every TCP socket in LISTEN state that process ``pid`` holds."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table, v6 in (("tcp", False), ("tcp6", True)):
        with open(f"/proc/{pid}/net/{table}") as f:
            next(f)
            for line in f:
                cols = line.split()
                local, state, inode = cols[1], cols[3], cols[9]
                if state != "0A" or inode not in inodes:
                    continue
                hexip, hexport = local.split(":")
                if v6:
                    ip = "v6:" + hexip
                else:
                    ip = ".".join(str(b) for b in reversed(bytes.fromhex(hexip)))
                found.add((ip, int(hexport, 16)))
    return found


async def test_apis_listen_on_127_0_0_1_only(tmp_path: Path) -> None:
    sup = JanusSupervisor(janus_settings(tmp_path), workdir=tmp_path / "janus", health_every_s=0)
    node = await sup.start()
    try:
        assert sup.pid is not None
        listening = _listening_addresses(sup.pid)
        ports = {sup.launch.ws_port, sup.launch.admin_ws_port}
        assert {p for _, p in listening} == ports  # no HTTP API, no other listener
        assert {ip for ip, _ in listening} == {"127.0.0.1"}
        for port in ports:  # and nothing answers on another local address (127.0.0.2 exists in the netns)
            with pytest.raises((Unavailable, Timeout)):
                await connect_ws(f"ws://127.0.0.2:{port}", timeout=1.0)
        assert node.url.startswith("ws://127.0.0.1:")
    finally:
        await sup.aclose()


async def test_request_timeout_against_a_frozen_janus_then_recovery(tmp_path: Path) -> None:
    sup = JanusSupervisor(janus_settings(tmp_path), workdir=tmp_path / "janus", health_every_s=0)
    node = await sup.start()
    conn = await JanusConnection.open(node.url, api_secret=node.api_secret, timeout=0.5)
    try:
        assert sup.pid is not None
        os.kill(sup.pid, signal.SIGSTOP)
        try:
            with pytest.raises(Timeout):
                await conn.info()
        finally:
            os.kill(sup.pid, signal.SIGCONT)
        assert isinstance(await conn.info(timeout=5.0), m.ServerInfo)  # the late reply did not confuse it
    finally:
        await conn.aclose()
        await sup.aclose()


async def test_plane_survives_janus_kill9(tmp_path: Path) -> None:
    plane = await MediaPlane.start(janus_settings(tmp_path), workdir=tmp_path / "janus")
    try:
        await plane.ensure_room(RoomKey("shop", "room_k9"))
        pub = await plane.join_publisher(RoomKey("shop", "room_k9"), display="a")
        assert plane.supervisor is not None and plane.supervisor.pid is not None
        os.kill(plane.supervisor.pid, signal.SIGKILL)
        assert await pub.next_event(timeout=10) == HandleGone("node_lost")
        await pub.aclose()  # quiet on a dead node

        async def healthy() -> bool:
            return all(h.up for h in await plane.health())

        await _wait_for(healthy, 15)
        # the room was re-created on the restarted Janus; joining works again
        again = await plane.join_publisher(RoomKey("shop", "room_k9"), display="a2")
        await again.aclose()
    finally:
        await plane.aclose()


async def test_restart_waits_for_backoff_on_the_clock(tmp_path: Path) -> None:
    clock = ManualClock()
    sup = JanusSupervisor(janus_settings(tmp_path, restart_backoff_s=5.0), workdir=tmp_path / "janus",
                          clock=clock, health_every_s=0)
    await sup.start()
    try:
        first = sup.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)

        async def dead() -> bool:
            return sup.pid is None

        await _wait_for(dead)
        await asyncio.sleep(0.3)
        assert sup.pid is None and sup.restarts == 0  # still backing off: the clock has not moved
        await clock.advance(5.0)

        async def back() -> bool:
            return sup.restarts == 1 and sup.pid is not None

        await _wait_for(back)
    finally:
        await sup.aclose()


async def test_unresponsive_janus_is_killed_and_restarted(tmp_path: Path) -> None:
    sup = JanusSupervisor(janus_settings(tmp_path, restart_backoff_s=0.05), workdir=tmp_path / "janus",
                          health_every_s=0.1, health_timeout_s=0.3)
    await sup.start()
    try:
        frozen = sup.pid
        assert frozen is not None
        os.kill(frozen, signal.SIGSTOP)  # alive but deaf: only the health check can notice

        async def replaced() -> bool:
            return sup.restarts >= 1 and sup.pid not in (None, frozen)

        await _wait_for(replaced, 15)
        assert (await sup.health())["version"] == "1.1.2"
    finally:
        await sup.aclose()
