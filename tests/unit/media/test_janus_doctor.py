"""`souk doctor` media checks."""

from __future__ import annotations

import shutil
import socket

import pytest

from souk.core.settings import Settings
from souk.media.doctor import check_janus_binary, check_ports, media_checks, port_free


def test_missing_binary_is_reported_with_a_hint() -> None:
    c = check_janus_binary(Settings(janus={"binary": "no-such-janus"}))
    assert not c.ok and "not on PATH" in c.detail and "apt-get install janus" in c.hint


@pytest.mark.skipif(shutil.which("janus") is None, reason="janus is not installed")
def test_installed_janus_is_found_with_its_version() -> None:
    c = check_janus_binary(Settings())
    assert c.ok and c.detail.startswith("janus 1.")


def test_busy_port_is_reported() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert not port_free(port)
        c = check_ports(Settings(janus={"ws_port": port}))
        assert not c.ok and f"ws_port={port}" in c.detail
    assert port_free(port)


def test_auto_ports_and_clashes() -> None:
    assert check_ports(Settings()).ok
    assert not check_ports(Settings(janus={"ws_port": 18188, "admin_ws_port": 18188})).ok
    assert not check_ports(Settings(server={"port": 30000})).ok  # inside the default RTP range


def test_external_mode_needs_no_binary_or_ports() -> None:
    s = Settings(janus={"mode": "external", "urls": ["ws://10.0.0.5:8188"], "binary": "no-such-janus"})
    assert all(c.ok for c in media_checks(s))
