"""Recording consent at the recorder (issue 17 part 2, docs/privacy.md "Consent"): in a recorded live show a
co-host's feed is recorded only with their standing yes to ``recording``; without it they publish unrecorded
and are told (stage event ``not_recorded``). A withdrawal while they publish stops their recorder at once
(VideoRoom ``configure`` with ``record: false``; the file so far is closed) and tells them
(``recording_stopped``). The host (the merchant's own staff, who chose to record) is not asked
(souk.signal.live_room.recorded_file).

The consent records are behind :class:`~souk.signal.ports.ConsentPort` (souk.privacy.consent.ConsentService);
the hub carries this process's one (``SignalHub.consent``, set by the composition root). No port: nobody but
the host is recorded (fail closed). A withdrawal made on another node reaches this node's recorder only at the
co-host's next publish (documented limit)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from souk.auth.tokens import AccessClaims
from souk.core.errors import SoukError
from souk.core.tenancy import RoomKey
from souk.signal import messages as m
from souk.signal.hub import Outbox, SignalHub
from souk.signal.ports import ConsentPort, StagePort, Withdrawal

log = logging.getLogger(__name__)

RECORDING = "recording"


class GateSession(Protocol):
    claims: AccessClaims
    stage: StagePort | None
    outbox: Outbox
    hub: SignalHub


async def admit(session: GateSession, room: RoomKey) -> bool:
    """Whether this session's identity may be recorded in ``room`` now; when yes, their recorder is stopped
    on a later withdrawal; when no, they are told they are not recorded."""
    identity, hub = session.claims.identity, session.hub
    consent = hub.consent
    if consent is None or not await consent.may_record(room.merchant_id, identity):
        log.info("room %s: %s publishes without consent to recording: not recorded", room, identity)
        session.outbox.push(m.StageEvent(event="not_recorded", room=room.room_id, identity=identity))
        return False
    _watch(hub, consent, room, identity)
    return True


def _watch(hub: SignalHub, consent: ConsentPort, room: RoomKey, identity: str) -> None:
    """Stop ``identity``'s recorder in ``room`` when they withdraw: one watch per (merchant, room, identity),
    the newest publish replacing the last; it ends at the first withdrawal (a new publish asks again)."""
    key = (room.merchant_id, room.room_id, identity)
    watches: dict[tuple[str, str, str], Callable[[], None]] = hub.recording_watches
    old = watches.pop(key, None)
    if old is not None:
        old()

    async def withdrawn(record: Withdrawal) -> None:
        if str(record.kind) != RECORDING:
            return
        cancel = watches.pop(key, None)
        if cancel is not None:
            cancel()
        member = hub.member(room, identity)
        publisher = member.session.publisher if member is not None else None
        if member is None or publisher is None:
            return
        try:
            await publisher.stop_recording()
        except SoukError as exc:  # the feed went meanwhile: nothing is recorded any more
            log.warning("room %s: could not stop recording %s: %s", room, identity, exc.message)
            return
        log.info("room %s: %s withdrew consent to recording: their recorder stopped", room, identity)
        member.session.outbox.push(m.StageEvent(event="recording_stopped", room=room.room_id, identity=identity))

    watches[key] = consent.on_withdraw(room.merchant_id, identity, withdrawn)
