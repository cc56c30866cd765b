"""Runs an embedded Janus (``janus -F <confdir>``): config, start, readiness, health, restart, stop.

The supervisor writes its own config folder (:mod:`souk.media.config`), picks free ports when the settings
say 0, waits until the WebSocket API answers an ``info`` request, then watches the process: when it dies it
is restarted with exponential backoff on the same ports and secrets; when it stops answering health checks
it is killed and restarted (:class:`souk.media.process.Supervised`). Janus's stdout/stderr go to
``<workdir>/janus.log``.
"""

from __future__ import annotations

import logging
import secrets
import socket
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from souk.core.clock import Clock
from souk.core.secrets_filter import register_secret
from souk.core.settings import Settings
from souk.media.client import JanusConnection
from souk.media.config import BIND_IP, JanusLaunch, write_config
from souk.media.evh import EVENTS_PATH, EVENTS_USER, load_events_secret
from souk.media.nodes import JanusNode
from souk.media.process import Supervised

log = logging.getLogger(__name__)

HEALTH_EVERY_S = 5.0


def events_url(settings: Settings) -> str:
    """Where this Souk takes Janus's events: its own port, on loopback unless it listens on one address."""
    host = settings.server.host
    host = BIND_IP if host in ("", "0.0.0.0", "::", "localhost") else host
    return f"http://{f'[{host}]' if ':' in host else host}:{settings.server.port}{EVENTS_PATH}"


def free_port(host: str = BIND_IP) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class JanusSupervisor(Supervised):
    name = "janus"
    install_hint = "apt-get install janus"
    ready_timeout_s = 15.0
    ready_check_timeout_s = 2.0
    stop_grace_s = 5.0
    log_stdout = True

    def __init__(self, settings: Settings, *, workdir: Path | None = None, clock: Clock | None = None,
                 node_id: str = "embedded", health_every_s: float = HEALTH_EVERY_S,
                 health_timeout_s: float = 2.0) -> None:
        js = settings.janus
        workdir = (workdir or settings.data_path / "janus").resolve()
        super().__init__(workdir=workdir, log_path=workdir / "janus.log", binary=js.binary,
                         restart_backoff_s=js.restart_backoff_s, clock=clock, health_every_s=health_every_s,
                         health_timeout_s=health_timeout_s)
        self.settings = settings
        self.node_id = node_id
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
        for value in (self.launch.api_secret, self.launch.admin_secret, self.launch.admin_key):
            register_secret(value)  # generated ones too: masked in every log line
        if settings.quality.janus_events:  # media statistics to this Souk (souk.media.evh)
            self.launch = replace(self.launch, events_url=events_url(settings), events_user=EVENTS_USER,
                                  events_secret=load_events_secret(settings))
        self.on_restart: list[Callable[[JanusNode], None]] = []

    @property
    def node(self) -> JanusNode:
        c = self.launch
        return JanusNode(
            node_id=self.node_id, url=f"ws://{BIND_IP}:{c.ws_port}", admin_url=f"ws://{BIND_IP}:{c.admin_ws_port}",
            region=self.settings.janus.region, api_secret=c.api_secret, admin_secret=c.admin_secret,
            admin_key=c.admin_key,
        )

    async def start(self) -> JanusNode:
        """Write the config, start Janus and return once its API answers. Raises Unavailable with log tail."""
        write_config(self.launch)
        await self._launch()
        return self.node

    def argv(self) -> list[str]:
        return [self.binary, "-F", str(self.launch.confdir)]

    def describe(self) -> str:
        return f"ws={self.node.url}"

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

    def restarted(self) -> None:
        for cb in list(self.on_restart):
            cb(self.node)
