"""A merchant's desk settings: when humans answer, how long a shopper may wait, SLA targets, hand-off rules,
canned replies. Pure data with its stored/posted JSON form (``to_dict`` / ``from_dict``, 400 on bad input).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from souk.core.errors import BadRequest, TooLarge
from souk.domain.desk.handoff import HandoffSettings
from souk.domain.desk.metrics import SlaPolicy, SlaTargets

MAX_CANNED = 200
MAX_CANNED_TEXT = 2000
MAX_QUEUE_TARGETS = 100
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
DEFAULT_SLA = SlaPolicy(SlaTargets(first_response_s=120.0, resolution_s=24 * 3600.0))


def _bad(message: str, code: str = "bad_desk_settings") -> BadRequest:
    return BadRequest(message, code=code)


@dataclass(frozen=True, slots=True)
class SupportHours:
    """When human agents answer, on the merchant's clock: ``start``-``end`` minutes of the day on ``days``
    (0 = Monday). An end before the start runs past midnight; "00:00-24:00" is the whole day."""

    start_min: int
    end_min: int
    utc_offset_min: int
    days: frozenset[int] = frozenset(range(7))

    def __post_init__(self) -> None:
        if not (0 <= self.start_min < 1440 and 0 < self.end_min <= 1440) or self.start_min == self.end_min:
            raise _bad("support hours need a start and a different end within the day")
        if not -14 * 60 <= self.utc_offset_min <= 14 * 60:
            raise _bad("the UTC offset must be within -14:00..+14:00")
        if not self.days or not self.days <= frozenset(range(7)):
            raise _bad("support days are 0 (Monday) .. 6 (Sunday), at least one")

    @classmethod
    def parse(cls, hours: str, utc_offset: str, days: Any = None) -> SupportHours:
        m = _HOURS.match(str(hours).strip())
        o = _OFFSET.match(str(utc_offset).strip())
        if m is None:
            raise _bad(f'support hours must be "HH:MM-HH:MM", got {str(hours)[:40]!r}')
        if o is None:
            raise _bad(f'the UTC offset must be "+HH:MM" or "-HH:MM", got {str(utc_offset)[:20]!r}')
        start = int(m[1]) * 60 + int(m[2])
        end = int(m[3]) * 60 + int(m[4])
        offset = (int(o[2]) * 60 + int(o[3])) * (-1 if o[1] == "-" else 1)
        if days is None:
            return cls(start, end, offset)
        if not isinstance(days, list) or not all(isinstance(d, int) and not isinstance(d, bool) for d in days):
            raise _bad("support days must be a list of integers 0..6")
        return cls(start, end, offset, frozenset(days))

    def _local(self, at: dt.datetime) -> dt.datetime:
        return at.astimezone(dt.timezone(dt.timedelta(minutes=self.utc_offset_min)))

    def open_at(self, at: dt.datetime) -> bool:
        local = self._local(at)
        minute = local.hour * 60 + local.minute
        if self.start_min < self.end_min:
            return local.weekday() in self.days and self.start_min <= minute < self.end_min
        # past midnight: the evening part belongs to today, the early part to yesterday's shift
        if minute >= self.start_min:
            return local.weekday() in self.days
        return minute < self.end_min and (local.weekday() - 1) % 7 in self.days

    def next_open(self, at: dt.datetime) -> dt.datetime:
        """``at`` itself when open, else the next minute a shift starts (UTC-aware, as ``at``)."""
        if self.open_at(at):
            return at
        local = self._local(at).replace(second=0, microsecond=0)
        for day in range(8):
            d = (local + dt.timedelta(days=day)).replace(hour=0, minute=0)
            start = d + dt.timedelta(minutes=self.start_min)
            if d.weekday() in self.days and start > self._local(at):
                return start.astimezone(at.tzinfo)
        raise AssertionError("a week always holds a shift")  # days is never empty

    def to_dict(self) -> dict[str, Any]:
        def hm(m: int) -> str:
            return f"{m // 60:02d}:{m % 60:02d}"

        sign = "-" if self.utc_offset_min < 0 else "+"
        off = abs(self.utc_offset_min)
        return {"hours": f"{hm(self.start_min)}-{hm(self.end_min)}", "utc_offset": f"{sign}{hm(off)}",
                "days": sorted(self.days)}


@dataclass(frozen=True, slots=True)
class CannedReply:
    id: str
    title: str
    texts: Mapping[str, str]  # language -> text

    def text(self, language: str, fallback: str = "en") -> str:
        return self.texts.get(language) or self.texts.get(fallback) or next(iter(self.texts.values()), "")


@dataclass(frozen=True, slots=True)
class DeskSettings:
    handoff: HandoffSettings = field(default_factory=HandoffSettings)
    sla: SlaPolicy = DEFAULT_SLA
    hours: SupportHours | None = None  # None: humans answer whenever one is online
    max_wait_s: float | None = 120.0  # then overflow to any online agent; None: never
    canned: tuple[CannedReply, ...] = ()
    email_offer: bool = True  # offer to be contacted by e-mail when nobody can answer now

    def __post_init__(self) -> None:
        if self.max_wait_s is not None and not 0 < self.max_wait_s <= 7 * 86400:
            raise _bad("max_wait_s must be 1 second .. 7 days, or null")
        if len(self.canned) > MAX_CANNED:
            raise TooLarge(f"at most {MAX_CANNED} canned replies", code="too_many_canned_replies")

    def canned_reply(self, canned_id: str) -> CannedReply | None:
        return next((c for c in self.canned if c.id == canned_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "handoff": self.handoff.to_dict(),
            "sla": {"default": _targets_dict(self.sla.default),
                    "queues": {q: _targets_dict(t) for q, t in sorted(self.sla.per_queue.items())}},
            "hours": None if self.hours is None else self.hours.to_dict(),
            "max_wait_s": self.max_wait_s,
            "canned": [{"id": c.id, "title": c.title, "texts": dict(c.texts)} for c in self.canned],
            "email_offer": self.email_offer,
        }

    @classmethod
    def from_dict(cls, data: Any, *, base: DeskSettings | None = None) -> DeskSettings:
        """Posted or stored settings; keys left out keep ``base``'s value (the defaults without one)."""
        if not isinstance(data, dict):
            raise _bad("desk settings must be a JSON object")
        unknown = set(data) - {"handoff", "sla", "hours", "max_wait_s", "canned", "email_offer"}
        if unknown:
            raise _bad(f"unknown desk settings: {', '.join(sorted(unknown))}")
        base = base or cls()
        handoff = base.handoff
        if "handoff" in data:
            if not isinstance(data["handoff"], dict):
                raise _bad("handoff must be an object", "bad_handoff_rule")
            handoff = HandoffSettings.from_dict(data["handoff"])
        sla = _sla(data["sla"]) if "sla" in data else base.sla
        hours = base.hours
        if "hours" in data:
            h = data["hours"]
            if h is None:
                hours = None
            elif isinstance(h, dict):
                hours = SupportHours.parse(h.get("hours", ""), h.get("utc_offset", ""), h.get("days"))
            else:
                raise _bad("hours must be an object {hours, utc_offset, days?} or null")
        max_wait = data.get("max_wait_s", base.max_wait_s)
        if max_wait is not None and (isinstance(max_wait, bool) or not isinstance(max_wait, (int, float))):
            raise _bad("max_wait_s must be a number of seconds or null")
        canned = _canned(data["canned"]) if "canned" in data else base.canned
        email_offer = data.get("email_offer", base.email_offer)
        if not isinstance(email_offer, bool):
            raise _bad("email_offer must be true or false")
        return cls(handoff, sla, hours, None if max_wait is None else float(max_wait), canned, email_offer)


def _targets_dict(t: SlaTargets) -> dict[str, float]:
    return {"first_response_s": t.first_response_s, "resolution_s": t.resolution_s}


def _targets(raw: Any) -> SlaTargets:
    if not isinstance(raw, dict):
        raise _bad("SLA targets must be {first_response_s, resolution_s}", "bad_sla")
    try:
        return SlaTargets(float(raw["first_response_s"]), float(raw["resolution_s"]))
    except (KeyError, TypeError, ValueError) as e:
        raise _bad(f"bad SLA targets: {e}", "bad_sla") from e


def _sla(raw: Any) -> SlaPolicy:
    if not isinstance(raw, dict) or "default" not in raw:
        raise _bad("sla must be {default: {...}, queues?: {queue: {...}}}", "bad_sla")
    queues = raw.get("queues") or {}
    if not isinstance(queues, dict) or len(queues) > MAX_QUEUE_TARGETS:
        raise _bad(f"sla.queues must be an object of at most {MAX_QUEUE_TARGETS} queues", "bad_sla")
    return SlaPolicy(_targets(raw["default"]), {str(q)[:64]: _targets(t) for q, t in queues.items()})


def _canned(raw: Any) -> tuple[CannedReply, ...]:
    if not isinstance(raw, list):
        raise _bad("canned must be a list of {id, title, texts: {language: text}}")
    if len(raw) > MAX_CANNED:
        raise TooLarge(f"at most {MAX_CANNED} canned replies", code="too_many_canned_replies")
    out: list[CannedReply] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise _bad(f"canned[{i}] must be an object")
        cid, title, texts = item.get("id"), item.get("title", ""), item.get("texts")
        if not isinstance(cid, str) or not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", cid) or cid in seen:
            raise _bad(f"canned[{i}].id must be a unique 1-64 character name")
        if not isinstance(title, str) or len(title) > 200:
            raise _bad(f"canned[{i}].title must be text of at most 200 characters")
        if not isinstance(texts, dict) or not texts:
            raise _bad(f"canned[{i}].texts must map languages to text")
        for lang, text in texts.items():
            if not LANGUAGE.match(str(lang)) or not isinstance(text, str) or not 0 < len(text) <= MAX_CANNED_TEXT:
                raise _bad(f"canned[{i}].texts[{str(lang)[:10]!r}] must be 1-{MAX_CANNED_TEXT} characters")
        seen.add(cid)
        out.append(CannedReply(cid, title, dict(texts)))
    return tuple(out)
