"""The live stage shared by nodes: each room's stage in the shared state, changes told on the bus.

Where: the cluster's shared state (:mod:`souk.cluster.state`: Redis when ``redis_url`` is set, else this
process's memory), key ``stage:<merchant>/<room>``; changes on the bus topic ``stage`` (channel per merchant).
Why there and not in the database: the stage is small, hot and short-lived (hands come and go by the second;
a show's commerce - pins, sales, carts, orders - is in the database already), and Redis gives the cross-node
lock the read-modify-write needs. It outlives any node: a host reconnecting to node B after node A died
finds the show live and goes on or ends it (docs/multinode.md).

Every stage change runs in :meth:`StageSync.transaction`: the merchant's stage lock is held across nodes
(``stage-lock:<merchant>``), the rooms involved (and their PK partners) are read into this node's replica,
the :class:`~souk.live.stage.LiveStage` rule runs as before, and the rooms that changed are written back and
told to the other nodes, which update their replicas (what the signaling sessions read synchronously).
Each stored stage carries a version (``<n>|<json>``, n+1 at every write) and a replica only ever moves
forward: a bus message that arrives late (after a fresher read) is ignored.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
from collections.abc import AsyncIterator, Sequence

from souk.cluster.bus import Bus
from souk.cluster.state import SharedState
from souk.core.errors import SoukError
from souk.core.tenancy import RoomKey
from souk.live.stage import LiveStage, RoomStage
from souk.live.stage_codec import decode_stage, encode_stage

log = logging.getLogger(__name__)

TOPIC = "stage"


def stage_key(room: RoomKey) -> str:
    return f"stage:{room.merchant_id}/{room.room_id}"


class StageSync:
    def __init__(self, stage: LiveStage, state: SharedState, bus: Bus, *, node_id: str = "") -> None:
        self.stage = stage
        self.state = state
        self.bus = bus
        self.node_id = node_id
        self._origin = f"{node_id}:{secrets.token_hex(6)}"
        self._versions: dict[RoomKey, int] = {}  # the version of each room in this node's replica
        bus.subscribe(TOPIC, self._heard)
        stage.use_sharing(self)

    async def warm(self) -> int:
        """Load every room's stage (a node starting beside live ones, or after a crash)."""
        rooms = await self.state.scan("stage:")
        for key, raw in rooms.items():
            merchant_id, _, room_id = key.removeprefix("stage:").partition("/")
            self._put(RoomKey(merchant_id, room_id), raw)
        return len(rooms)

    async def refresh(self, room: RoomKey) -> None:
        """Read ``room``'s stage from the shared state into this node's replica (before answering a read)."""
        self._put(room, await self.state.get(stage_key(room)))

    @contextlib.asynccontextmanager
    async def transaction(self, merchant_id: str, room_ids: Sequence[str]) -> AsyncIterator[None]:
        async with self.state.lock([f"stage-lock:{merchant_id}"]):
            loaded = await self._load(merchant_id, room_ids)
            try:
                yield
            except BaseException:
                for key, raw in loaded.items():  # the rule refused (or failed half-way): as stored
                    self._put(key, raw)
                raise
            for key, before in loaded.items():
                state = self.stage.room(key)
                if state is None:  # dropped from this replica (evicted): the stored stage stays as it was
                    continue
                after = encode_stage(state)
                if before is not None and _split(before)[1] == after:
                    continue
                version = self._versions.get(key, 0) + 1
                stored = _join(version, after)
                await self.state.put(stage_key(key), stored)
                self._versions[key] = version
                await self._tell(key, stored)

    async def _load(self, merchant_id: str, room_ids: Sequence[str]) -> dict[RoomKey, bytes | None]:
        """The rooms and, one step out, their PK partners and inviters (a PK change touches both sides)."""
        loaded: dict[RoomKey, bytes | None] = {}
        todo = [RoomKey(merchant_id, r) for r in room_ids]
        for depth in range(2):
            todo = [k for k in dict.fromkeys(todo) if k not in loaded]
            if not todo:
                break
            for key, raw in zip(todo, await self.state.get_many([stage_key(k) for k in todo]), strict=True):
                loaded[key] = raw
                self._put(key, raw)
            if depth == 0:
                todo = [k for key in list(loaded) for k in _linked(self.stage.room(key))]
        return loaded

    def _put(self, key: RoomKey, raw: bytes | None, *, newer_only: bool = False) -> None:
        """Take a stored stage into the replica (``newer_only``: unless the replica holds a newer version)."""
        if raw is None:
            if not newer_only:
                self.stage.replace_room(key, None)
                self._versions.pop(key, None)
            return
        try:
            version, body = _split(raw)
            state = decode_stage(body)
        except (ValueError, KeyError, TypeError) as exc:
            log.error("stage of %s is unreadable (%s); treated as idle", key, exc)
            self.stage.replace_room(key, None)
            return
        if RoomKey(state.merchant_id, state.room_id) != key:
            log.error("stage stored under %s names %s/%s; ignored", key, state.merchant_id, state.room_id)
            return
        if version < self._versions.get(key, 0) or (newer_only and version == self._versions.get(key, 0)):
            return  # old news: this replica has read a newer version already
        self._versions[key] = version
        self.stage.replace_room(key, state)

    async def _tell(self, key: RoomKey, raw: bytes | None) -> None:
        payload = json.dumps({"origin": self._origin, "room": key.room_id,
                              "stage": None if raw is None else raw.decode()}).encode()
        try:
            await self.bus.publish(TOPIC, key.merchant_id, payload)
        except SoukError as exc:  # stored: the other nodes read it at their next refresh
            log.warning("stage of %s: could not tell the other nodes (%s)", key, exc.message)

    def _heard(self, merchant_id: str, payload: bytes) -> None:
        try:
            data = json.loads(payload)
            origin, room_id, raw = str(data["origin"]), str(data["room"]), data["stage"]
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("stage bus: dropping a bad message (%s)", exc)
            return
        if origin != self._origin and raw is not None:
            self._put(RoomKey(merchant_id, room_id), str(raw).encode(), newer_only=True)


def _join(version: int, body: bytes) -> bytes:
    return b"%d|" % version + body


def _split(raw: bytes) -> tuple[int, bytes]:
    head, sep, body = raw.partition(b"|")
    if not sep:
        raise ValueError("a stored stage starts with its version")
    return int(head), body


def _linked(state: RoomStage | None) -> list[RoomKey]:
    if state is None:
        return []
    out = [RoomKey(state.merchant_id, other) for other in state.pk_invited_by]
    if state.pk is not None:
        out.append(RoomKey(state.pk.partner_merchant, state.pk.partner))
    return out
