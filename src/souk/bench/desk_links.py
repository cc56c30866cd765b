"""How ``souk bench desk`` reaches the desk: the shoppers' and agents' ends, over the real API of a ``souk serve``
process (:class:`ApiDesk`) or straight on a DeskService in this process over SQLite (:class:`LocalDesk`, the
baseline without HTTP and sockets, and a check of the bench's own accounting).

Either way a shopper's end yields the frames its widget gets (``desk``, ``desk_status``, ...) and a staff end
the frames of the staff socket (``assigned``, ``event``, ...): the service's frames are the sockets' frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

from souk.core.settings import Settings

LANGUAGES = ("en", "es", "pt", "id", "zh")
MANY = '{"count": 1000000, "per_s": 1}'  # the server's abuse limits, out of the bench's way (one address)


class ShopperEnd(Protocol):
    cid: str

    def frames(self) -> AsyncIterator[dict[str, Any]]: ...

    async def human(self) -> dict[str, Any] | None:
        """Ask for a person; the answer when the transport gives one at once (else it comes as a frame)."""

    async def say(self, text: str) -> None: ...

    async def ping(self) -> None:
        """Send a ping (its pong comes as a frame)."""

    async def aclose(self) -> None: ...


class StaffEnd(Protocol):
    agent_id: str

    def frames(self) -> AsyncIterator[dict[str, Any]]: ...

    async def reply(self, cid: str, text: str) -> None: ...

    async def aclose(self) -> None: ...


class DeskUnderTest(Protocol):
    transport: str

    @property
    def server_pid(self) -> int | None: ...

    async def start(self, agents: int, conversations: int) -> None: ...

    async def staff(self, agent_id: str) -> StaffEnd:
        """An agent's end, connected and online."""

    async def shopper(self, i: int, language: str) -> ShopperEnd:
        """A shopper's end, connected, talking ``language``."""

    async def aclose(self) -> None: ...


def agent_profiles(agents: int, conversations: int) -> list[dict[str, Any]]:
    """``agents`` staff who each speak every bench language, with room for every conversation at once."""
    capacity = max(1, min(50, -(-conversations // agents)))
    return [{"id": f"agent{i:02d}", "name": f"Agent {i}", "capacity": capacity,
             "skills": {"languages": list(LANGUAGES)}} for i in range(agents)]


# ---------------------------------------------------------------- in this process


class LocalShopper:
    def __init__(self, desk: Any, merchant: str, cid: str, language: str) -> None:
        self.desk, self.merchant, self.cid, self.language = desk, merchant, cid, language
        self.feed = desk.shopper_feed(merchant, cid)

    def frames(self) -> AsyncIterator[dict[str, Any]]:
        return aiter(self.feed)

    async def human(self) -> dict[str, Any] | None:
        from souk.domain.desk.handoff import HandoffPacket, HandoffReason

        packet = HandoffPacket(HandoffReason.EXPLICIT_REQUEST, self.language, summary="bench: wants a person")
        notice = await self.desk.request_human(self.merchant, self.cid, shopper=self.cid,
                                               reason=HandoffReason.EXPLICIT_REQUEST, packet=packet)
        return {"type": "desk_status", "notice": notice.to_dict()}

    async def say(self, text: str) -> None:
        await self.desk.shopper_message(self.merchant, self.cid, shopper=self.cid, text=text)

    async def ping(self) -> None:
        raise NotImplementedError("no transport to ping in this process")

    async def aclose(self) -> None:
        self.desk.drop_shopper_feed(self.merchant, self.cid, self.feed)


class LocalStaff:
    def __init__(self, desk: Any, merchant: str, agent_id: str, feed: Any) -> None:
        self.desk, self.merchant, self.agent_id, self.feed = desk, merchant, agent_id, feed

    def frames(self) -> AsyncIterator[dict[str, Any]]:
        return aiter(self.feed)

    async def reply(self, cid: str, text: str) -> None:
        await self.desk.agent_message(self.merchant, cid, self.agent_id, text=text)

    async def aclose(self) -> None:
        await self.desk.disconnect_agent(self.merchant, self.agent_id, self.feed)


class LocalDesk:
    """A DeskService over SQLite in this process (a fresh database in a temp dir)."""

    transport = "in-process DeskService over SQLite (no HTTP, no sockets)"

    @property
    def server_pid(self) -> int | None:
        return None

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="souk-bench-desk-")
        self.merchant = "bench-desk"
        self.desk: Any = None
        self._storage: Any = None

    async def start(self, agents: int, conversations: int) -> None:
        from souk.core.clock import SystemClock
        from souk.desk.service import DeskService
        from souk.domain.desk.routing import Skills
        from souk.domain.desk.staff import StaffProfile
        from souk.domain.models import Merchant
        from souk.storage import open_storage

        self._storage = await open_storage(Settings(data_dir=self._tmp.name))
        await self._storage.merchants.create(Merchant(self.merchant, "Bench desk", "", "USD", LANGUAGES, "UTC"))
        s = self._storage
        self.desk = DeskService(s.desk, s.desk_staff, s.desk_settings, clock=SystemClock(), webhooks=None)
        await self.desk.start()
        for p in agent_profiles(agents, conversations):
            await self.desk.put_agent(StaffProfile(self.merchant, p["id"], p["name"],
                                                   Skills(frozenset(p["skills"]["languages"])), p["capacity"]))

    async def staff(self, agent_id: str) -> LocalStaff:
        from souk.domain.desk.routing import Presence

        feed = await self.desk.connect_agent(self.merchant, agent_id)
        await self.desk.set_presence(self.merchant, agent_id, Presence.ONLINE)
        return LocalStaff(self.desk, self.merchant, agent_id, feed)

    async def shopper(self, i: int, language: str) -> LocalShopper:
        from souk.domain.desk.timeline import Channel

        cid = f"bench-{i:04d}"
        await self.desk.ensure(self.merchant, cid, shopper=cid, channel=Channel.ASSISTANT_TEXT, language=language)
        return LocalShopper(self.desk, self.merchant, cid, language)

    async def aclose(self) -> None:
        if self.desk is not None:
            await self.desk.aclose()
        if self._storage is not None:
            await self._storage.aclose()
        self._tmp.cleanup()


# ---------------------------------------------------------------- over the API of a souk serve process


class Socket:
    """A websockets client: frames go to a bounded queue read by ``frames()`` (the end's reader)."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    async def frames(self) -> AsyncIterator[dict[str, Any]]:
        import websockets

        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                if isinstance(raw, str):
                    yield json.loads(raw)

    async def send(self, body: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(body))

    async def aclose(self) -> None:
        await self.ws.close()


class ApiShopper:
    def __init__(self, sock: Socket, cid: str) -> None:
        self.sock, self.cid = sock, cid

    def frames(self) -> AsyncIterator[dict[str, Any]]:
        return self.sock.frames()

    async def human(self) -> dict[str, Any] | None:
        await self.sock.send({"type": "human"})
        return None  # its desk_status answer comes on the socket

    async def say(self, text: str) -> None:
        await self.sock.send({"type": "message", "text": text})

    async def ping(self) -> None:
        await self.sock.send({"type": "ping"})

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):  # the bench is ending: a socket already gone is fine
            await self.sock.send({"type": "bye"})
        await self.sock.aclose()


class ApiStaff:
    def __init__(self, sock: Socket, http: Any, agent_id: str) -> None:
        self.sock, self.http, self.agent_id = sock, http, agent_id

    def frames(self) -> AsyncIterator[dict[str, Any]]:
        return self.sock.frames()

    async def reply(self, cid: str, text: str) -> None:
        r = await self.http.post(f"/v1/desk/conversations/{cid}/messages", json={"text": text})
        if r.status_code != 200:
            raise RuntimeError(f"reply to {cid}: HTTP {r.status_code} {r.text[:200]}")

    async def aclose(self) -> None:
        await self.sock.aclose()
        await self.http.aclose()


class ApiDesk:
    """``souk serve`` (demo store, SQLite, embedded Janus) as a separate process on a free port."""

    transport = "souk serve process: shoppers on /v1/agent/ws, staff on /v1/desk/ws + REST replies"

    def __init__(self, settings: Settings) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="souk-bench-desk-")
        self._settings = settings
        self.server: asyncio.subprocess.Process | None = None
        self.base = ""
        self.key = ""
        self.merchant = ""
        self._http: Any = None

    @property
    def server_pid(self) -> int | None:
        return None if self.server is None else self.server.pid

    async def start(self, agents: int, conversations: int) -> None:
        import httpx

        from souk.bench.connect import free_port, wait_up
        from souk.cli.server import seed_and_key

        data = Path(self._tmp.name)
        settings = self._settings.model_copy(update={"data_dir": str(data), "database_url": "", "demo": True})
        self.merchant, self.key = await seed_and_key(settings)
        port = free_port()
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("SOUK_")},
               "SOUK_DATA_DIR": str(data), "SOUK_DEMO": "true", "SOUK_LOG_LEVEL": "WARNING"}
        for rule in ("assistant_open_identity", "assistant_open_address", "assistant_message_identity",
                     "assistant_message_address", "mint_merchant", "mint_address"):
            env[f"SOUK_LIMITS__{rule.upper()}"] = MANY
        self.server = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "souk.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port), env=env)
        self.base = f"http://127.0.0.1:{port}"
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        self._http = httpx.AsyncClient(base_url=self.base, headers={"Authorization": f"Bearer {self.key}"},
                                       timeout=30, limits=limits)
        await wait_up(self._http, self.server)
        for p in agent_profiles(agents, conversations):
            r = await self._http.put(f"/v1/desk/agents/{p['id']}", json={k: v for k, v in p.items() if k != "id"})
            if r.status_code != 200:
                raise RuntimeError(f"PUT /v1/desk/agents/{p['id']}: HTTP {r.status_code} {r.text[:300]}")

    async def _mint(self, identity: str, room: str, role: str) -> str:
        r = await self._http.post("/v1/tokens", json={"identity": identity, "room": room, "role": role})
        if r.status_code != 200:
            raise RuntimeError(f"POST /v1/tokens: HTTP {r.status_code} {r.text[:300]}")
        return str(r.json()["token"])

    async def _socket(self, path: str, token: str, **query: str) -> Socket:
        import websockets

        q = "&".join(f"{k}={v}" for k, v in {"token": token, **query}.items())
        ws = await websockets.connect(f"{self.base.replace('http://', 'ws://')}{path}?{q}", max_size=2**22,
                                      open_timeout=30)
        return Socket(ws)

    async def staff(self, agent_id: str) -> ApiStaff:
        import httpx

        token = await self._mint(agent_id, "*", "agent")
        sock = await self._socket("/v1/desk/ws", token)
        first = json.loads(await asyncio.wait_for(sock.ws.recv(), 30))
        if first.get("type") != "hello":
            raise RuntimeError(f"the staff socket said {first}")
        await sock.send({"type": "presence", "presence": "online"})
        http = httpx.AsyncClient(base_url=self.base, headers={"Authorization": f"Bearer {token}"}, timeout=30,
                                 limits=httpx.Limits(max_connections=16, max_keepalive_connections=16))
        return ApiStaff(sock, http, agent_id)

    async def shopper(self, i: int, language: str) -> ApiShopper:
        sock = await self._socket("/v1/agent/ws", await self._mint(f"bench-shopper-{i}", "lobby", "member"),
                                  language=language)
        first = json.loads(await asyncio.wait_for(sock.ws.recv(), 30))
        if first.get("type") != "ready":
            raise RuntimeError(f"the assistant socket said {first}")
        return ApiShopper(sock, str(first["session_id"]))

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
        if self.server is not None and self.server.returncode is None:
            self.server.terminate()
            try:
                await asyncio.wait_for(self.server.wait(), 15)
            except TimeoutError:
                self.server.kill()
                await self.server.wait()
        self._tmp.cleanup()


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds of a process (Linux /proc), None when unknown."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
