"""What the shopper is told after a hand-off: every notice kind in every language, waits, times, composing."""

from __future__ import annotations

import datetime as dt

import pytest

from souk.assistant.handoff_messages import N, say_notice
from souk.assistant.handoff_notice import compose, notice_text, support_hours_text, wait_text, when_text
from souk.assistant.messages import T, say
from souk.domain.desk.notice import HandoffNotice, NoticeKind
from souk.domain.desk.settings import SupportHours
from tests.unit.assistant.assistant_scoring import script_language

LANGS = ("en", "es", "pt", "id", "zh", "ar")
UTC = dt.UTC
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 23:00 at UTC+8
HOURS = SupportHours.parse("08:00-22:00", "+08:00")
OPENS = HOURS.next_open(NOW)  # 00:00 UTC the next day: 08:00 on the merchant's clock

NOTICES = {
    "assigned": HandoffNotice(NoticeKind.ASSIGNED, agent_name="Mariana"),
    "queued": HandoffNotice(NoticeKind.QUEUED, position=2, wait_s=250.0),
    "after_hours": HandoffNotice(NoticeKind.AFTER_HOURS, opens_at=OPENS, email_offer=True),
    "nobody_online": HandoffNotice(NoticeKind.NOBODY_ONLINE, position=4, email_offer=True),
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", list(NOTICES))
def test_every_notice_reads_as_the_shoppers_language(lang: str, kind: str) -> None:
    text = notice_text(lang, NOTICES[kind], hours=HOURS, now=NOW)
    assert script_language(text) == lang, text
    assert "{" not in text and "}" not in text


@pytest.mark.parametrize("lang", LANGS)
def test_each_kind_says_its_facts(lang: str) -> None:
    assigned = notice_text(lang, NOTICES["assigned"])
    assert "Mariana" in assigned
    queued = notice_text(lang, NOTICES["queued"])
    assert "3" in queued  # two ahead: third in line
    assert wait_text(250.0, lang) in queued
    after = notice_text(lang, NOTICES["after_hours"], hours=HOURS, now=NOW)
    assert "08:00 (UTC+8)" in after and say_notice("tomorrow", lang, time="08:00 (UTC+8)") in after
    assert say_notice("email_offer", lang).strip() in after
    nobody = notice_text(lang, NOTICES["nobody_online"], hours_text="09:00-17:00 (UTC+1)")
    assert "09:00-17:00 (UTC+1)" in nobody and say_notice("email_offer", lang).strip() in nobody
    # nobody there: no name, no place in a line that moves, no wait
    for sentence in ("assigned_anonymous", "queued_tail"):
        assert say_notice(sentence, lang).strip() not in nobody + after


@pytest.mark.parametrize("lang", LANGS)
def test_no_email_offer_unless_the_desk_makes_one(lang: str) -> None:
    quiet = HandoffNotice(NoticeKind.NOBODY_ONLINE, email_offer=False)
    assert say_notice("email_offer", lang).strip() not in notice_text(lang, quiet)
    closed = HandoffNotice(NoticeKind.AFTER_HOURS, opens_at=OPENS, email_offer=False)
    assert say_notice("email_offer", lang).strip() not in notice_text(lang, closed, hours=HOURS)


def test_assigned_without_a_name_and_queued_without_an_estimate() -> None:
    anonymous = notice_text("en", HandoffNotice(NoticeKind.ASSIGNED, agent_name="  "))
    assert anonymous == say_notice("assigned_anonymous", "en")
    first = notice_text("en", HandoffNotice(NoticeKind.QUEUED, position=0, wait_s=None))
    assert "number 1" in first and "wait" not in first.split(".")[1]


def test_after_hours_with_no_known_opening_says_only_what_is_known() -> None:
    text = notice_text("es", HandoffNotice(NoticeKind.AFTER_HOURS, opens_at=None))
    assert text == say_notice("nobody_online", "es")


@pytest.mark.parametrize(("seconds", "expected"), [
    (0, "less than a minute"), (59, "less than a minute"), (60, "about 1 minute"), (89, "about 1 minute"),
    (90, "about 2 minutes"), (250, "about 4 minutes"), (9 * 60 + 40, "about 10 minutes"),
    (11 * 60, "about 10 minutes"), (23 * 60, "about 25 minutes"), (58 * 60, "about 1 hour"),
    (150 * 60, "about 3 hours"),
])
def test_waits_are_rounded_as_a_person_says_them(seconds: float, expected: str) -> None:
    assert wait_text(seconds, "en") == expected


def test_plural_forms() -> None:
    assert wait_text(120, "ar") == "حوالي دقيقتين"
    assert wait_text(300, "ar") == "حوالي 5 دقائق"
    assert wait_text(15 * 60, "ar") == "حوالي 15 دقيقة"
    assert wait_text(60, "es") == "aproximadamente 1 minuto"
    assert wait_text(300, "pt").endswith("5 minutos")
    assert wait_text(300, "zh") == "约5分钟"


def test_when_is_on_the_merchants_clock_with_its_offset() -> None:
    opens = dt.datetime(2026, 3, 12, 2, 30, tzinfo=UTC)
    india = dt.timezone(dt.timedelta(hours=5, minutes=30))
    assert when_text(opens, "en", tz=india) == "on March 12, 2026 at 08:00 (UTC+5:30)"
    assert when_text(opens, "en") == "on March 12, 2026 at 02:30 (UTC)"
    assert when_text(opens, "en", tz=india, now=opens - dt.timedelta(hours=1)) == "today at 08:00 (UTC+5:30)"
    west = dt.timezone(dt.timedelta(hours=-3))
    assert when_text(opens, "pt", tz=west, now=opens - dt.timedelta(days=3)) == "em 11 de março de 2026 às 23:30 (UTC-3)"
    assert when_text(opens, "pt", tz=west, now=opens - dt.timedelta(hours=12)) == "hoje às 23:30 (UTC-3)"
    with pytest.raises(ValueError):
        when_text(dt.datetime(2026, 3, 12, 8, 0), "en")


def test_support_hours_name_the_days_when_not_every_day() -> None:
    assert support_hours_text(HOURS, "en") == "08:00-22:00 (UTC+8)"
    weekdays = SupportHours.parse("09:00-18:00", "-05:00", [0, 1, 2, 3, 4])
    assert support_hours_text(weekdays, "en") == "09:00-18:00 (UTC-5), Monday, Tuesday, Wednesday, Thursday and Friday"
    assert "周一" in support_hours_text(weekdays, "zh")
    assert support_hours_text(None, "en") == ""


def test_compose_joins_the_reply_and_the_notice() -> None:
    assert compose("Of course. ", " You are next.") == "Of course. You are next."
    assert compose("好的。", "您目前排第1位。") == "好的。您目前排第1位。"
    assert compose("", "notice") == "notice" and compose("reply", "  ") == "reply"
    reply = say("handoff", "zh", why=say("why_requested", "zh"))
    joined = compose(reply, notice_text("zh", NOTICES["queued"]))
    assert " " not in joined.replace("(UTC", "")


def test_unknown_language_falls_back_to_english() -> None:
    assert notice_text("fr", NOTICES["assigned"]) == notice_text("en", NOTICES["assigned"])


@pytest.mark.parametrize("lang", LANGS)
def test_the_assistants_own_hand_off_reply_promises_no_person(lang: str) -> None:
    """Its reply says why and that the team gets the conversation; no hours, no "connecting you now"."""
    reply = say("handoff", lang, why=say("why_requested", lang))
    assert script_language(reply) == lang
    assert "{hours}" not in T["handoff"][lang] and not any(ch.isdigit() for ch in reply)
    for kind in ("assigned_anonymous", "queued"):
        assert N[kind][lang].split("{")[0][:12] not in reply
