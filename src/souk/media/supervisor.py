"""Runs an embedded Janus (``janus -F <confdir>``): config, start, readiness, health, restart, stop.

The supervisor writes its own config folder (:mod:`souk.media.config`), picks free ports when the settings
say 0, waits until the WebSocket API answers an ``info`` request, then watches the process: when it dies it
is restarted with exponential backoff on the same ports and secrets; when it stops answering health checks
it is killed and restarted. Janus's stdout/stderr go to ``<workdir>/janus.log``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import shutil
import signal
import socket
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from souk.core.clock import Clock, SystemClock
from souk.core.errors import ConfigError, SoukError, Unavailable
from souk.core.settings import Settings
from souk.core.tasks import TaskOwner
from souk.media.client import JanusConnection
from souk.media.config import BIND_IP, JanusLaunch, write_config
from souk.media.evh import EVENTS_PATH, EVENTS_USER, load_events_secret
from souk.media.nodes import JanusNode

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 15.0
HEALTH_EVERY_S = 5.0
HEALTH_FAILURES_BEFORE_KILL = 3
MAX_BACKOFF_S = 30.0
STABLE_AFTER_S = 30.0


def events_url(settings: Settings) -> str:
    """Where this Souk takes Janus's events: its own port, on loopback unless it listens on one address."""
    host = settings.server.host
    host = BIND_IP if host in ("", "0.0.0.0", "::", "localhost") else host
    return f"http://{f'[{host}]' if ':' in host else host}:{settings.server.port}{EVENTS_PATH}"


def free_port(host: str = BIND_IP) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class JanusSupervisor:
    def __init__(self, settings: Settings, *, workdir: Path | None = None, clock: Clock | None = None,
                 node_id: str = "embedded", health_every_s: float = HEALTH_EVERY_S,
                 health_timeout_s: float = 2.0) -> None:
        js = settings.janus
        self.settings = settings
        self.workdir = (workdir or settings.data_path / "janus").resolve()
        self.clock = clock or SystemClock()
        self.node_id = node_id
        self.health_every_s = health_every_s
        self.health_timeout_s = health_timeout_s
        self.launch = JanusLaunch.from_settings(
            js,
            confdir=self.workdir / "conf",
            recordings_dir=settings.data_path / "recordings",
            ws_port=js.ws_port or free_port(),
            admin_ws_port=js.admin_ws_port or free_port(),
            api_secret=js.api_secret.get_secret_value() or secrets.token_urlsafe(24),
            admin_secret=js.admin_secret.get_secret_value() or secrets.token_urlsafe(24),
            admin_key=js.admin_key.get_secret_value() or secrets.token_urlsafe(24),
        )
        if settings.quality.janus_events:  # media statistics to this Souk (souk.media.evh)
            self.launch = replace(self.launch, events_url=events_url(settings), events_user=EVENTS_USER,
                                  events_secret=load_events_secret(settings))
        self.log_path = self.workdir / "janus.log"
        self.restarts = 0
        self.on_restart: list[Callable[[JanusNode], None]] = []
        self._proc: asyncio.subprocess.Process | None = None
        self._tasks = TaskOwner("janus-supervisor")
        self._closing = False
        self._started_at = 0.0

    @property
    def node(self) -> JanusNode:
        c = self.launch
        return JanusNode(
            node_id=self.node_id, url=f"ws://{BIND_IP}:{c.ws_port}", admin_url=f"ws://{BIND_IP}:{c.admin_ws_port}",
            region=self.settings.janus.region, api_secret=c.api_secret, admin_secret=c.admin_secret,
            admin_key=c.admin_key,
        )

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.returncode is None else None

    @property
    def running(self) -> bool:
        return self.pid is not None

    async def start(self) -> JanusNode:
        """Write the config, start Janus and return once its API answers. Raises Unavailable with log tail."""
        if self._closing:
            raise Unavailable("janus supervisor is closed")
        write_config(self.launch)
        await self._spawn_and_wait()
        self._tasks.spawn(self._watch(), "watch")
        if self.health_every_s > 0:
            self._tasks.spawn(self._health_loop(), "health")
        return self.node

    async def _spawn_and_wait(self) -> None:
        binary = self.settings.janus.binary
        argv = [binary, "-F", str(self.launch.confdir)]
        if shutil.which("setpriv"):
            # Janus dies with us even if we are killed -9 (no orphaned Janus holding ports)
            argv = ["setpriv", "--pdeathsig", "KILL", "--", *argv]
            if shutil.which(binary) is None:
                raise ConfigError(f"Janus binary {binary!r} not found (apt-get install janus)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        logf = await asyncio.to_thread(open, self.log_path, "ab")
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL,
                stdout=logf, stderr=logf, start_new_session=True, cwd=self.workdir,
            )
        except FileNotFoundError as exc:
            raise ConfigError(f"Janus binary {binary!r} not found (apt-get install janus)") from exc
        finally:
            logf.close()  # the child keeps its own copy of the descriptor
        self._started_at = self.clock.now()
        log.info("janus started pid=%s ws=%s log=%s", self._proc.pid, self.node.url, self.log_path)
        try:
            await self._wait_ready()
        except BaseException:
            await self._kill()
            raise

    async def _wait_ready(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_TIMEOUT_S
        last: Exception | None = None
        while loop.time() < deadline:
            if self._proc is None or self._proc.returncode is not None:
                code = self._proc.returncode if self._proc else None
                raise Unavailable(f"janus exited with {code} while starting; log: {self.log_tail()}")
            try:
                await self.health(timeout=2.0)
                return
            except SoukError as exc:
                last = exc
                await asyncio.sleep(0.05)
        raise Unavailable(f"janus did not answer within {READY_TIMEOUT_S}s ({last}); log: {self.log_tail()}")

    async def health(self, timeout: float = 2.0) -> dict[str, object]:
        """One ``info`` round trip on a fresh connection. Raises Unavailable / Timeout when unhealthy."""
        node = self.node
        conn = await JanusConnection.open(node.url, api_secret=node.api_secret, timeout=timeout,
                                          name="janus-health")
        try:
            info = await conn.info()
        finally:
            await conn.aclose()
        return {"name": info.name, "version": info.version_string, "plugins": sorted(info.plugins)}

    async def _watch(self) -> None:
        backoff = self.settings.janus.restart_backoff_s
        while not self._closing:
            proc = self._proc
            if proc is None:
                return
            code = await proc.wait()
            if self._closing:
                return
            uptime = self.clock.now() - self._started_at
            if uptime > STABLE_AFTER_S:
                backoff = self.settings.janus.restart_backoff_s
            log.error("janus pid=%s exited with %s after %.1fs; restarting in %.1fs", proc.pid, code, uptime,
                      backoff)
            await self.clock.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_S)
            try:
                await self._spawn_and_wait()
            except SoukError as exc:
                log.error("janus restart failed: %s", exc)
                continue
            self.restarts += 1
            for cb in list(self.on_restart):
                cb(self.node)

    async def _health_loop(self) -> None:
        failures = 0
        while not self._closing:
            await self.clock.sleep(self.health_every_s)
            if not self.running:
                failures = 0
                continue
            try:
                await self.health(timeout=self.health_timeout_s)
                failures = 0
            except SoukError as exc:
                failures += 1
                log.warning("janus health check failed (%d): %s", failures, exc)
                if failures >= HEALTH_FAILURES_BEFORE_KILL:
                    log.error("janus unresponsive; killing pid=%s", self.pid)
                    failures = 0
                    await self._kill()

    async def _kill(self, grace_s: float = 0.0) -> None:
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        if grace_s > 0:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), grace_s)
                return
            except TimeoutError:
                log.warning("janus pid=%s ignored SIGTERM for %.1fs; killing", proc.pid, grace_s)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return " | ".join(text.strip().splitlines()[-lines:])

    async def aclose(self) -> None:
        """Stop Janus (SIGTERM, then SIGKILL after 5 s) and the watchers. Idempotent."""
        if self._closing:
            await self._tasks.aclose()
            return
        self._closing = True
        await self._tasks.aclose()
        await self._kill(grace_s=5.0)
        log.info("janus stopped")
