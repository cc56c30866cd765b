"""Fakes shared by the RTM unit tests: a recording connection and a wired memory-backed rig."""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from souk.auth.tokens import AccessClaims, TokenService
from souk.core.clock import ManualClock
from souk.core.errors import SoukError
from souk.rtm.hub import Hub
from souk.rtm.memory import MemoryBroker
from souk.rtm.service import RtmService


@dataclass(eq=False)
class FakeConn:
    """Records frames; ``backlog`` simulates bytes stuck in the socket buffer."""

    frames: list[bytes] = field(default_factory=list)
    backlog: int = 0
    closed_with: SoukError | None = None
    closed: bool = False

    def send(self, data: bytes) -> None:
        assert not self.closed, "send after close"
        self.frames.append(data)

    def buffered(self) -> int:
        return self.backlog

    def close(self, error: SoukError | None) -> None:
        self.closed = True
        self.closed_with = error

    def decoded(self) -> list[dict]:
        return [msgspec.json.decode(f) for f in self.frames]

    def seqs(self) -> list[int]:
        return [m["seq"] for f in self.decoded() if f.get("t") == "b" for m in f["m"]]


@dataclass
class Rig:
    clock: ManualClock
    broker: MemoryBroker
    hub: Hub
    service: RtmService
    tokens: TokenService

    def claims(self, identity: str, role: str = "member", room: str = "r1", merchant: str = "m1") -> AccessClaims:
        return self.tokens.verify(self.tokens.mint(merchant_id=merchant, identity=identity, room=room, role=role))
