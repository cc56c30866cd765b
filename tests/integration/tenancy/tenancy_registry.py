"""The registry of the tenancy module's cases and the helpers they share (see tenancy_cases.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from tests.integration.tenancy.tenancy_app import (
    LIVE,
    SKU,
    A,
    B,
    Tenancy,
)

Then = Callable[[], Awaitable[None]]
CaseFn = Callable[[Tenancy], Awaitable[Then | None]]

A_ONLY_ROOM_2 = "a-private-2"  # A has it; B creates a room with this id in the POST /v1/rooms case
B_LIVE_2 = "b-live-2"  # a live room of B's own, for the PK cases


@dataclass(frozen=True)
class Case:
    method: str  # GET, POST, DELETE, ... or WS for a socket
    path: str
    fn: CaseFn | None
    public: str = ""  # why a route without credentials shows nothing of a merchant's private state
    elsewhere: str = ""  # the test module that covers it instead (the signaling socket needs Janus)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


COVERED: dict[tuple[str, str], Case] = {}


def covers(method: str, path: str, *, public: str = "") -> Callable[[CaseFn], CaseFn]:
    def register(fn: CaseFn) -> CaseFn:
        key = (method, path)
        assert key not in COVERED, f"{key} is covered twice"
        COVERED[key] = Case(method, path, fn, public=public)
        return fn
    return register


def covered_elsewhere(method: str, path: str, module: str) -> None:
    COVERED[(method, path)] = Case(method, path, None, elsewhere=module)


# ------------------------------------------------------------------ helpers


def b_key(t: Tenancy) -> str:
    return t.keys[B]


def b_staff(t: Tenancy) -> str:
    return t.token(B, "seller-1", "*", "agent")


def b_host(t: Tenancy, room: str = LIVE) -> str:
    return t.token(B, "host-1", room, "host")


def b_viewer(t: Tenancy, identity: str = "viewer-1") -> str:
    return t.token(B, identity, LIVE, "audience")


def b_shopper(t: Tenancy, identity: str = "shopper-1") -> str:
    return t.token(B, identity, "lobby", "member")


def clean(t: Tenancy, r: httpx.Response, *status: int) -> Any:
    """The answer has one of ``status`` (200 by default) and nothing of A's."""
    want = status or (200,)
    assert r.status_code in want, f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text[:400]}"
    sent = str(r.request.url) + r.request.content.decode(errors="replace")
    leaked = [s for s in t.leaked(r.text) if s not in sent]  # an id B sent may be echoed back to B
    assert not leaked, f"{r.request.method} {r.request.url.path} shows A's {leaked}: {r.text[:400]}"
    return r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text


def not_found(t: Tenancy, r: httpx.Response, code: str | None = None) -> None:
    """Another merchant's object: 404, never 403, and the answer names nothing of A's."""
    body = clean(t, r, 404)
    if code is not None:
        assert body["error"]["code"] == code, body


def refused_as_b(t: Tenancy, r: httpx.Response, *status: int) -> dict[str, Any]:
    """B acting on its own (empty) state with A's ids: an answer about B's state, never wrong_merchant."""
    body: dict[str, Any] = clean(t, r, *status)
    assert body.get("error", {}).get("code") != "wrong_merchant", body
    return body


async def b_pins(t: Tenancy) -> None:
    async with t.http(b_host(t)) as host:
        clean(t, await host.post(f"/v1/live/{LIVE}/pins", json={"sku": SKU}))


async def a_publishes(t: Tenancy, identity: str, text: str) -> None:
    async with t.http(t.token(A, identity, LIVE, "audience")) as viewer:
        r = await viewer.post(f"/v1/rtm/channels/{LIVE}/messages", json={"body": text})
    assert r.status_code == 200, r.text
