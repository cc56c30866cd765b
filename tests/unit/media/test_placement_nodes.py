"""External Janus nodes carry their region, admin URL and relay host from settings (placement reads them)."""

from __future__ import annotations

import socket
from pathlib import Path

from souk.core.settings import load_settings
from souk.media.plane import MediaPlane, default_registry
from souk.media.registry import MemoryRegistry, RedisRegistry


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"ws://127.0.0.1:{s.getsockname()[1]}"


async def test_external_nodes_take_per_url_region_admin_url_and_relay_host(tmp_path: Path) -> None:
    urls = [_dead_url(), _dead_url()]
    settings = load_settings(data_dir=str(tmp_path), janus={
        "mode": "external", "urls": urls, "region": "eu", "regions": ["", "sea"],
        "admin_urls": ["ws://127.0.0.1:7188"], "relay_hosts": ["10.0.0.1", "10.0.0.2"],
        "request_timeout_s": 1.0})
    plane = await MediaPlane.start(settings)  # both unreachable: started, every node marked down
    try:
        n1, n2 = plane.pool.nodes()
        assert (n1.node_id, n1.region, n1.admin_url, n1.relay_host) == ("node1", "eu", "ws://127.0.0.1:7188",
                                                                        "10.0.0.1")
        assert (n2.node_id, n2.region, n2.admin_url, n2.relay_host) == ("node2", "sea", "", "10.0.0.2")
        assert not plane.pool.load("node1").up and not plane.pool.load("node2").up
    finally:
        await plane.aclose()


def test_registry_is_redis_when_redis_url_is_set(tmp_path: Path) -> None:
    from souk.core.clock import ManualClock

    plain = load_settings(data_dir=str(tmp_path), node_id="souk-7")
    reg = default_registry(plain, ManualClock())
    assert isinstance(reg, MemoryRegistry) and reg.souk_node == "souk-7"
    shared = load_settings(data_dir=str(tmp_path), node_id="souk-7", redis_url="redis://127.0.0.1:1/0",
                           janus={"registry_ttl_s": 4})
    reg = default_registry(shared, ManualClock())
    assert isinstance(reg, RedisRegistry) and reg.ttl_s == 4 and reg.souk_node == "souk-7"
    unnamed = default_registry(load_settings(data_dir=str(tmp_path)), ManualClock())
    assert unnamed.souk_node.startswith("souk-")
