"""The broker interface: sequence + store + fan-out across processes, presence, moderation state.

One small Protocol with two backends (:mod:`souk.rtm.memory`, :mod:`souk.rtm.redis_broker`) and one
contract test suite run against both (tests/contract/rtm). A broker:

- assigns each durable message the next per-channel sequence number, stores it, and only then returns
  (the caller acknowledges after that) and hands it to the attached :class:`Sink` of every process that
  subscribed to the channel, in sequence order, without gaps;
- dedupes by (channel, sender, client message id) so a resent message gets its first sequence back;
- carries ephemeral aggregates ("+57 likes") without storing them;
- keeps presence entries that expire unless refreshed (a dead node's members drop out by themselves);
- keeps moderation state (mutes, bans, slow mode, keyword lists) visible to every node.

Channel keys are ``merchant/room``: the merchant part keeps tenants apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from souk.rtm.envelope import VERSION, Kind, Message, encode


@dataclass(frozen=True, slots=True)
class Draft:
    """A durable message before the broker gave it a sequence number."""

    key: str  # merchant/room
    ch: str  # room, as clients see it
    id: str  # client message id ('' = none: no dedupe)
    kind: Kind
    body: Any
    sender: str
    ts: float
    name: str = ""
    role: str = ""

    def encode_with(self, seq: int) -> bytes:
        return encode(Message(v=VERSION, ch=self.ch, seq=seq, id=self.id, k=self.kind, b=self.body, frm=self.sender,
                              ts=self.ts, name=self.name, role=self.role))

    def encode_split(self) -> tuple[bytes, bytes]:
        """The encoded message cut around its sequence number, for backends that assign it remotely."""
        raw = self.encode_with(0)
        head = b'{"v":%d,"ch":%s,"seq":' % (VERSION, encode(self.ch))
        if not raw.startswith(head) or raw[len(head):len(head) + 2] != b"0,":
            raise RuntimeError("envelope field order changed: v, ch and seq must come first")
        return head, raw[len(head) + 1:]


@dataclass(frozen=True, slots=True)
class Accepted:
    seq: int
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class Policy:
    """Moderation state of one channel (times are wall-clock seconds; 0 = until lifted)."""

    muted: dict[str, float] = field(default_factory=dict)
    banned: dict[str, float] = field(default_factory=dict)
    slow_s: float = 0.0
    keywords: tuple[str, ...] = ()

    def muted_until(self, user: str, now: float) -> float | None:
        return _active(self.muted.get(user), now)

    def banned_until(self, user: str, now: float) -> float | None:
        return _active(self.banned.get(user), now)


def _active(until: float | None, now: float) -> float | None:
    if until is None:
        return None
    if until == 0 or until > now:
        return until
    return None


class Sink(Protocol):
    """What a broker delivers to in this process (the Hub)."""

    def on_messages(self, key: str, items: list[tuple[int, bytes]]) -> None:
        """Contiguous, ordered (seq, encoded message) pairs of one channel."""

    def on_ephemeral(self, key: str, agg: dict[str, int]) -> None: ...


class Broker(Protocol):
    def attach(self, sink: Sink) -> None: ...

    async def start(self) -> None: ...

    async def aclose(self) -> None: ...

    # messages
    async def publish(self, draft: Draft) -> Accepted: ...

    async def publish_ephemeral(self, key: str, agg: dict[str, int]) -> None: ...

    async def subscribe(self, key: str) -> int:
        """Start delivering this channel to the sink; returns the channel's last sequence number."""

    async def unsubscribe(self, key: str) -> None: ...

    async def last_seq(self, key: str) -> int: ...

    async def history(self, key: str, *, since: int | None, limit: int) -> list[tuple[int, bytes]]:
        """Messages after ``since`` (oldest first, at most ``limit``) or, with since=None, the last ``limit``."""

    async def delete(self, key: str, seq: int) -> bool: ...

    # presence
    async def heartbeat(self, key: str, members: dict[str, bytes], ttl_s: float) -> None: ...

    async def leave(self, key: str, member: str) -> None: ...

    async def presence(self, key: str) -> list[bytes]: ...

    # moderation state
    async def policy(self, key: str, merchant: str) -> Policy: ...

    async def set_member_rule(self, key: str, rule: str, user: str, until: float | None) -> None:
        """rule is 'muted' or 'banned'; until None lifts it."""

    async def set_slow_mode(self, key: str, seconds: float) -> None: ...

    async def set_keywords(self, key: str, words: list[str]) -> None:
        """The keyword filter of one channel (``merchant/channel``): a host's list applies to its room only."""
