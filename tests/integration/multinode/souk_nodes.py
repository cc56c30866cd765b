"""Souk nodes as subprocesses (``souk serve``) on one PostgreSQL and one Redis, each with its embedded Janus
(started with ``setpriv --pdeathsig KILL``: it dies with its Souk). Helpers for the two-node tests."""

from __future__ import annotations

import base64
from pathlib import Path

from souk.bench.signal_client import SignalClient, SignalError
from tests.fixtures.souk_process import SoukProcess, auth, mint, ok

__all__ = ["MASTER_KEY", "SECRET", "Node", "auth", "join_refused", "mint", "ok"]

SECRET = "multinode-test-secret-" + "x" * 32  # one signing secret: a token minted on A verifies on B
# one master key (base64 of 32 bytes): a data key one node wrapped, the other unwraps (docs/multinode.md)
MASTER_KEY = base64.b64encode(bytes(range(32))).decode()


class Node(SoukProcess):
    """One ``souk serve`` process: node ``node_id`` of the deployment."""

    def __init__(self, node_id: str, data_dir: Path, *, database_url: str, redis_url: str, rtp: str,
                 env: dict[str, str] | None = None) -> None:
        self.node_id = node_id
        super().__init__(data_dir, data_dir.parent / f"souk-{node_id}.log", name=f"souk {node_id}", env={
            "SOUK_NODE_ID": node_id, "SOUK_DATABASE_URL": database_url, "SOUK_REDIS_URL": redis_url,
            "SOUK_AUTH__TOKEN_SECRET": SECRET, "SOUK_PRIVACY__MASTER_KEY": MASTER_KEY, "SOUK_JANUS__RTP_PORT_RANGE": rtp, **(env or {})})


async def join_refused(node: Node, token: str, room: str) -> SignalError | None:
    """The error of a signaling join of ``room`` on ``node`` (None: joined, then left)."""
    client = await SignalClient.connect(node.ws, token)
    try:
        await client.request({"type": "join", "room": room})
    except SignalError as exc:
        return exc
    finally:
        await client.aclose()
    return None
