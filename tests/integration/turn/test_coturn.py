"""The embedded coturn, for real: per-token credentials allocate relays over UDP, TCP and TLS and carry
data to Souk's media address; expired, re-labelled or wrongly signed credentials are refused; the relay
reaches no address but the allowed ones; a killed coturn comes back; a missing binary says what to install."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest
from aioice.stun import TransactionFailed

from souk.core.errors import ConfigError
from souk.core.settings import load_settings
from souk.media.turn import TurnSupervisor, stun_ping
from souk.media.turncreds import issue
from tests.integration.turn.coturn import allocate, need_coturn, running_turn, udp_peer

HOST = "127.0.0.1"


@pytest.mark.parametrize(("transport", "tls"), [("udp", False), ("tcp", False), ("tcp", True)])
async def test_token_credentials_allocate_and_relay(tmp_path: Path, transport: str, tls: bool) -> None:
    async with running_turn(tmp_path) as (sup, relay), udp_peer(HOST) as (peer, got):
        cred = relay.credential("m1", "alice")
        port = sup.launch.tls_port if tls else sup.launch.port
        turn, mine = await allocate(HOST, port, cred.username, cred.password, transport=transport, tls=tls)
        try:
            relayed = turn.get_extra_info("sockname")
            turn.sendto(b"hello janus", peer.get_extra_info("sockname"))
            data, addr = await asyncio.wait_for(got.queue.get(), 5)
            assert data == b"hello janus" and addr == relayed  # it came out of the relay address
            peer.sendto(b"hello shopper", addr)
            back, _ = await asyncio.wait_for(mine.queue.get(), 5)
            assert back == b"hello shopper"
        finally:
            turn.close()


async def test_expired_relabelled_and_wrongly_signed_credentials_fail(tmp_path: Path) -> None:
    async with running_turn(tmp_path) as (sup, relay):
        port, secret = sup.launch.port, sup.launch.secret
        short = issue(secret, relay.urls, merchant_id="m1", identity="alice", now=time.time(), ttl_s=2)
        turn, _ = await allocate(HOST, port, short.username, short.password)  # valid now
        turn.close()
        await asyncio.sleep(3.1)
        with pytest.raises(TransactionFailed) as expired:
            await allocate(HOST, port, short.username, short.password)
        assert expired.value.response.attributes["ERROR-CODE"][0] == 401

        a = relay.credential("merchant-a", "alice")  # merchant A's token holder tries to pass as merchant B
        with pytest.raises(TransactionFailed):
            await allocate(HOST, port, a.username.replace(":merchant-a:", ":merchant-b:"), a.password)
        forged = issue("not-the-secret", relay.urls, merchant_id="m1", identity="eve", now=time.time(), ttl_s=60)
        with pytest.raises(TransactionFailed):
            await allocate(HOST, port, forged.username, forged.password)


async def test_relay_reaches_only_the_allowed_peers(tmp_path: Path) -> None:
    # the relay may reach 127.0.0.3 only: a peer on 127.0.0.1 (any other host service) gets nothing
    async with running_turn(tmp_path, allowed_peer_ips=["127.0.0.3"]) as (sup, relay), \
            udp_peer(HOST) as (peer, got):
        cred = relay.credential("m1", "alice")
        turn, _ = await allocate(HOST, sup.launch.port, cred.username, cred.password)
        try:
            turn.sendto(b"probe", peer.get_extra_info("sockname"))
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(got.queue.get(), 1.5)
        finally:
            turn.close()


async def test_killed_coturn_is_restarted_on_the_same_ports_and_secret(tmp_path: Path) -> None:
    async with running_turn(tmp_path, restart_backoff_s=0.1) as (sup, relay):
        cred = relay.credential("m1", "alice")
        first = sup.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while sup.restarts == 0 or sup.pid is None:
            assert time.monotonic() < deadline, f"coturn not restarted; log: {sup.log_tail()}"
            await asyncio.sleep(0.05)
        assert sup.pid != first
        await stun_ping(HOST, sup.launch.port, tcp=False)
        turn, _ = await allocate(HOST, sup.launch.port, cred.username, cred.password)  # old credentials hold
        turn.close()


async def test_hung_coturn_is_killed_and_restarted(tmp_path: Path) -> None:
    # SIGSTOP: the process lives but answers nothing; three failed STUN health checks (every 0.2 s) kill it
    async with running_turn(tmp_path, restart_backoff_s=0.1) as (sup, _):
        first = sup.pid
        assert first is not None
        os.kill(first, signal.SIGSTOP)
        deadline = time.monotonic() + 15
        while sup.restarts == 0 or sup.pid is None:
            assert time.monotonic() < deadline, f"hung coturn not replaced; log: {sup.log_tail()}"
            await asyncio.sleep(0.05)
        assert sup.pid != first
        await stun_ping(HOST, sup.launch.port, tcp=True)


async def test_secret_is_kept_in_the_data_dir_across_starts(tmp_path: Path) -> None:
    async with running_turn(tmp_path) as (sup, _):
        secret = sup.launch.secret
        assert (tmp_path / "turn" / "secret").stat().st_mode & 0o077 == 0
        assert (tmp_path / "turn" / "turnserver.conf").stat().st_mode & 0o077 == 0
    async with running_turn(tmp_path) as (sup, _):
        assert sup.launch.secret == secret


async def test_missing_binary_is_a_clear_config_error(tmp_path: Path) -> None:
    need_coturn()
    settings = load_settings(None, data_dir=str(tmp_path), turn={"binary": "/nonexistent/turnserver"})
    sup = TurnSupervisor(settings)
    with pytest.raises(ConfigError, match="apt-get install coturn"):
        await sup.start()
    await sup.aclose()
