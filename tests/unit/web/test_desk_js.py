"""The pure JavaScript of the desk pages and the widget's desk wording, run with node (skipped without it):
durations, the timeline's display model, inbox order, canned text language, SLA warning text, chart
geometry, and the notice the shopper reads in every widget language."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fixtures.node import needs_node, run_module

pytestmark = needs_node


def run(module: str, body: str) -> Any:
    """Import ``module`` (a path under static/) as ``m`` and return ``await (body)``."""
    return run_module(module, body, expression=True)


def test_durations_and_queue_labels() -> None:
    got = run("pages/desk-format.js", "[0, 59.6, 75, 3700, 90000, null, 'x'].map(m.duration)")
    assert got == ["0s", "1m 00s", "1m 15s", "1h 01m", "1d 1h", "–", "–"]
    got = run("pages/desk-format.js", "['es', 'es:shoes:vip:video', ':gear', null].map(m.queueLabel)")
    assert got == ["es", "es · shoes · VIP · video", "any · gear", "–"]


def test_timeline_display_model_sets_notes_apart_and_names_agents() -> None:
    events = [
        {"seq": 1, "kind": "shopper_message", "at": "2026-12-06T10:00:00+00:00", "text": "¿Dónde está mi pedido?"},
        {"seq": 2, "kind": "ai_message", "at": "2026-12-06T10:00:01+00:00", "text": "En camino",
         "tools": [{"name": "get_order", "ok": True, "detail": "1036"}]},
        {"seq": 3, "kind": "handoff", "at": "2026-12-06T10:01:00+00:00", "reason": "explicit_request", "queue": "es",
         "packet": None},
        {"seq": 4, "kind": "assigned", "at": "2026-12-06T10:01:00+00:00", "agent_id": "ana"},
        {"seq": 5, "kind": "internal_note", "at": "2026-12-06T10:01:02+00:00", "author_id": "ana", "text": "VIP"},
        {"seq": 6, "kind": "transferred", "at": "2026-12-06T10:02:00+00:00", "to_agent": None, "to_queue": "es",
         "reason": "agent_offline"},
        {"seq": 7, "kind": "call_ended", "at": "2026-12-06T10:03:00+00:00", "call_id": "c1", "outcome": "completed",
         "duration_s": 75.0},
        {"seq": 8, "kind": "closed", "at": "2026-12-06T10:04:00+00:00", "resolution": "resolved", "by": "ana"},
        {"seq": 9, "kind": "csat", "at": "2026-12-06T10:05:00+00:00", "score": 4, "comment": "bien"},
    ]
    got = run("pages/desk-format.js", f"{json.dumps(events)}.map((e) => m.describeEvent(e, {{ ana: 'Ana' }}))")
    assert [g["cls"] for g in got] == ["shopper", "ai", "system handoff", "system assigned", "note",
                                       "system transfer", "call ended", "system closed", "csat"]
    assert got[1]["tools"] == [{"name": "get_order", "ok": True, "detail": "1036"}]
    assert got[2]["text"] == "Handed off by the AI: asked for a person → queue es"
    assert got[3]["text"] == "Assigned to Ana"
    assert got[4]["staffOnly"] is True and got[4]["who"] == "Note · Ana"
    assert got[5]["text"] == "Back to queue es" and got[5]["meta"] == "agent offline"
    assert got[6]["text"] == "Video call completed · 1m 15s"
    assert got[7]["text"] == "Closed as resolved by Ana"
    assert got[8]["text"].startswith("CSAT ★★★★☆ 4/5") and got[8]["meta"] == "bien"


def test_merge_inbox_canned_and_warnings() -> None:
    got = run("pages/desk-format.js", """m.mergeEvents([{seq: 2, kind: "a"}, {seq: 1, kind: "b"}],
        [{seq: 2, kind: "c"}, {seq: 3, kind: "d"}, {kind: "no seq"}]).map((e) => `${e.seq}${e.kind}`)""")
    assert got == ["1b", "2c", "3d"]
    rows = [{"summary": {"id": "a", "status": "queued", "waiting_s": 5, "updated_at": "1"}},
            {"summary": {"id": "b", "status": "queued", "waiting_s": 50, "updated_at": "0"}},
            {"summary": {"id": "c", "status": "assigned", "agent_id": "me", "updated_at": "9"}}]
    got = run("pages/desk-format.js", f"m.sortInbox({json.dumps(rows)}).map((r) => r.summary.id)")
    assert got == ["b", "a", "c"]  # longest-waiting first
    got = run("pages/desk-format.js", """[m.section({status: "assigned", agent_id: "me"}, "me"),
        m.section({status: "assigned", agent_id: "x"}, "me"), m.section({status: "queued"}, "me"),
        m.waitedNow({status: "queued", waiting_s: 10}, 1000, 4000), m.waitedNow({status: "assigned"}, 0, 1)]""")
    assert got == ["mine", "others", "waiting", 13, None]
    canned = {"id": "hi", "texts": {"en": "Hello", "es": "Hola"}}
    got = run("pages/desk-format.js", f"['es', 'zh'].map((l) => m.cannedText({json.dumps(canned)}, l))")
    assert got == ["Hola", "Hello"]
    warnings = [{"conversation_id": "a", "timer": "resolution", "level": "soon", "due_at": "2026-12-06T10:10:00Z"},
                {"conversation_id": "a", "timer": "first_response", "level": "breached",
                 "due_at": "2026-12-06T10:01:00Z"},
                {"conversation_id": "b", "timer": "resolution", "level": "soon", "due_at": "2026-12-06T10:00:00Z"}]
    now = "Date.parse('2026-12-06T10:02:00Z')"
    got = run("pages/desk-format.js", f"m.warningsFor({json.dumps(warnings)}, 'a').map((w) => m.warningText(w, {now}))")
    assert got == ["First response SLA breached 1m 00s ago", "Resolution SLA due in 8m 00s"]


def test_chart_layout_scales_bars_to_the_largest_value_or_max() -> None:
    spec = {"rows": ["es", "en", "zh"], "series": [{"name": "p50", "values": [10, 5, None]},
                                                   {"name": "p90", "values": [20, 0, None]}]}
    got = run("pages/charts.js", f"m.layout({json.dumps(spec)})")
    bars = {(b["row"], b["series"]): b for b in got["bars"]}
    span = 600 - 150 - 90
    assert bars[(0, 1)]["w"] == span and bars[(0, 0)]["w"] == span / 2
    assert bars[(1, 1)]["w"] == 0 and bars[(2, 0)]["label"] == "–" and bars[(2, 0)]["value"] is None
    assert bars[(1, 0)]["y"] > bars[(0, 1)]["y"]  # rows stack downwards
    got = run("pages/charts.js", "m.layout({rows: ['a'], series: [{name: 'csat', values: [2.5]}], max: 5})")
    assert got["bars"][0]["w"] == span / 2


@pytest.mark.parametrize("lang", ["en", "es", "pt", "id", "zh", "ar"])
def test_widget_notice_in_every_language_never_promises_an_absent_person(lang: str) -> None:
    notices = [
        {"kind": "queued", "position": 1, "wait_s": 130, "agent_name": "", "email_offer": False},
        {"kind": "queued", "position": 0, "wait_s": None},
        {"kind": "after_hours", "opens_at": "2026-12-07T09:00:00+00:00", "email_offer": True},
        {"kind": "nobody_online", "position": 0, "email_offer": True},
        {"kind": "assigned", "agent_name": "Ana"},
        None,
    ]
    body = f"""{json.dumps(notices)}.map((n) => m.noticeText({json.dumps(lang)}, n, new Date('2026-12-06T12:00:00Z')))
        .concat([Object.keys(m.LABELS[{json.dumps(lang)}]).length, Object.keys(m.LABELS.en).length])"""
    *texts, keys, en_keys = run("assistant/labels.js", body)
    assert keys == en_keys  # every language has every string
    queued, queued_nowait, after_hours, nobody, assigned, unknown = texts
    assert "2" in queued and "3" in queued  # place 2 (one ahead), about 3 minutes
    assert "{" not in "".join(texts)  # every placeholder filled
    assert "Ana" in assigned and "Ana" not in nobody
    assert len({queued, queued_nowait, after_hours, nobody, assigned, unknown}) == 6
    if lang == "en":
        assert queued == "You are number 2 in line. Expected wait: about 3 minutes."
        assert after_hours.startswith("Our team is back on Monday at ")
        assert "keeps helping" in nobody and "keeps helping" in after_hours
