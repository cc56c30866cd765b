"""Typed application state shared by the route modules (no attribute bags).

Every field is built by the composition root (souk.api.bootstrap) and registered for clean-up on its
AsyncExitStack; a test may pass a context with some services already in it. A service that this process
does not run stays None, and the routes that need it answer 503 ``<service>_unavailable``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from souk.agent.brain import Brain
from souk.agent.service import VoiceService
from souk.api.cluster import Cluster
from souk.api.limits import Limits, limits_from_settings
from souk.api.stores import StorageAdapter
from souk.auth.guard import TokenGuard
from souk.auth.revocation import MemoryRevocations
from souk.auth.tokens import TokenService
from souk.cluster.nodes import RoutedRooms
from souk.consult.attendant import AiAttendant
from souk.consult.service import ConsultService
from souk.core.clock import Clock, SystemClock
from souk.core.errors import Unavailable
from souk.core.metrics import Metrics
from souk.core.settings import Settings
from souk.desk.service import DeskService
from souk.desk.webhook_admin import WebhookAdmin
from souk.live.captions import CaptionService
from souk.live.group_buy import GroupBuys
from souk.live.recording import Recorder
from souk.live.replays import ReplayService
from souk.live.service import LiveCommerce
from souk.live.shows import RoomCloser, ShowService
from souk.live.stage import LiveStage
from souk.live.translation import ReaderTranslation
from souk.media.plane import MediaPlane
from souk.media.turn import TurnRelay
from souk.media.voice_plane import VoicePlane
from souk.privacy.consent import ConsentService
from souk.rtm.node import RtmNode
from souk.signal.hub import SignalHub
from souk.signal.ports import RoomDirectory
from souk.signal.voice import SeatPolicy
from souk.storage.storage import Storage
from souk.voice.service import VoiceRooms

if TYPE_CHECKING:  # the photo search imports the whole assistant; built only where the photo route is served
    from souk.assistant.photo import PhotoSearch


@dataclass(frozen=True, slots=True)
class Core:
    """What every Souk process that serves the API runs: storage, the storage adapter behind the API's small
    ports (``verify_api_key``, ``open_room_kind``, ...), the signaling hub, what closes a room (its members
    leave, its media room goes) and the consult calls."""

    storage: Storage
    adapter: StorageAdapter
    hub: SignalHub
    closer: RoomCloser
    calls: ConsultService


@dataclass
class AppContext:
    settings: Settings
    tokens: TokenService
    clock: Clock = field(default_factory=SystemClock)
    # None only in a process that serves no more than the voice or assistant routes (their bench server)
    core: Core | None = None
    media: MediaPlane | None = None  # None: no media plane; signaling joins fail media_unavailable
    voice_plane: VoicePlane | None = None  # voice rooms on the media plane (AudioBridge), with media
    voice_seats: SeatPolicy | None = None  # who may speak in a voice room (souk.voice; None: nobody)
    voice_rooms: VoiceRooms | None = None  # voice rooms, seats and host controls (souk.voice.service)
    # TURN credentials for the welcome (souk.media.turn; docs/turn.md): embedded coturn or an external relay
    turn: TurnRelay | None = None
    # the optional services, built when a served feature needs them
    rtm: RtmNode | None = None
    live: LiveCommerce | None = None
    group_buys: GroupBuys | None = None  # group buys in a room (souk.live.group_buy), beside live
    stage: LiveStage | None = None
    shows: ShowService | None = None
    # consent records; withdrawals reach the recorders in this process (souk.privacy.consent, souk.api.consent)
    consent: ConsentService | None = None
    recorder: Recorder | None = None
    replays: ReplayService | None = None
    assistant: Brain | None = None  # souk.assistant.service.AssistantService (one brain per merchant) or any Brain
    voice: VoiceService | None = None
    photo: PhotoSearch | None = None  # photo questions to the assistant (souk.assistant.photo; docs/agent.md)
    desk: DeskService | None = None  # the customer-service desk (souk.desk.service; docs/desk.md)
    attendant: AiAttendant | None = None  # the AI in ringing consult calls (souk.consult.attendant.AiAttendant), with voice
    # abuse limits and the token guard (docs/limits.md): this process's own unless the composition root
    # passes shared ones (Redis, or the data_dir revocation file) and starts the guard's polling
    limits: Limits | None = None
    guard: TokenGuard | None = None
    # the cross-node bus and shared state, node heartbeat and room pins (souk.api.cluster; docs/multinode.md)
    cluster: Cluster | None = None
    # merchant webhooks: endpoints, delivery log and the dispatcher (souk.api.webhooks_boot.start_webhooks)
    webhooks: WebhookAdmin | None = None
    # chat and desk messages in each reader's language (souk.live.translation; docs/translation.md)
    translation: ReaderTranslation | None = None
    # live captions of shows and their replay (souk.live.captions; docs/translation.md "Live captions")
    captions: CaptionService | None = None
    # Prometheus metrics (souk.core.metrics; docs/operate.md): the app's registry, None with metrics off
    metrics: Metrics | None = None

    def __post_init__(self) -> None:
        if self.limits is None:
            self.limits = limits_from_settings(self.settings.limits, clock=self.clock)
        if self.guard is None:
            self.guard = TokenGuard(MemoryRevocations(self.clock), clock=self.clock)
        self.tokens.use_revocations(self.guard.is_revoked)

    @property
    def storage(self) -> Storage:
        return self._core.storage

    @property
    def api_keys(self) -> StorageAdapter:
        return self._core.adapter

    @property
    def rooms(self) -> StorageAdapter:
        return self._core.adapter

    @property
    def hub(self) -> SignalHub:
        return self._core.hub

    @property
    def closer(self) -> RoomCloser:
        return self._core.closer

    @property
    def calls(self) -> ConsultService:
        return self._core.calls

    @property
    def signal_rooms(self) -> RoomDirectory:
        """The room directory signaling joins go through: with room pins (several nodes), a join of a room
        served by another live node is refused ``room_elsewhere``."""
        router = self.cluster.router if self.cluster is not None else None
        return self.rooms if router is None else RoutedRooms(self.rooms, router)

    @property
    def _core(self) -> Core:
        if self.core is None:
            raise Unavailable("this server runs no storage, signaling or calls", code="core_unavailable")
        return self.core
