"""Start-up reconciliation after a crash (Souk killed with SIGKILL, the machine lost power...).

Consult calls ring and run inside one Souk process (ConsultService keeps them in memory), so when that
process dies its calls die with it, while their records still say ringing or in progress and their rooms
stay open (old room tokens would still join). Before serving, a node therefore:

1. ends the calls its previous process left open (records carry the node id, ``settings.node_id``) with the
   outcome ``interrupted``, and closes their rooms (joining a closed room answers ``room_closed``);
2. closes consult rooms still open whose call has ended (a crash between ending the call and closing its room)
   or that never got a call record (a crash between creating the room and writing the call), once older than
   ``ORPHAN_GRACE_S`` (another node may be between those two writes right now).

Live rooms are left open on purpose (resume): pins, flash sales, coupons and carts are in the database, and
the host goes live again with ``POST /v1/live/{room}/show``. See docs/recovery.md.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Protocol

from souk.core.errors import Conflict, NotFound
from souk.domain.ports import CallRepo, MerchantRepo, RoomRepo
from souk.domain.rooms import RoomKind, RoomStatus

log = logging.getLogger(__name__)

ORPHAN_GRACE_S = 60.0
ROOMS_PER_SWEEP = 1000  # open consult rooms looked at per merchant and start (the repository's page limit)


class RecoveryStorage(Protocol):
    @property
    def merchants(self) -> MerchantRepo: ...
    @property
    def calls(self) -> CallRepo: ...
    @property
    def rooms(self) -> RoomRepo: ...

    def now(self) -> dt.datetime: ...


@dataclass(slots=True)
class Reconciled:
    calls_interrupted: list[str] = field(default_factory=list)  # "merchant/call"
    rooms_closed: list[str] = field(default_factory=list)  # "merchant/room"


async def reconcile_after_crash(storage: RecoveryStorage) -> Reconciled:
    """End what this node's dead process left open (see the module docstring). Safe to run on every start:
    after a clean shutdown there is nothing to do."""
    done = Reconciled()
    for merchant in await storage.merchants.list():
        mid = merchant.id
        for call in await storage.calls.interrupt_open(mid):
            done.calls_interrupted.append(f"{mid}/{call.id}")
            if call.room_id and await _close(storage, mid, call.room_id):
                done.rooms_closed.append(f"{mid}/{call.room_id}")
        for room_id in await _stale_consult_rooms(storage, mid):
            if await _close(storage, mid, room_id):
                done.rooms_closed.append(f"{mid}/{room_id}")
    if done.calls_interrupted or done.rooms_closed:
        log.warning("recovered after a crash: %d calls ended as interrupted (%s), %d rooms closed",
                    len(done.calls_interrupted), ", ".join(done.calls_interrupted[:10]), len(done.rooms_closed))
    return done


async def _stale_consult_rooms(storage: RecoveryStorage, merchant_id: str) -> list[str]:
    stale = []
    cutoff = storage.now() - dt.timedelta(seconds=ORPHAN_GRACE_S)
    for room in await storage.rooms.list(merchant_id, status=RoomStatus.OPEN, kind=RoomKind.CONSULT,
                                         limit=ROOMS_PER_SWEEP):
        call_id = room.metadata.get("call_id")
        try:
            call = await storage.calls.get(merchant_id, str(call_id)) if call_id else None
        except NotFound:
            call = None
        if call is not None and call.ended_at is not None:
            stale.append(room.id)  # its call is over
        elif call is None and room.created_at < cutoff:
            stale.append(room.id)  # a room whose call was never written
    return stale


async def _close(storage: RecoveryStorage, merchant_id: str, room_id: str) -> bool:
    try:
        room = await storage.rooms.get(merchant_id, room_id)
        if not room.is_open:
            return False
        await storage.rooms.close(merchant_id, room_id)
    except (NotFound, Conflict) as exc:
        log.info("room %s/%s not closed: %s", merchant_id, room_id, exc)
        return False
    return True
