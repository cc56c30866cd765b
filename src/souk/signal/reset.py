"""A signaling session whose media server was lost: drop its dead handles, wait for the room, say ``media.reset``.

When Janus dies (and the supervisor restarts it) or Souk's Janus session on an external node is lost, every
handle on it ends with :class:`~souk.media.events.HandleGone` (``node_lost`` / ``session_timeout``). The
session then forgets its publisher and subscriptions at once (dead handles are not sent to Janus; the
room hears ``unpublished`` for a feed that was up), so a republish is never ``already_publishing``. Once the
media plane has the room's node back with its rooms re-created (:meth:`MediaPlane.wait_restored`), the
client gets one ``media.reset {room}``: publish again, subscribe again as feeds are ``published``.
"""

from __future__ import annotations

import logging
from typing import Protocol

from souk.core.errors import SoukError, Timeout, Unavailable
from souk.core.tenancy import RoomKey
from souk.media.errors import SessionGone
from souk.signal import messages as m
from souk.signal.hub import Outbox

log = logging.getLogger(__name__)

LOST_REASONS = frozenset({"node_lost", "session_timeout"})  # HandleGone reasons that mean "the media server"


def lost_media(exc: SoukError) -> bool:
    """A request failed because the media server went away under it (its handle or session is gone, or its
    connection dropped), not because Janus refused it or was slow: the session resets as after HandleGone."""
    if isinstance(exc, SessionGone):
        return True
    return isinstance(exc, Unavailable) and not isinstance(exc, Timeout) and exc.code == "unavailable"


class Resettable(Protocol):
    """What a reset needs of a signaling session."""

    outbox: Outbox

    @property
    def room(self) -> RoomKey | None: ...

    @property
    def identity(self) -> str: ...

    async def drop_media(self) -> None:
        """Forget (and close) the session's publisher and every subscription."""


class RestoreWaiter(Protocol):
    async def wait_restored(self, room: RoomKey) -> bool:
        """True once ``room``'s media node is linked again with its rooms re-created."""


async def reset_after_loss(session: Resettable, media: RestoreWaiter, room: RoomKey) -> None:
    """Drop the session's media now; tell the client ``media.reset`` once ``room`` is back on the media plane."""
    await session.drop_media()
    if not await media.wait_restored(room):
        log.warning("room %s: media not restored; %s gets no media.reset", room, session.identity)
        return
    if session.room == room:  # still there (not left, not moved to another room meanwhile)
        session.outbox.push(m.MediaReset(room=room.room_id))
        log.info("room %s: media.reset sent to %s", room, session.identity)
