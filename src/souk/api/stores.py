"""Adapters from souk.storage's repositories to the small ports the API and the call flow use."""

from __future__ import annotations

import logging
from typing import Any

from souk.consult.models import Call, CallState
from souk.core.errors import Conflict, NotFound
from souk.domain.calls import CallRecord
from souk.domain.rooms import RoomKind

log = logging.getLogger(__name__)


class StorageAdapter:
    """Implements consult.ports.CallStore/ProductNames, signal.session.RoomDirectory and auth.ApiKeyVerifier."""

    def __init__(self, storage: Any) -> None:
        self.storage = storage

    # ---- ApiKeyVerifier ----
    async def verify_api_key(self, key: str) -> str:
        record = await self.storage.api_keys.verify(key)
        return str(record.merchant_id)

    # ---- ProductNames ----
    async def product_name(self, merchant_id: str, sku: str, language: str) -> str | None:
        try:
            product = await self.storage.catalog.get(merchant_id, sku)
        except NotFound:
            return None
        return str(product.name(language))

    # ---- RoomDirectory ----
    async def open_room_kind(self, merchant_id: str, room_id: str) -> str:
        try:
            room = await self.storage.rooms.get(merchant_id, room_id)
        except NotFound as exc:
            raise NotFound(f"no room {room_id!r}", code="unknown_room") from exc
        if not room.is_open:
            raise Conflict(f"room {room_id!r} is closed", code="room_closed")
        return str(room.kind.value)

    async def record_join(self, merchant_id: str, room_id: str, identity: str, role: str, name: str) -> None:
        await self.storage.rooms.join(merchant_id, room_id, identity, role, name=name)

    async def record_leave(self, merchant_id: str, room_id: str, identity: str) -> None:
        try:
            await self.storage.rooms.leave(merchant_id, room_id, identity)
        except (NotFound, Conflict) as exc:
            log.debug("leave of %s in %s not recorded: %s", identity, room_id, exc)

    # ---- CallStore ----
    async def create_room(self, merchant_id: str, room_id: str, metadata: dict[str, str]) -> None:
        await self.storage.rooms.create(merchant_id, RoomKind.CONSULT, room_id=room_id, metadata=metadata)

    async def close_room(self, merchant_id: str, room_id: str) -> None:
        await self.storage.rooms.close(merchant_id, room_id)

    async def save_call(self, call: Call) -> None:
        calls = self.storage.calls
        if call.state is CallState.RINGING:
            await calls.create(call.merchant_id, shopper_identity=call.shopper, room_id=call.room_id,
                               product_sku=call.product_sku, language=call.language, call_id=call.id,
                               detail=call.detail())
        elif call.state is CallState.ACCEPTED:
            await calls.answer(call.merchant_id, call.id, seller_identity=call.seller, detail=call.detail())
        elif call.outcome is not None:
            await calls.finish(call.merchant_id, call.id, call.outcome, detail=call.detail())

    async def load_call(self, merchant_id: str, call_id: str) -> Call | None:
        try:
            return Call.from_record(await self.storage.calls.get(merchant_id, call_id))
        except NotFound:
            return None

    async def interrupt_call(self, merchant_id: str, call_id: str) -> Call | None:
        record = await self.storage.calls.interrupt(merchant_id, call_id)
        return None if record is None else Call.from_record(record)

    async def open_calls(self) -> list[Call]:
        """Every merchant's calls ringing or running now, on any node."""
        out: list[Call] = []
        for merchant in await self.storage.merchants.list():
            out += [Call.from_record(r) for r in await self.storage.calls.open(merchant.id)]
        return out

    async def recent_calls(self, merchant_id: str, limit: int) -> list[CallRecord]:
        return list(await self.storage.calls.list(merchant_id, limit=limit))
