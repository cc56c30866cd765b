"""A demo customer's data in every store (issue 17's Done-when): the demo store's customer C-501 (Emily
Johnson, emily.johnson@example.com, order 1040) with a phone number, a consult call (call record, participant,
quality record, recording files), a voice desk conversation whose transcript names her, chat messages in the
room (RTM history: the embedded broker's SQLite log, or Redis), a live cart, a webhook delivery and a parked
event carrying her e-mail, a cached translation of her message, a log line, an order action naming her, a consent record and a
live caption she spoke on stage.
Another customer (C-502) gets the same kinds of data and must be untouched."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from souk.domain.captions import StoredCaption
from souk.domain.consent import Channel as ConsentChannel
from souk.domain.consent import ConsentKind, ConsentRecord
from souk.domain.desk.timeline import AiMessage, Channel, ShopperMessage, open_conversation
from souk.rtm.broker import Draft
from souk.rtm.envelope import Kind
from souk.storage import Storage
from souk.storage.repos.captions import SqlCaptionRepo
from souk.storage.schema import (
    call_records,
    live_carts,
    order_actions,
    participants,
    quality_records,
    rooms,
    translation_cache,
    webhook_deliveries,
    webhook_parked,
)

M = "lumen"


@dataclass(frozen=True)
class Person:
    customer_id: str
    name: str
    email: str
    phone: str
    order_id: str

    @property
    def room(self) -> str:
        return f"consult-{self.customer_id.lower()}"


EMILY = Person("C-501", "Emily Johnson", "emily.johnson@example.com", "+1 415 555 0142", "1040")
LIAM = Person("C-502", "Liam Tremblay", "liam.tremblay@example.com", "+1 604 555 0177", "")


async def seed(storage: Storage, data_dir: Path, p: Person, *, broker: Any = None) -> None:
    now = dt.datetime.now(dt.UTC)
    cid, room = p.customer_id, p.room
    async with storage.db.write() as conn:
        await conn.execute(rooms.insert().values(merchant_id=M, id=room, kind="consult", status="closed",
                                                 metadata={"shopper_name": p.name}, created_at=now, closed_at=now))
        await conn.execute(call_records.insert().values(
            merchant_id=M, id=f"call-{cid}", room_id=room, shopper_identity=cid, seller_identity="seller-ana",
            requested_at=now, answered_at=now, ended_at=now, outcome="completed", duration_s=42.0,
            detail={"shopper_name": p.name, "note": f"call back on {p.phone}"}))
        await conn.execute(participants.insert().values(merchant_id=M, room_id=room, identity=cid, role="shopper",
                                                        name=p.name, joined_at=now, left_at=now))
        await conn.execute(quality_records.insert().values(
            merchant_id=M, room_id=room, identity=cid, session_id="s1", kind="call", started_at=now,
            updated_at=now, failure=None, record={"mos": 4.1, "name": p.name}))
        await conn.execute(live_carts.insert().values(merchant_id=M, room_id="live-1", identity=cid,
                                                      lines=[["BT-2002", 1]], updated_at=now))
        body = json.dumps({"type": "order.updated", "data": {"order_id": p.order_id or "none",
                                                             "customer": {"email": p.email, "name": p.name}}})
        await conn.execute(webhook_deliveries.insert().values(
            merchant_id=M, id=f"dl-{cid}", endpoint_id="ep1", event_id=f"ev-{cid}", event_type="order.updated",
            body=body.encode(), created_at=time.time(), next_attempt_at=time.time(), status="delivered",
            attempts=1, last_status_code=200, last_response="ok"))
        await conn.execute(webhook_parked.insert().values(
            merchant_id=M, event_id=f"evp-{cid}", event_type="order.updated", created_at=time.time(),
            data=json.dumps({"email": p.email}), parked_at=now))
        await conn.execute(translation_cache.insert().values(
            merchant_id=M, key=f"k-{cid}", text=f"Mi correo es {p.email}", created_at=now))
        if p.order_id:
            await conn.execute(order_actions.insert().values(
                merchant_id=M, id=f"act-{cid}", order_id=p.order_id, kind="change_address", status="done",
                refusal=None, idempotency_key=f"idem-{cid}", conversation_id=f"conv-{cid}", actor=cid,
                channel="assistant", details={"to": f"{p.name}, 12 Main St", "phone": p.phone},
                created_at=now))
    await storage.consent.add(ConsentRecord(M, cid, ConsentKind.RECORDING, True, time.time(), "v1",
                                            ConsentChannel.WATCH_PAGE, "en", customer_id=cid))
    await SqlCaptionRepo(storage.db, storage.clock).put(M, StoredCaption(
        "show-9", 1 if p is EMILY else 2, "live-1", cid, "en", 0, 900, f"hi, I am {p.name}", {"es": "hola"}))
    conv = open_conversation(M, f"conv-{cid}", Channel.ASSISTANT_VOICE, cid, "en", now, customer_id=cid)
    await storage.desk.create(conv)
    await storage.desk.append(M, conv.id, [
        ShopperMessage(now, f"Hi, this is {p.name}, my number is {p.phone} and my mail {p.email}"),
        AiMessage(now, f"Thanks {p.name.split()[0]}, I found order {p.order_id or 'none'}.")])
    show = data_dir / "recordings" / M / room / "show-1"
    show.mkdir(parents=True, exist_ok=True)
    (show / f"{cid}-1.mjr").write_bytes(b"MJR00002" + bytes(range(256)) * 8)
    (show / f"{cid}-1.opus").write_bytes(b"OggS" + bytes(range(256)) * 4)
    live = data_dir / "recordings" / M / "live-1" / "show-9"
    live.mkdir(parents=True, exist_ok=True)
    (live / f"{cid}-2.mjr").write_bytes(b"MJR00002" + bytes(64))  # a stage guest's feed in a live show
    logs = data_dir / "logs"
    logs.mkdir(exist_ok=True)
    with (logs / "souk.log").open("a", encoding="utf-8") as f:
        f.write(f"2026-12-07 INFO desk: conversation conv-{cid} opened for {p.email}\n")
        f.write("2026-12-07 INFO live: room live-1 opened\n")
    if broker is not None:
        for i, text in enumerate([f"Is BT-2002 in stock? Call me at {p.phone}", "thanks!"]):
            await broker.publish(Draft(key=f"{M}/live-1", ch="live-1", id=f"m{i}-{cid}", kind=Kind.CHAT,
                                       body={"text": text}, sender=cid, ts=time.time(), name=p.name, role="viewer"))
        await broker.publish(Draft(key=f"{M}/live-1", ch="live-1", id=f"h-{cid}", kind=Kind.CHAT,
                                   body={"text": f"@{p.name.split()[0]} we mailed {p.email}"}, sender="host-ana",
                                   ts=time.time(), name="Ana", role="host"))
