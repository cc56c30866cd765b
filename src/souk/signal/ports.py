"""What the signaling sessions need of the media plane, of the room store and of the live stage: small Protocols.

:class:`~souk.media.plane.MediaPlane` satisfies :class:`MediaPort` (checked in the tests); a session knows
nothing else of it. Every room is a :class:`~souk.core.tenancy.RoomKey`: the merchant is part of the key.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from souk.core.tenancy import RoomKey
from souk.media.events import MediaEvent
from souk.media.priming import Holdable
from souk.media.types import Jsep, RoomKind


class MediaHandle(Protocol):
    """One Janus handle of a session (publisher, subscriber or relayed viewer)."""

    def events(self) -> AsyncIterator[MediaEvent]: ...

    async def trickle(self, candidate: dict[str, str | int] | None) -> None: ...

    async def aclose(self) -> None: ...


class PublisherPort(MediaHandle, Protocol):
    feed_id: int

    async def publish(self, offer: Jsep, *, audio: bool = True, video: bool = True, record: bool = False,
                      filename: str | None = None) -> Jsep: ...

    async def set_media(self, *, audio: bool | None = None, video: bool | None = None) -> None: ...

    async def restart_ice(self, offer: Jsep) -> Jsep: ...

    def mids(self, kind: str) -> list[str]: ...

    async def stop_recording(self) -> None:
        """Stop recording this feed (the participant withdrew consent: souk.signal.consent_gate)."""


class ReceiverPort(MediaHandle, Protocol):
    """A handle that receives (Janus offers, the client answers): what a live-show viewer gets."""

    @property
    def offer(self) -> Jsep: ...

    async def start(self, answer: Jsep) -> None: ...

    async def configure_layer(self, substream: int, temporal: int | None = None) -> None: ...

    async def restart_ice(self) -> Jsep: ...

    async def relay_video(self, on: bool) -> None: ...


class SubscriberPort(ReceiverPort, Holdable, Protocol):
    """A room member's VideoRoom subscription: it can also be held (warm, as priming holds it) and switched
    to another feed."""

    async def switch(self, feed_id: int, source_mids: dict[str, list[str]]) -> list[str]: ...


class MediaPort(Protocol):
    @property
    def recordings_dir(self) -> Path: ...

    def room_spec(self, room: RoomKey) -> object | None: ...

    async def ensure_room(self, room: RoomKey, *, kind: RoomKind = "consult", max_publishers: int = 2,
                          bitrate: int | None = None, record: bool = False, description: str = "",
                          region: str | None = None) -> object: ...

    async def join_publisher(self, room: RoomKey, *, display: str = "") -> PublisherPort: ...

    async def subscribe(self, room: RoomKey, feeds: Sequence[int], *, wait_s: float = 5.0) -> SubscriberPort: ...

    async def watch(self, room: RoomKey, feeds: Sequence[int], *, wait_s: float = 5.0, region: str | None = None,
                    node_id: str | None = None) -> ReceiverPort: ...

    async def hold_primed(self, sub: SubscriberPort, *, prime_s: float = ..., poll_s: float = 0.2) -> bool: ...

    async def wait_restored(self, room: RoomKey) -> bool:
        """After the room's media node was lost: True once it is back with its rooms re-created."""


class RoomDirectory(Protocol):
    async def open_room_kind(self, merchant_id: str, room_id: str) -> str:
        """The kind of an open room of this merchant; NotFound (unknown_room) / Conflict (room_closed)."""

    async def record_join(self, merchant_id: str, room_id: str, identity: str, role: str, name: str) -> None: ...

    async def record_leave(self, merchant_id: str, room_id: str, identity: str) -> None: ...


class GoneListener(Protocol):
    """The consult call flow: a participant's socket went away (or came back) in one merchant's room, and who
    joins a call's room backstage (:mod:`souk.signal.hub`)."""

    def backstage(self, room: RoomKey, identity: str) -> bool:
        """Whether ``identity`` joining ``room`` waits backstage: the room's call rings (or was answered) and
        they are neither its shopper nor the seller who answered it."""

    async def participant_gone(self, room: RoomKey, identity: str) -> None: ...

    def participant_back(self, room: RoomKey, identity: str) -> None: ...


class PkPartner(Protocol):
    """The room a live room is linked to in a PK (:class:`~souk.live.stage.PkLink`)."""

    @property
    def partner(self) -> str: ...

    @property
    def partner_merchant(self) -> str: ...


class CallView(Protocol):
    """What a call event tells a console (:class:`~souk.consult.models.Call` is one)."""

    @property
    def id(self) -> str: ...
    @property
    def merchant_id(self) -> str: ...
    @property
    def room_id(self) -> str: ...
    @property
    def shopper(self) -> str: ...
    @property
    def state(self) -> Enum: ...
    @property
    def product_sku(self) -> str: ...
    @property
    def product_name(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def shopper_name(self) -> str: ...
    @property
    def seller(self) -> str: ...
    @property
    def requested_at(self) -> float: ...
    @property
    def answered_at(self) -> float | None: ...
    @property
    def ended_at(self) -> float | None: ...
    @property
    def origin_room(self) -> str: ...
    @property
    def note(self) -> str: ...
    @property
    def origin_cart(self) -> dict[str, Any] | None: ...
    @property
    def conversation_id(self) -> str: ...


class StagePort(Protocol):
    """What a session asks the live stage (:class:`~souk.live.stage.LiveStage`) about its live room."""

    @property
    def max_publishers(self) -> int: ...

    def may_publish(self, room: RoomKey, identity: str, is_host: bool) -> bool: ...

    def on_stage(self, room: RoomKey, identity: str) -> bool: ...

    def recording_name_for(self, room: RoomKey, identity: str) -> str | None:
        """The relative file name of ``identity``'s next recording when the room's live show records."""

    def pk_partner(self, room: RoomKey) -> PkPartner | None: ...

    async def feed_published(self, room: RoomKey, identity: str, feed_id: int) -> None: ...


class Withdrawal(Protocol):
    @property
    def kind(self) -> str: ...


class ConsentPort(Protocol):
    """The shoppers' consent records (souk.privacy.consent.ConsentService): souk.signal.consent_gate."""

    async def may_record(self, merchant_id: str, subject: str) -> bool: ...

    def on_withdraw(self, merchant_id: str, subject: str,
                    watcher: Callable[[Withdrawal], Coroutine[Any, Any, None]]) -> Callable[[], None]: ...
