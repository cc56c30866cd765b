"""Janus error codes mapped onto Souk's error kinds (the Janus code is kept on the error).

Core codes come from janus/apierror.h, VideoRoom codes from plugins/janus_videoroom.c (1.1.x).
"""

from __future__ import annotations

from souk.core.errors import BadRequest, Conflict, Forbidden, NotFound, SoukError, Unavailable


class JanusError(SoukError):
    """Any error Janus reported. ``janus_code`` is Janus's own numeric code (0 when not from Janus)."""

    janus_code: int = 0

    def __init__(self, message: str, *, janus_code: int = 0, retryable: bool | None = None) -> None:
        super().__init__(message, code=f"janus_{janus_code}" if janus_code else "janus",
                         retryable=retryable, details={"janus_code": janus_code})
        self.janus_code = janus_code


class JanusBadRequest(JanusError, BadRequest):
    pass


class JanusUnauthorized(JanusError, Forbidden):
    pass


class JanusNotFound(JanusError, NotFound):
    pass


class SessionGone(JanusNotFound):
    """The Janus session (458) or handle (459) no longer exists, e.g. after a Janus restart."""


class NoSuchRoom(JanusNotFound):
    pass


class NoSuchFeed(JanusNotFound):
    """428: the feed is unknown or not up yet (subscribing before the publisher's webrtcup)."""


class JanusConflict(JanusError, Conflict):
    pass


class RoomExists(JanusConflict):
    pass


class RoomFull(JanusConflict):
    pass


class JanusUnavailable(JanusError, Unavailable):
    pass


class InvalidSdp(JanusBadRequest):
    pass


_CORE: dict[int, type[JanusError]] = {
    403: JanusUnauthorized,
    405: JanusUnauthorized,
    452: JanusBadRequest,
    453: JanusBadRequest,
    454: JanusBadRequest,
    455: JanusBadRequest,
    456: JanusBadRequest,
    457: JanusBadRequest,
    458: SessionGone,
    459: SessionGone,
    460: JanusNotFound,
    461: JanusUnavailable,
    462: JanusBadRequest,
    463: JanusUnavailable,
    464: InvalidSdp,
    465: InvalidSdp,
    466: JanusBadRequest,
    467: JanusBadRequest,
    468: JanusConflict,
    469: JanusConflict,
    470: JanusUnauthorized,
    471: JanusConflict,
    472: JanusUnavailable,
}

_VIDEOROOM: dict[int, type[JanusError]] = {
    421: JanusBadRequest,
    422: JanusBadRequest,
    423: JanusBadRequest,
    424: JanusConflict,  # join first
    425: JanusConflict,  # already joined
    426: NoSuchRoom,
    427: RoomExists,
    428: NoSuchFeed,
    429: JanusBadRequest,
    430: JanusBadRequest,
    431: InvalidSdp,
    432: RoomFull,
    433: JanusUnauthorized,
    434: JanusConflict,  # already published
    435: JanusConflict,  # not published
    436: JanusConflict,  # id exists
    437: InvalidSdp,
}


def core_error(code: int, reason: str) -> JanusError:
    """The Souk error for a Janus core ``{"janus": "error"}`` reply."""
    cls = _CORE.get(code, JanusError)
    return cls(f"janus error {code}: {reason}", janus_code=code)


def plugin_error(plugin: str, code: int, reason: str) -> JanusError:
    """The Souk error for a plugin reply carrying ``error_code``."""
    cls = _VIDEOROOM.get(code, JanusError) if plugin.endswith("videoroom") else JanusError
    return cls(f"{plugin.rsplit('.', 1)[-1]} error {code}: {reason}", janus_code=code)
