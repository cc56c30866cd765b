"""The truth about a hand-off, in the shopper's language, once the desk has answered.

The assistant's own hand-off reply says only why it hands over; ``notice_text`` renders the desk's
``HandoffNotice`` (who joined, the place in the queue and the expected wait, or when people answer and that
the AI keeps helping meanwhile) and ``compose`` puts the two together.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from souk.assistant.handoff_messages import WEEKDAYS, count, say_notice
from souk.assistant.locale import fmt_date, join_list
from souk.domain.desk.notice import HandoffNotice, NoticeKind
from souk.domain.desk.settings import SupportHours

_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def offset_text(tz: dt.tzinfo, at: dt.datetime | None = None) -> str:
    """ "UTC+8", "UTC-3:30", "UTC" for a zone at a moment."""
    delta = tz.utcoffset(at) or dt.timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "-" if minutes < 0 else "+"
    h, m = divmod(abs(minutes), 60)
    return f"UTC{sign}{h}" + (f":{m:02d}" if m else "")


def zone_of(hours: SupportHours) -> dt.tzinfo:
    return dt.timezone(dt.timedelta(minutes=hours.utc_offset_min))


def support_hours_text(hours: SupportHours | None, language: str) -> str:
    """The merchant's support hours as a shopper reads them: "08:00-22:00 (UTC+8)", with the days when it is
    not every day."""
    if hours is None:
        return ""

    def hm(m: int) -> str:
        return f"{m // 60:02d}:{m % 60:02d}"

    text = f"{hm(hours.start_min)}-{hm(hours.end_min)} ({offset_text(zone_of(hours))})"
    if hours.days != frozenset(range(7)):
        names = WEEKDAYS.get(language) or WEEKDAYS["en"]
        text += ", " + join_list([names[d] for d in sorted(hours.days)], language)
    return text


def wait_text(wait_s: float, language: str) -> str:
    """An expected wait rounded the way a person would say it."""
    if wait_s < 60:
        return say_notice("wait_under_minute", language)
    minutes = wait_s / 60
    if minutes < 10:
        span = count("minute", max(1, math.floor(minutes + 0.5)), language)
    elif minutes < 57.5:
        span = count("minute", 5 * math.floor(minutes / 5 + 0.5), language)
    else:
        span = count("hour", max(1, math.floor(minutes / 60 + 0.5)), language)
    return say_notice("wait_about", language, span=span)


def when_text(opens_at: dt.datetime, language: str, *, tz: dt.tzinfo | None = None,
              now: dt.datetime | None = None) -> str:
    """When people answer next, on the merchant's clock (``tz``, else the notice's own zone) with its UTC
    offset; "today"/"tomorrow" when ``now`` is known, else the date."""
    local = opens_at.astimezone(tz) if tz is not None else opens_at
    if local.tzinfo is None:
        raise ValueError("opens_at must be timezone-aware")
    time = f"{local:%H:%M} ({offset_text(local.tzinfo, local)})"  # type: ignore[arg-type]
    if now is not None:
        days = (local.date() - now.astimezone(local.tzinfo).date()).days
        if days == 0:
            return say_notice("today", language, time=time)
        if days == 1:
            return say_notice("tomorrow", language, time=time)
    return say_notice("on_day", language, date=fmt_date(local.date(), language), time=time)


def notice_text(language: str, notice: HandoffNotice, *, hours_text: str = "",
                hours: SupportHours | None = None, tz: dt.tzinfo | None = None,
                now: dt.datetime | None = None) -> str:
    """What the shopper is told about the people behind the AI, in ``language``.

    ``hours`` (the merchant's SupportHours) gives both the clock ``opens_at`` is shown on and the hours
    sentence; ``hours_text`` and ``tz`` set them directly. ``now`` lets "today"/"tomorrow" replace a date.
    """
    if hours is not None:
        tz = tz or zone_of(hours)
        hours_text = hours_text or support_hours_text(hours, language)
    kind = notice.kind
    if kind is NoticeKind.ASSIGNED:
        name = " ".join(notice.agent_name.split())[:80]
        return say_notice("assigned", language, name=name) if name else say_notice("assigned_anonymous", language)
    if kind is NoticeKind.QUEUED:
        text = say_notice("queued", language, place=max(0, notice.position) + 1)
        if notice.wait_s is not None and notice.wait_s >= 0:
            text += say_notice("queued_wait", language, wait=wait_text(notice.wait_s, language))
        return text + say_notice("queued_tail", language)
    if kind is NoticeKind.AFTER_HOURS and notice.opens_at is not None:
        text = say_notice("after_hours", language, when=when_text(notice.opens_at, language, tz=tz, now=now))
    else:  # nobody online, or closed with no known opening: the same truth, without a time
        text = say_notice("nobody_online", language)
    if hours_text:
        text += say_notice("hours", language, hours=" ".join(hours_text.split())[:120])
    if notice.email_offer:
        text += say_notice("email_offer", language)
    return text


def compose(reply_text: str, notice_text: str) -> str:
    """The assistant's hand-off reply followed by the desk's notice, as one message."""
    reply, notice = reply_text.strip(), notice_text.strip()
    if not reply or not notice:
        return reply or notice
    tail = reply.rstrip(".!?;:)")  # "您好!" and "您好!" both end Chinese text
    last = tail[-1] if tail else reply[-1]
    return reply + notice if _CJK.match(last) or _CJK.match(reply[-1]) else reply + " " + notice
