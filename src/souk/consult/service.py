"""The consult call state machine: request -> ring -> accept / decline / missed / cancel -> hang up.

Calls are shared by the nodes of a deployment:

- the call record in the database is the truth: every transition is one conditional write there (of two
  nodes accepting at once, one wins; the other answers ``call_not_ringing``), and a node that does not hold
  a call reads it from its record (``GET /v1/consults/{id}`` works on any node and after a restart);
- every change is published on the cross-node bus (topic ``calls``, channel per merchant), so each node keeps
  a replica of the calls ringing or running (``active``, ``by_room``) and tells its own consoles and room
  watchers: a call rung through node A rings a console on node B, and B's accept reaches the shopper on A;
- the node that rang a call (``Call.node``) runs its timers (ring timeout, call-length cap) and its room is
  pinned to that node (sticky routing, souk.cluster.nodes); whichever node ends a call, every node closes
  that room locally (members out, media room gone) as the change reaches it;
- when a node dies (its heartbeat stops), the live nodes end its calls as ``interrupted`` (one conditional
  write: one of them does it, the others hear it): its rooms and timers died with it
  (:meth:`ConsultService.watch_nodes`).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import OrderedDict
from typing import Any

from souk.consult.models import Call, CallState, decode_change, encode_change
from souk.consult.ports import (
    CallBus,
    CallListener,
    CallStore,
    NodeLiveness,
    ProductNames,
    RoomCloser,
    RoomPins,
)
from souk.core.clock import Clock
from souk.core.errors import BadRequest, Conflict, Forbidden, NotFound, SoukError
from souk.core.ids import new_id
from souk.core.settings import CallSettings
from souk.core.tasks import TaskOwner
from souk.core.tenancy import RoomKey
from souk.domain.calls import CallRecord

log = logging.getLogger(__name__)

LANGUAGE_MAX = 16
SKU_MAX = 64
RECONNECT_GRACE_S = 10.0  # how long a dropped participant may take to rejoin before the call ends
TOPIC = "calls"
SWEEP_S = 2.0  # how often a node looks for calls of dead nodes


class ConsultService:
    """Runs the calls this node rang, keeps a replica of every node's calls, and finishes any of them."""

    def __init__(
        self,
        settings: CallSettings,
        *,
        store: CallStore,
        products: ProductNames,
        clock: Clock,
        rooms: RoomCloser | None = None,
        keep_finished: int = 256,
        reconnect_grace_s: float = RECONNECT_GRACE_S,
        node_id: str = "",
        bus: CallBus | None = None,
        pins: RoomPins | None = None,
    ) -> None:
        self._settings = settings
        self._store = store
        self._products = products
        self._clock = clock
        self._rooms = rooms
        self._listeners: list[CallListener] = []
        self._calls: dict[str, Call] = {}  # ringing or running, on any node (this node's and the bus's)
        self._finished: OrderedDict[str, Call] = OrderedDict()
        self._keep_finished = keep_finished
        self._timers: dict[str, asyncio.Task[None]] = {}
        self._gone: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._grace_s = reconnect_grace_s
        self._tasks = TaskOwner("consult")
        self._lock = asyncio.Lock()
        self._closed = False
        self.node_id = node_id
        self._origin = f"{node_id}:{secrets.token_hex(6)}"  # this process, to drop its own bus messages
        self._bus = bus
        self._pins = pins
        if bus is not None:
            bus.subscribe(TOPIC, self._heard)

    # ---- wiring ----
    def add_listener(self, listener: CallListener) -> None:
        self._listeners.append(listener)

    def set_room_closer(self, rooms: RoomCloser) -> None:
        self._rooms = rooms

    async def warm(self) -> int:
        """Load the calls ringing or running on the other nodes (a node starting beside live ones)."""
        n = 0
        for call in await self._store.open_calls():
            if call.node != self.node_id and call.id not in self._calls:
                self._calls[call.id] = call
                n += 1
        return n

    def watch_nodes(self, nodes: NodeLiveness, *, every_s: float = SWEEP_S) -> None:
        """End the calls of nodes whose heartbeat stopped, looking every ``every_s``."""
        self._tasks.spawn(self._sweeping(nodes, every_s), "dead-nodes")

    async def _sweeping(self, nodes: NodeLiveness, every_s: float) -> None:
        while True:
            await self._clock.sleep(every_s)
            try:
                await self.sweep_dead(nodes)
            except SoukError as exc:
                log.warning("looking for calls of dead nodes failed: %s", exc.message)

    async def sweep_dead(self, nodes: NodeLiveness) -> list[Call]:
        """End, as ``interrupted``, the calls of this node's replica whose node is not alive."""
        orphans = [c for c in self._calls.values() if c.node and c.node != self.node_id]
        if not orphans:
            return []
        alive = await nodes.alive()
        ended: list[Call] = []
        for call in orphans:
            if call.node in alive or self._calls.get(call.id) is None:
                continue
            done = await self._store.interrupt_call(call.merchant_id, call.id)
            if done is None:  # ended meanwhile (or by another node first): take the record's word
                done = await self._store.load_call(call.merchant_id, call.id)
                if done is not None and self._apply(done):
                    self._notify(done)
                continue
            log.warning("call %s: its node %s is gone; ended as interrupted by %s", call.id, call.node,
                        self.node_id or "-")
            self._ended(done)
            if self._pins is not None:  # its node is gone: nobody else would drop the room's pin
                self._tasks.spawn(self._unpin(RoomKey(done.merchant_id, done.room_id)), f"unpin-{done.id}")
            await self._changed(done)
            ended.append(done)
        return ended

    # ---- queries ----
    def get(self, merchant_id: str, call_id: str) -> Call:
        """The call as this node knows it (its replica and the calls it saw end lately)."""
        call = self._calls.get(call_id) or self._finished.get(call_id)
        if call is None or call.merchant_id != merchant_id:
            raise NotFound(f"no call {call_id!r}", code="unknown_call")
        return call

    async def fetch(self, merchant_id: str, call_id: str) -> Call:
        """The call, from this node's replica or else from its record: any node's call, one long over, or one
        of a node that died (``interrupted``)."""
        try:
            return self.get(merchant_id, call_id)
        except NotFound:
            call = await self._store.load_call(merchant_id, call_id)
        if call is None or call.merchant_id != merchant_id:
            raise NotFound(f"no call {call_id!r}", code="unknown_call")
        return call

    def by_room(self, room: RoomKey) -> Call | None:
        """The live call in this merchant's room (another merchant's room of the same id is not it)."""
        return next((c for c in self._calls.values()
                     if c.room_id == room.room_id and c.merchant_id == room.merchant_id), None)

    def backstage(self, room: RoomKey, identity: str) -> bool:
        """Whether ``identity`` joining ``room`` waits backstage (souk.signal.hub): the room's call rings, or was
        answered by someone else, and they are neither its shopper nor its seller. A seller's console joins
        while the call rings to publish its camera and warm its receiving connection; the accept seats them."""
        call = self.by_room(room)
        return call is not None and identity not in (call.shopper, call.seller)

    def active(self, merchant_id: str) -> list[Call]:
        return sorted((c for c in self._calls.values() if c.merchant_id == merchant_id),
                      key=lambda c: c.requested_at)

    async def recent(self, merchant_id: str, limit: int = 20) -> list[CallRecord]:
        return await self._store.recent_calls(merchant_id, max(1, min(limit, 200)))

    # ---- transitions ----
    async def request(
        self, merchant_id: str, *, shopper: str, product_sku: str, language: str, shopper_name: str = "",
        origin_room: str = "", note: str = "", cart: dict[str, Any] | None = None, conversation_id: str = "",
    ) -> Call:
        """Ring the merchant's sellers. From a live show (``origin_room``) the product is optional and the
        call carries the viewer's note and cart summary; so it is from a desk conversation (``conversation_id``,
        a video escalation: its room keeps the conversation's id)."""
        if (not product_sku and not origin_room and not conversation_id) or len(product_sku) > SKU_MAX:
            raise BadRequest("product_sku must be 1-64 characters", code="bad_product")
        if not language or len(language) > LANGUAGE_MAX:
            raise BadRequest("language must be 1-16 characters", code="bad_language")
        name = await self._products.product_name(merchant_id, product_sku, language) if product_sku else ""
        if name is None:
            raise NotFound(f"no product {product_sku!r}", code="unknown_product")
        async with self._lock:
            self._check_open()
            if any(c.shopper == shopper and c.merchant_id == merchant_id for c in self._calls.values()):
                raise Conflict("this shopper already has a call in progress", code="call_in_progress")
            room_id = new_id("room")
            call = Call(
                id=new_id("call"), merchant_id=merchant_id, room_id=room_id, shopper=shopper,
                shopper_name=shopper_name[:80], product_sku=product_sku, product_name=name,
                language=language, state=CallState.RINGING, requested_at=self._clock.wall(),
                origin_room=origin_room, note=note[:280], origin_cart=cart, node=self.node_id,
                conversation_id=conversation_id[:128],
            )
            meta = {"kind": "consult", "call_id": call.id, "product_sku": product_sku}
            if origin_room:
                meta["origin_room"] = origin_room  # the room record keeps where the call came from
            if conversation_id:
                meta["conversation_id"] = conversation_id[:128]
            await self._store.create_room(merchant_id, room_id, meta)
            if self._pins is not None:
                await self._pins.pin(RoomKey(merchant_id, room_id))  # its clients come to this node
            await self._store.save_call(call)
            self._calls[call.id] = call
            self._arm(call.id, self._settings.ring_timeout_s, CallState.MISSED)
        log.info("call %s ringing (merchant=%s room=%s sku=%s node=%s)", call.id, merchant_id, room_id,
                 product_sku, self.node_id or "-")
        await self._changed(call)
        return call

    async def accept(self, merchant_id: str, call_id: str, seller: str) -> Call:
        async with self._lock:
            call = await self._live(merchant_id, call_id)
            if call.state is not CallState.RINGING:
                raise Conflict(f"call is {call.state.value}, not ringing", code="call_not_ringing")
            call = call.replace(state=CallState.ACCEPTED, seller=seller, answered_at=self._clock.wall())
            await self._write(call, lost="call_not_ringing")  # one conditional UPDATE: one winner
            self._calls[call_id] = call
            if self._owns(call):
                self._arm(call_id, self._settings.max_call_s, CallState.ENDED)
        await self._changed(call)
        return call

    async def decline(self, merchant_id: str, call_id: str, seller: str) -> Call:
        async with self._lock:
            call = await self._live(merchant_id, call_id)
            if call.state is not CallState.RINGING:
                raise Conflict(f"call is {call.state.value}, not ringing", code="call_not_ringing")
            call = await self._finish(call.replace(seller=seller), CallState.DECLINED, seller)
        return call

    async def hangup(self, merchant_id: str, call_id: str, identity: str) -> Call:
        """End the call for both sides. From the shopper while ringing this is a cancel."""
        async with self._lock:
            done = self._finished.get(call_id)
            if call_id not in self._calls and done is not None and done.merchant_id == merchant_id:
                return done  # idempotent: hanging up twice is fine
            try:
                call = await self._live(merchant_id, call_id)
            except Conflict:
                record = await self._store.load_call(merchant_id, call_id)
                if record is not None and record.state.final:
                    return record  # ended on another node: hanging up again is fine too
                raise
            if identity not in (call.shopper, call.seller) and call.seller:
                raise Forbidden("only the call's participants may hang up", code="not_in_call")
            state = CallState.CANCELLED if call.state is CallState.RINGING else CallState.ENDED
            return await self._finish(call, state, identity)

    async def participant_gone(self, room: RoomKey, identity: str) -> None:
        """A participant's signaling connection dropped: unless they rejoin within the grace period
        (a network blip, a reconnecting client), the call ends on their behalf."""
        call = self.by_room(room)
        if call is None or identity not in (call.shopper, call.seller):
            return
        key = (call.id, identity)
        old = self._gone.pop(key, None)
        if old is not None:
            old.cancel()
        deadline = self._clock.now() + self._grace_s
        self._gone[key] = self._tasks.spawn(self._gone_timer(key, call.merchant_id, deadline),
                                            f"gone-{call.id}-{identity}")

    def participant_back(self, room: RoomKey, identity: str) -> None:
        """The participant rejoined the call's room in time: the call goes on."""
        call = self.by_room(room)
        if call is not None:
            task = self._gone.pop((call.id, identity), None)
            if task is not None:
                task.cancel()
                log.info("call %s: %s is back", call.id, identity)

    async def _gone_timer(self, key: tuple[str, str], merchant_id: str, deadline: float) -> None:
        await self._clock.sleep(deadline - self._clock.now())
        if self._gone.get(key) is not asyncio.current_task():
            return
        del self._gone[key]
        call_id, identity = key
        log.info("call %s: %s did not come back; ending it", call_id, identity)
        try:
            await self.hangup(merchant_id, call_id, identity)
        except (Conflict, NotFound):
            pass

    # ---- internals ----
    def _owns(self, call: Call) -> bool:
        return call.node == self.node_id

    async def _live(self, merchant_id: str, call_id: str) -> Call:
        """The call, still ringing or running: from the replica, else from its record (another node's call
        whose change has not reached this node yet)."""
        call = self._calls.get(call_id)
        if call is not None and call.merchant_id == merchant_id:
            return call
        done = self._finished.get(call_id)
        if done is None or done.merchant_id != merchant_id:
            done = await self._store.load_call(merchant_id, call_id)
        if done is None:
            raise NotFound(f"no call {call_id!r}", code="unknown_call")
        if done.state.final:
            raise Conflict(f"call already {done.state.value}", code="call_finished")
        self._calls[call_id] = done
        return done

    async def _write(self, call: Call, *, lost: str) -> None:
        """Write a transition; when another node's write came first (Conflict), take the record's state as
        this node's and refuse with ``lost``."""
        try:
            await self._store.save_call(call)
        except Conflict as exc:
            truth = await self._store.load_call(call.merchant_id, call.id)
            if truth is not None:
                self._apply(truth)
                self._notify(truth)
            state = truth.state.value if truth is not None else "gone"
            log.info("call %s: %s on %s lost to another node's change (now %s)", call.id, call.state.value,
                     self.node_id or "-", state)
            raise Conflict(f"call is {state}", code=lost if truth is None or not truth.state.final
                           else "call_finished", details={"state": state}) from exc

    async def _finish(self, call: Call, state: CallState, by: str) -> Call:
        call = call.replace(state=state, ended_at=self._clock.wall(), ended_by=by)
        timer = self._timers.pop(call.id, None)
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()
        try:
            await self._write(call, lost="call_not_ringing")
        except Conflict:
            raise  # another node's change came first; this node took it (see _write)
        except BaseException:
            self._ended(call)  # the call is over for both sides even if the record could not be written
            raise
        try:
            await self._store.close_room(call.merchant_id, call.room_id)
        finally:
            self._ended(call)
        log.info("call %s %s by %s after %.1fs", call.id, state.value, by or "timer", call.duration_s)
        await self._changed(call)
        return call

    def _ended(self, call: Call) -> None:
        self._calls.pop(call.id, None)
        self._finished[call.id] = call
        while len(self._finished) > self._keep_finished:
            self._finished.popitem(last=False)
        timer = self._timers.pop(call.id, None)
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()
        for key in [k for k in self._gone if k[0] == call.id]:
            self._gone.pop(key).cancel()
        room = RoomKey(call.merchant_id, call.room_id)
        if self._rooms is not None:  # whichever node holds its members closes it
            self._tasks.spawn(self._rooms.close_room(room, call.state.value), f"close-{room}")
        if self._pins is not None and self._owns(call):
            self._tasks.spawn(self._unpin(room), f"unpin-{room}")

    async def _unpin(self, room: RoomKey) -> None:
        try:
            await self._pins.unpin(room)  # type: ignore[union-attr]
        except SoukError as exc:
            log.warning("room %s: unpin failed: %s", room, exc.message)

    def _apply(self, call: Call) -> bool:
        """Take another node's change (or the record's state) into this node; False when it is old news."""
        known = self._calls.get(call.id) or self._finished.get(call.id)
        if known is not None and (known.rank > call.rank or (known.state.final and call.state.final)):
            return False  # a call never goes back (ringing after accepted, or ended twice)
        if call.state.final:
            self._ended(call)
            return True
        self._calls[call.id] = call
        if self._owns(call) and call.state is CallState.ACCEPTED and not self._closed:
            self._arm(call.id, self._settings.max_call_s, CallState.ENDED)  # the cap runs where it rang
        return True

    def _heard(self, merchant_id: str, payload: bytes) -> None:
        """A change from the bus (CallBus handler)."""
        try:
            call, origin = decode_change(payload)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("calls bus: dropping a bad message (%s)", exc)
            return
        if origin == self._origin:
            return
        if call.merchant_id != merchant_id:
            log.warning("calls bus: call %s of %s heard on %s's channel; dropped", call.id, call.merchant_id,
                        merchant_id)
            return
        if self._apply(call):
            self._notify(call)

    def _arm(self, call_id: str, after_s: float, then: CallState) -> None:
        old = self._timers.pop(call_id, None)
        if old is not None:
            old.cancel()
        deadline = self._clock.now() + after_s  # fixed now, however late the task first runs
        self._timers[call_id] = self._tasks.spawn(self._timer(call_id, deadline, then), f"timer-{call_id}")

    async def _timer(self, call_id: str, deadline: float, then: CallState) -> None:
        await self._clock.sleep(deadline - self._clock.now())
        async with self._lock:
            call = self._calls.get(call_id)
            if call is None or self._timers.get(call_id) is not asyncio.current_task():
                return
            self._timers.pop(call_id, None)
            try:
                await self._finish(call, then, "")
            except Conflict:  # another node changed it first (e.g. accepted as it rang out): that stands
                pass

    async def _changed(self, call: Call) -> None:
        self._notify(call)
        if self._bus is None:
            return
        try:
            await self._bus.publish(TOPIC, call.merchant_id, encode_change(call, self._origin))
        except SoukError as exc:  # the record stands; other nodes see it at their next read of it
            log.warning("call %s: could not tell the other nodes (%s)", call.id, exc.message)

    def _notify(self, call: Call) -> None:
        for listener in self._listeners:
            try:
                listener.call_changed(call)
            except Exception:  # a listener bug must not break the call flow
                log.exception("call listener failed for %s", call.id)

    def _check_open(self) -> None:
        if self._closed:
            raise Conflict("consult service is shutting down", code="shutting_down")

    async def aclose(self) -> None:
        """Stop: this node's calls still ringing or live are recorded as failed (other nodes' calls go on),
        then timers and clean-ups stop."""
        if self._closed:
            return
        self._closed = True
        async with self._lock:
            for call in [c for c in self._calls.values() if self._owns(c)]:
                try:
                    await self._finish(call, CallState.FAILED, "shutdown")
                except SoukError as exc:
                    log.error("could not record call %s as failed at shutdown: %s", call.id, exc.message)
        await self._tasks.aclose()
        self._timers.clear()
