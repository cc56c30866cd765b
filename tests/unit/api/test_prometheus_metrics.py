"""Metrics: the registry, the HTTP/WebSocket middleware by route template, /metrics auth, the bind listener."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fastapi import FastAPI, WebSocket
from fastapi.testclient import TestClient
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.parser import text_string_to_metric_families

from souk.api.app import create_app
from souk.api.bootstrap import token_service
from souk.api.context import AppContext
from souk.api.metrics_mw import HttpMetrics
from souk.core.metrics import OTHER, Metrics, capped
from souk.core.settings import load_settings


def samples(text: bytes | str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    raw = text.decode() if isinstance(text, bytes) else text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(raw) for s in fam.samples}


def value(text: bytes | str, name: str, **labels: str) -> float | None:
    return samples(text).get((name, tuple(sorted(labels.items()))))


def _tiny(metrics: Metrics) -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: str) -> dict[str, str]:
        return {"id": item_id}

    @app.websocket("/ws/{room}")
    async def sock(ws: WebSocket, room: str) -> None:
        await ws.accept()
        await ws.send_text(room)
        await ws.receive()  # open until the client leaves

    app.add_middleware(HttpMetrics, metrics=metrics)
    return app


def test_requests_are_counted_by_route_template_never_by_raw_path() -> None:
    metrics = Metrics("n1")
    client = TestClient(_tiny(metrics))
    for i in range(3):
        assert client.get(f"/items/{i}").status_code == 200
    assert client.get("/no/such/path/12345").status_code == 404
    with client.websocket_connect("/ws/r1") as ws:
        assert ws.receive_text() == "r1"
        opened = value(metrics.render(), "souk_websocket_connections", route="/ws/{room}")
    text = metrics.render()
    assert value(text, "souk_http_requests_total", method="GET", route="/items/{item_id}", status="200") == 3
    assert value(text, "souk_http_requests_total", method="GET", route="unmatched", status="404") == 1
    assert value(text, "souk_http_request_duration_seconds_count", method="GET", route="/items/{item_id}") == 3
    assert opened == 1
    assert value(text, "souk_websocket_connections", route="/ws/{room}") == 0
    assert value(text, "souk_websocket_sessions_total", route="/ws/{room}") == 1
    assert b"/items/1" not in text and b"12345" not in text


def test_a_failing_source_hides_nothing_else_and_capped_bounds_labels() -> None:
    metrics = Metrics()

    def broken() -> list[GaugeMetricFamily]:
        raise RuntimeError("boom")

    def good() -> list[GaugeMetricFamily]:
        g = GaugeMetricFamily("souk_test_rooms", "rooms", labels=("room",))
        for room, n in capped({f"r{i}": float(i) for i in range(60)}, limit=5):
            g.add_metric((room,), n)
        return [g]

    metrics.add_source("broken", broken)
    metrics.add_source("good", good)
    metrics.join("ok")
    text = metrics.render()
    assert value(text, "souk_signal_joins_total", result="ok") == 1
    rooms = {dict(k[1])["room"]: v for k, v in samples(text).items() if k[0] == "souk_test_rooms"}
    assert list(rooms)[:5] == ["r59", "r58", "r57", "r56", "r55"] and len(rooms) == 6
    assert rooms[OTHER] == sum(range(55))


def _app(tmp_path: Path, **overrides: object) -> tuple[FastAPI, AppContext]:
    settings = load_settings(None, data_dir=str(tmp_path), **overrides)
    ctx = AppContext(settings=settings, tokens=token_service(settings))
    return create_app(settings, ctx=ctx, features=("souk.api.routes.health", "souk.api.routes.metrics")), ctx


def test_metrics_take_the_scrape_token_or_the_operator_token(tmp_path: Path) -> None:
    app, _ = _app(tmp_path, metrics={"token": "scrape-secret"}, auth={"operator_token": "op-secret"})
    with TestClient(app) as client:
        assert client.get("/metrics").json()["error"]["code"] == "metrics_token_invalid"
        bad = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401 and bad.json()["error"]["code"] == "metrics_token_invalid"
        for secret in ("scrape-secret", "op-secret"):
            r = client.get("/metrics", headers={"Authorization": f"Bearer {secret}"})
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        # the scrapes themselves are counted, by template
        assert (value(r.text, "souk_http_requests_total", method="GET", route="/metrics", status="401") or 0) >= 2


def test_metrics_without_a_secret_or_disabled_answer_404(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)
    with TestClient(app) as client:
        r = client.get("/metrics")
        assert r.status_code == 404 and r.json()["error"]["code"] == "metrics_disabled"
    app, ctx = _app(tmp_path / "off", metrics={"enabled": False, "token": "x" * 8})
    with TestClient(app) as client:
        r = client.get("/metrics", headers={"Authorization": "Bearer " + "x" * 8})
        assert r.status_code == 404 and ctx.metrics is None


def test_the_bind_listener_serves_metrics_without_a_token(tmp_path: Path) -> None:
    app, _ = _app(tmp_path, metrics={"bind": "127.0.0.1:0"})
    with TestClient(app) as client:
        assert client.get("/readyz").status_code == 200
        port = app.state.metrics_port

        async def scrape(path: str) -> bytes:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            await writer.drain()
            data = await reader.read()
            writer.close()
            return data

        head, _, body = client.portal.call(scrape, "/metrics").partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200")
        assert value(body, "souk_http_requests_total", method="GET", route="/readyz", status="200") == 1
        assert client.portal.call(scrape, "/other").startswith(b"HTTP/1.1 404")


@pytest.mark.parametrize("bind", ["9464", "host:", ":99999"])
def test_a_bad_bind_is_a_clear_settings_error(tmp_path: Path, bind: str) -> None:
    from souk.core.errors import ConfigError

    with pytest.raises(ConfigError, match="metrics.bind"):
        load_settings(None, data_dir=str(tmp_path), metrics={"bind": bind})


def test_a_signaling_outbox_that_overflows_counts_one_slow_consumer_cut() -> None:
    from souk.api.metrics_signal import MeteredOutbox
    from souk.signal import messages as m

    metrics = Metrics()
    outbox = MeteredOutbox(metrics)
    outbox.identity = "shopper"
    while outbox.push(m.Pong(id="p")):
        pass
    assert not outbox.push(m.Pong(id="p"))  # refused again: counted once
    assert value(metrics.render(), "souk_socket_errors_total", socket="signal", code="slow_consumer") == 1
