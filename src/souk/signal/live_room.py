"""The live-room rules a signaling session applies: who may publish, where a publisher's recording goes, and
which linked room (live PK) a feed may come from. Checks over the stage (:class:`souk.signal.ports.StagePort`);
every room is a merchant's :class:`~souk.core.tenancy.RoomKey`."""

from __future__ import annotations

import logging
from pathlib import Path

from souk.auth.tokens import Role
from souk.core.errors import Forbidden, NotFound
from souk.core.tenancy import RoomKey
from souk.signal import messages as m
from souk.signal.consent_gate import GateSession, admit
from souk.signal.ports import StagePort

log = logging.getLogger(__name__)

# in a live room these watch: never announced as participants, subscribed as audience (cascade-able)
AUDIENCE_ROLES = frozenset({Role.AUDIENCE, Role.GUEST})
STAGE_OWNERS = frozenset({Role.HOST, Role.SERVICE})  # publish in a live room without a stage grant


def require_stage(stage: StagePort | None, room: RoomKey, identity: str, role: Role) -> None:
    """Publishing in a live room: the host role always may (a preview too); anyone else needs an accepted
    stage invitation (Forbidden ``not_on_stage``)."""
    if role in STAGE_OWNERS:
        return
    if stage is None or not stage.may_publish(room, identity, False):
        log.warning("room %s: %s (role %s) tried to publish off stage; refused", room, identity, role.value)
        raise Forbidden("publishing in a live room needs the host role or an accepted stage invitation",
                        code=m.ErrorCode.NOT_ON_STAGE)


def recording_file(stage: StagePort | None, room: RoomKey, identity: str, recordings_dir: Path) -> str | None:
    """The relative file name for Publisher.publish when the room's live show records, else None."""
    name = stage.recording_name_for(room, identity) if stage is not None else None
    if name is None:
        return None  # <merchant>/<room>/<show>/<identity>-<n>
    # Janus writes into rec_dir/<name> but does not create the folders
    (Path(recordings_dir) / name).parent.mkdir(parents=True, exist_ok=True)
    return name


async def recorded_file(session: GateSession, room: RoomKey, recordings_dir: Path) -> str | None:
    """``recording_file`` for the session's identity, when they may be recorded: the host always; anyone else
    (a co-host) with a standing consent to recording (souk.signal.consent_gate), else None (not recorded)."""
    name = recording_file(session.stage, room, session.claims.identity, recordings_dir)
    if name is None or session.claims.role in STAGE_OWNERS or await admit(session, room):
        return name
    return None


def partner_room(stage: StagePort | None, room: RoomKey, partner: str, feed: str, identity: str) -> RoomKey:
    """Live PK: the linked room whose host or co-host ``feed`` is (never its audience). Forbidden
    ``not_linked`` without an active link to ``partner``; NotFound ``unknown_feed`` off its stage."""
    link = stage.pk_partner(room) if stage is not None else None
    if link is None or link.partner != partner or stage is None:
        log.warning("room %s: %s asked for a feed of room %s without a PK link; refused", room, identity, partner)
        raise Forbidden(f"room {partner!r} is not linked to this room", code=m.ErrorCode.NOT_LINKED)
    there = RoomKey(link.partner_merchant, link.partner)
    if not stage.on_stage(there, feed):
        raise NotFound(f"{feed!r} is not on stage in room {partner!r}", code=m.ErrorCode.UNKNOWN_FEED)
    return there
