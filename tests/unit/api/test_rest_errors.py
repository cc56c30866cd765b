"""The REST error envelope and the body limits, on a tiny app built inline (souk.api.errors, souk.api.body)."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from souk.api.body import BodyLimits
from souk.api.errors import install_error_handlers
from souk.core.errors import NotFound


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=10)
    tags: list[object] = Field(default_factory=list)


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(BodyLimits, max_bytes=4096, max_depth=8)

    @app.post("/items")
    async def create(item: Item) -> dict[str, str]:
        return {"name": item.name}

    @app.get("/items/{name}")
    async def get(name: str) -> dict[str, str]:
        raise NotFound(f"no item {name!r}", code="unknown_item")

    return app


async def _post(body: bytes | str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        return await c.post("/items", content=body, headers=headers or {"content-type": "application/json"})


def _error(r: httpx.Response) -> dict[str, object]:
    body = r.json()
    assert set(body) == {"error"}, body
    error: dict[str, object] = body["error"]
    assert {"code", "kind", "message"} <= set(error)
    return error


async def test_a_valid_body_passes_through_the_limits_untouched() -> None:
    r = await _post(json.dumps({"name": "mug", "tags": [[["a"]]]}))
    assert r.status_code == 200 and r.json() == {"name": "mug"}


async def test_malformed_json_is_400_bad_json_with_where() -> None:
    r = await _post('{"name": "mug",')
    assert r.status_code == 400
    error = _error(r)
    assert error["code"] == "bad_json" and error["kind"] == "bad_request"


async def test_json_nested_970_levels_is_400_bad_json_not_a_recursion_error() -> None:
    deep = '{"name": "x", "tags": ' + "[" * 970 + "]" * 970 + "}"
    assert len(deep) < 2048
    r = await _post(deep)
    assert r.status_code == 400
    error = _error(r)
    assert error["code"] == "bad_json" and error["details"] == {"max_depth": 8}


async def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    r = await _post(json.dumps({"name": "x", "tags": ["[[[[[[[[[[[[{{{{{{{{{{{"]}))
    assert r.status_code == 200


async def test_an_oversized_body_is_413_body_too_large_declared_or_streamed() -> None:
    big = json.dumps({"name": "x", "tags": ["a" * 5000]})
    r = await _post(big)
    assert r.status_code == 413 and _error(r)["code"] == "body_too_large"

    async def chunks():  # no Content-Length: counted while reading
        for _ in range(10):
            yield b" " * 1000

    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.post("/items", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and _error(r)["code"] == "body_too_large"


async def test_validation_errors_are_422_invalid_request_with_each_location() -> None:
    r = await _post(json.dumps({"name": ""}))
    assert r.status_code == 422
    error = _error(r)
    assert error["code"] == "invalid_request"
    assert [e["loc"] for e in error["details"]["errors"]] == [["body", "name"]]  # type: ignore[index]


async def test_a_body_that_is_not_utf8_json_is_400_in_the_envelope() -> None:
    r = await _post(b"\xff\xfe\x00garbage")
    assert r.status_code == 400 and _error(r)["code"] in {"bad_json", "bad_body"}


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/nowhere", 404, "not_found"),
    ("DELETE", "/items", 405, "method_not_allowed"),
    ("GET", "/items/teapot", 404, "unknown_item"),
])
async def test_framework_and_service_errors_share_the_envelope(method: str, path: str, status: int,
                                                               code: str) -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.request(method, path)
    assert r.status_code == status and _error(r)["code"] == code
