"""The in-process broker: the embedded default for one Souk process.

Sequence numbers, recent history (a bounded ring per channel), presence and moderation state live in
memory; with a :class:`~souk.rtm.sqlite_log.SqliteLog` every durable message is committed to a SQLite
file before ``publish`` returns, so it survives a restart. Fan-out is a direct call to the attached sink.
"""

from __future__ import annotations

from collections import OrderedDict, deque

import msgspec

from souk.core.clock import Clock, SystemClock
from souk.rtm.broker import Accepted, Draft, Policy, Sink
from souk.rtm.envelope import Message
from souk.rtm.sqlite_log import Entry, SqliteLog


class MemoryBroker:
    def __init__(self, *, log: SqliteLog | None = None, clock: Clock | None = None, retain: int = 5000,
                 dedupe_window: int = 100_000) -> None:
        self._log = log
        self._clock = clock or SystemClock()
        self._retain = retain
        self._sink: Sink | None = None
        self._seq: dict[str, int] = {}
        self._ring: dict[str, deque[tuple[int, bytes]]] = {}
        self._subscribed: set[str] = set()
        self._dedupe: OrderedDict[tuple[str, str, str], int] = OrderedDict()
        self._dedupe_window = dedupe_window
        self._presence: dict[str, dict[str, tuple[float, bytes]]] = {}
        self._muted: dict[str, dict[str, float]] = {}
        self._banned: dict[str, dict[str, float]] = {}
        self._slow: dict[str, float] = {}
        self._keywords: dict[str, tuple[str, ...]] = {}
        self._started = False

    def attach(self, sink: Sink) -> None:
        self._sink = sink

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        if self._log is not None:
            await self._log.open(self._committed)

    async def aclose(self) -> None:
        if self._log is not None:
            await self._log.aclose()

    async def _next_seq(self, key: str) -> int:
        await self.last_seq(key)
        self._seq[key] += 1
        return self._seq[key]

    async def publish(self, draft: Draft) -> Accepted:
        dkey = (draft.key, draft.sender, draft.id)
        if draft.id:
            prev = self._dedupe.get(dkey)
            if prev is not None:
                return Accepted(prev, duplicate=True)
        seq = await self._next_seq(draft.key)
        if draft.id:
            self._dedupe[dkey] = seq
            if len(self._dedupe) > self._dedupe_window:
                self._dedupe.popitem(last=False)
        raw = draft.encode_with(seq)
        if self._log is not None:
            try:
                await self._log.append((draft.key, seq, raw))
            except BaseException:
                self._dedupe.pop(dkey, None)
                raise
        else:
            self._committed([(draft.key, seq, raw)])
        return Accepted(seq)

    def _committed(self, entries: list[Entry]) -> None:
        by_key: dict[str, list[tuple[int, bytes]]] = {}
        for key, seq, raw in entries:
            ring = self._ring.get(key)
            if ring is None:
                ring = self._ring[key] = deque(maxlen=self._retain)
            ring.append((seq, raw))
            by_key.setdefault(key, []).append((seq, raw))
        if self._sink is not None:
            for key, items in by_key.items():
                if key in self._subscribed:
                    self._sink.on_messages(key, items)

    async def publish_ephemeral(self, key: str, agg: dict[str, int]) -> None:
        if self._sink is not None and key in self._subscribed:
            self._sink.on_ephemeral(key, agg)

    async def subscribe(self, key: str) -> int:
        self._subscribed.add(key)
        return await self.last_seq(key)

    async def unsubscribe(self, key: str) -> None:
        self._subscribed.discard(key)

    async def last_seq(self, key: str) -> int:
        if key not in self._seq:
            last = await self._log.last_seq(key) if self._log is not None else 0
            self._seq.setdefault(key, last)
        return self._seq[key]

    async def history(self, key: str, *, since: int | None, limit: int) -> list[tuple[int, bytes]]:
        ring = self._ring.get(key, deque())
        if since is None:
            items = list(ring)[-limit:] if limit > 0 else []
            if len(items) < limit and self._log is not None:
                return await self._log.tail(key, limit)
            return items
        oldest = ring[0][0] if ring else None
        if self._log is not None and (oldest is None or oldest > since + 1):
            return await self._log.range(key, since, limit)
        return [(s, r) for s, r in ring if s > since][:limit]

    def older_than(self, prefix: str, before: float, limit: int) -> list[tuple[str, int]]:
        """(key, seq) of the ring's messages on keys starting with ``prefix`` sent before ``before`` (wall
        seconds, the message's ``ts``): chat history past retention (souk.privacy.file_stores purges it)."""
        out: list[tuple[str, int]] = []
        for key, ring in self._ring.items():
            if not key.startswith(prefix):
                continue
            for seq, raw in ring:
                if len(out) >= limit:
                    return out
                try:
                    ts = msgspec.json.decode(raw, type=Message).ts
                except msgspec.DecodeError:
                    continue
                if ts < before:
                    out.append((key, seq))
        return out

    async def delete(self, key: str, seq: int) -> bool:
        found = False
        ring = self._ring.get(key)
        if ring is not None:
            kept = [(s, r) for s, r in ring if s != seq]
            found = len(kept) != len(ring)
            ring.clear()
            ring.extend(kept)
        if self._log is not None:
            found = await self._log.delete(key, seq) or found
        return found

    async def heartbeat(self, key: str, members: dict[str, bytes], ttl_s: float) -> None:
        table = self._presence.setdefault(key, {})
        expires = self._clock.now() + ttl_s
        for member, info in members.items():
            table[member] = (expires, info)

    async def leave(self, key: str, member: str) -> None:
        self._presence.get(key, {}).pop(member, None)

    async def presence(self, key: str) -> list[bytes]:
        table = self._presence.get(key, {})
        now = self._clock.now()
        for member in [m for m, (exp, _) in table.items() if exp <= now]:
            del table[member]
        return [info for _, info in table.values()]

    async def policy(self, key: str, merchant: str) -> Policy:
        return Policy(muted=dict(self._muted.get(key, {})), banned=dict(self._banned.get(key, {})),
                      slow_s=self._slow.get(key, 0.0), keywords=self._keywords.get(key, ()))

    async def set_member_rule(self, key: str, rule: str, user: str, until: float | None) -> None:
        table = (self._muted if rule == "muted" else self._banned).setdefault(key, {})
        if until is None:
            table.pop(user, None)
        else:
            table[user] = until

    async def set_slow_mode(self, key: str, seconds: float) -> None:
        self._slow[key] = seconds

    async def set_keywords(self, key: str, words: list[str]) -> None:
        self._keywords[key] = tuple(w.lower() for w in words if w)
