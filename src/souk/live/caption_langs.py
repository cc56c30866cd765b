"""Which caption languages a room's viewers asked for: translate once per language, never per viewer.

A viewer tells the server its language (``POST /v1/live/{room}/captions/language``) and repeats it while
watching (the watch page every ``ttl_s / 2``); a choice not repeated within ``ttl_s`` lapses, so a language
nobody reads any more stops costing translations. Pure state on an injected clock, bounded per room.
"""

from __future__ import annotations

from collections.abc import Callable

from souk.core.errors import TooLarge
from souk.core.tenancy import RoomKey

MAX_VIEWERS = 100_000  # choices kept per room
MAX_LANGUAGES = 16  # distinct languages translated per room
RECOUNT_S = 1.0  # a room's languages are recounted from its viewers at most this often (a new one at once)


class ViewerLanguages:
    def __init__(self, now: Callable[[], float], *, ttl_s: float = 90.0) -> None:
        self._now = now
        self.ttl_s = ttl_s
        self._rooms: dict[RoomKey, dict[str, tuple[str, float]]] = {}  # identity -> (lang, until)
        self._counted: dict[RoomKey, tuple[float, frozenset[str]]] = {}  # room -> (when, languages)

    def choose(self, room: RoomKey, identity: str, lang: str) -> None:
        viewers = self._rooms.setdefault(room, {})
        now = self._now()
        if identity not in viewers and len(viewers) >= MAX_VIEWERS:
            self._expire(viewers, now)
            if len(viewers) >= MAX_VIEWERS:
                raise TooLarge("too many caption viewers in this room", code="too_many_viewers")
        if lang not in self.languages(room) and len(self.languages(room)) >= MAX_LANGUAGES:
            raise TooLarge(f"this room already translates captions into {MAX_LANGUAGES} languages",
                           code="too_many_caption_languages", details={"max": MAX_LANGUAGES})
        viewers[identity] = (lang, now + self.ttl_s)
        counted = self._counted.get(room)
        if counted is not None and lang not in counted[1]:
            del self._counted[room]  # a new language is translated from the next caption on

    def leave(self, room: RoomKey, identity: str) -> None:
        self._rooms.get(room, {}).pop(identity, None)
        self._counted.pop(room, None)

    def languages(self, room: RoomKey) -> frozenset[str]:
        """The languages read in ``room`` now (recounted at most once a second: one pass over its viewers)."""
        viewers = self._rooms.get(room)
        if not viewers:
            return frozenset()
        now = self._now()
        counted = self._counted.get(room)
        if counted is not None and now - counted[0] < RECOUNT_S:
            return counted[1]
        self._expire(viewers, now)
        langs = frozenset(lang for lang, _ in viewers.values())
        self._counted[room] = (now, langs)
        return langs

    def forget(self, room: RoomKey) -> None:
        self._rooms.pop(room, None)
        self._counted.pop(room, None)

    @staticmethod
    def _expire(viewers: dict[str, tuple[str, float]], now: float) -> None:
        for ident in [i for i, (_, until) in viewers.items() if until <= now]:
            del viewers[ident]
