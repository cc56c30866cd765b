"""Helpers shared by the RTM integration tests."""

from __future__ import annotations

from souk.rtm.node import RtmNode

SECRET = "integration-secret-" + "x" * 20


def ws_url(node: RtmNode) -> str:
    return f"ws://127.0.0.1:{node.port}/rtm/ws"
