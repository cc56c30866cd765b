"""The request-id middleware: ids echoed or made, one access line per request and socket without the query
string, carrying the ids bound by the handlers (a plain `def` dependency included)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI, Request, WebSocket
from fastapi.testclient import TestClient

from souk.api.log_ids import bind_request
from souk.api.request_ids import RequestIds
from souk.core.logging import configure_logging
from souk.core.logsettings import LoggingSettings

log = logging.getLogger("souk.test.handler")


def merchant_dep(request: Request) -> str:  # a plain def: FastAPI runs it in a worker thread
    bind_request(request, "m1", "room_x")
    return "m1"


def build() -> FastAPI:
    app = FastAPI()

    @app.get("/v1/consults/{call_id}")
    def get(call_id: str, merchant: Annotated[str, Depends(merchant_dep)]) -> dict[str, str]:
        log.info("looked at the call")
        return {"call": call_id}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    @app.websocket("/v1/signal")
    async def sock(ws: WebSocket) -> None:
        await ws.accept()
        bind_request(ws, "m2")
        await ws.send_text("hi")
        await ws.close(1000)

    app.add_middleware(RequestIds)
    return app


@pytest.fixture
def out() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("INFO", LoggingSettings(format="json"), stream=stream)
    yield stream
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


def test_http_ids_and_access_line(out: io.StringIO) -> None:
    client = TestClient(build(), raise_server_exceptions=False)
    res = client.get("/v1/consults/call_7?token=eyJabc.def.ghi", headers={"X-Request-ID": "edge-42"})
    assert res.status_code == 200 and res.headers["x-request-id"] == "edge-42"
    made = client.get("/v1/consults/call_8", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"].startswith("req_") and len(made.headers["x-request-id"]) == 20
    assert client.get("/boom").status_code == 500
    lines = records(out)
    handler = next(x for x in lines if x["msg"] == "looked at the call")
    assert handler["request_id"] == "edge-42" and handler["merchant"] == "m1" and handler["call"] == "call_7"
    assert handler["room"] == "room_x"
    access = [x for x in lines if x["logger"] == "souk.access"]
    assert [a["status"] for a in access] == [200, 200, 500]
    first = access[0]
    assert first["msg"].startswith("GET /v1/consults/call_7 200 ") and "token" not in json.dumps(first)
    assert first["merchant"] == "m1" and first["call"] == "call_7" and first["request_id"] == "edge-42"
    assert access[1]["request_id"] == made.headers["x-request-id"]


def test_socket_access_line(out: io.StringIO) -> None:
    client = TestClient(build())
    with client.websocket_connect("/v1/signal?token=eyJsecret.part.two") as ws:
        assert ws.receive_text() == "hi"
    [access] = [x for x in records(out) if x["logger"] == "souk.access"]
    assert access["msg"].startswith("WS /v1/signal 101 ") and access["merchant"] == "m2"
    assert "close=1000" in str(access["msg"]) and "eyJ" not in json.dumps(access)
