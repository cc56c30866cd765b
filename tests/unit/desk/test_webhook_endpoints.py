"""Endpoint config: HTTPS only (local http only behind a flag), known events, a real secret; event bodies."""

from __future__ import annotations

import json

import pytest

from souk.core.errors import BadRequest
from souk.desk.webhooks import Endpoint, EventType, InvalidEndpoint, WebhookEvent, truncate, validate_url

OK = {"merchant_id": "m1", "id": "we_1", "events": ["handoff", EventType.CLOSED], "secret": "s" * 24}


@pytest.mark.parametrize("url", ["https://shop.example/hooks", "https://shop.example:8443/h?x=1",
                                 "https://[2001:db8::1]/h"])
def test_https_urls_are_accepted(url: str) -> None:
    assert validate_url(url) == url


@pytest.mark.parametrize("url", ["http://shop.example/h", "http://127.0.0.1:8080/h", "ftp://shop.example/",
                                 "https:///nohost", "not a url", "https://user:pw@shop.example/",
                                 "https://shop.example:99999/", "javascript:alert(1)"])
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidEndpoint):
        validate_url(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/h", "http://localhost/h", "http://[::1]:9/h"])
def test_local_http_only_with_the_flag(url: str) -> None:
    assert validate_url(url, allow_local_http=True) == url
    with pytest.raises(InvalidEndpoint):
        validate_url(url)


def test_local_flag_does_not_open_other_http_hosts() -> None:
    with pytest.raises(InvalidEndpoint):
        validate_url("http://10.0.0.5/h", allow_local_http=True)


def test_build_checks_events_and_secret() -> None:
    e = Endpoint.build(url="https://shop.example/h", **OK)  # type: ignore[arg-type]
    assert e.events == {EventType.HANDOFF, EventType.CLOSED}
    assert e.wants(EventType.HANDOFF) and not e.wants(EventType.CSAT)
    for bad in ({"events": []}, {"events": ["nope"]}, {"events": ["webhook.test"]}, {"secret": "short"},
                {"merchant_id": ""}):
        with pytest.raises(BadRequest):
            Endpoint.build(url="https://shop.example/h", **{**OK, **bad})  # type: ignore[arg-type]


def test_all_issue_event_types_exist() -> None:
    names = {e.value for e in EventType}
    assert {"conversation.created", "handoff", "assigned", "message", "closed", "csat", "call.started",
            "call.ended", "order.created"} <= names


def test_event_body_is_stable_json_carrying_the_merchant() -> None:
    ev = WebhookEvent("m1", "evt_1", EventType.MESSAGE, 1_800_000_000.7, {"text": "hola", "n": 1})
    assert ev.body() == ev.body()
    doc = json.loads(ev.body())
    assert doc == {"id": "evt_1", "type": "message", "created": 1800000000, "merchant_id": "m1",
                   "data": {"n": 1, "text": "hola"}}


def test_truncate_keeps_short_text_and_cuts_long() -> None:
    assert truncate("abc") == "abc"
    assert len(truncate("x" * 5000)) == 1025
