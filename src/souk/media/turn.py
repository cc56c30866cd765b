"""The embedded TURN relay: Debian's coturn (``turnserver -c <conf>``) started and supervised by Souk.

Like :class:`souk.media.supervisor.JanusSupervisor` for Janus: the supervisor writes its own config
(:mod:`souk.media.turnconf`), picks free ports when the settings say 0, keeps the shared secret in
``<data_dir>/turn/secret`` and a self-signed TLS pair beside it when none is configured, waits until coturn
answers a STUN Binding request, then watches the process: when it dies it is restarted with exponential
backoff on the same ports and secret (credentials already handed out stay valid); when it stops answering
it is killed and restarted. A missing binary is a ConfigError that says what to install.

:class:`TurnRelay` hands out per-token credentials (:mod:`souk.media.turncreds`) for the embedded relay or
an external one (``turn.mode = "external"``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import struct
import subprocess
from pathlib import Path

from souk.core.clock import Clock, SystemClock
from souk.core.errors import ConfigError, SoukError, Unavailable
from souk.core.settings import Settings, TurnSettings
from souk.core.tasks import TaskOwner
from souk.media.turnconf import TurnLaunch, render
from souk.media.turncreds import TurnCredential, issue

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 10.0
HEALTH_EVERY_S = 5.0
HEALTH_FAILURES_BEFORE_KILL = 3
MAX_BACKOFF_S = 30.0
STABLE_AFTER_S = 30.0
SECRET_FILE = "secret"
STUN_MAGIC = 0x2112A442


class TurnRelay:
    """Issues TURN credentials for a token's merchant and identity: ``ice_servers(...)`` for the welcome."""

    def __init__(self, urls: tuple[str, ...], secret: str, ttl_s: int, *, clock: Clock | None = None) -> None:
        if not urls:
            raise ConfigError("a TURN relay needs at least one URL")
        self.urls = urls
        self._secret = secret
        self.ttl_s = ttl_s
        self.clock = clock or SystemClock()

    @classmethod
    def external(cls, ts: TurnSettings, *, clock: Clock | None = None) -> TurnRelay:
        return cls(tuple(ts.urls), ts.secret.get_secret_value(), ts.credential_ttl_s, clock=clock)

    def credential(self, merchant_id: str, identity: str) -> TurnCredential:
        return issue(self._secret, self.urls, merchant_id=merchant_id, identity=identity,
                     now=self.clock.wall(), ttl_s=self.ttl_s)


def load_secret(ts: TurnSettings, workdir: Path) -> str:
    """The configured secret, or one generated once into ``<workdir>/secret`` (mode 0600)."""
    configured = ts.secret.get_secret_value()
    if configured:
        return configured
    path = workdir / SECRET_FILE
    if path.exists():
        secret = path.read_text(encoding="utf-8").strip()
        if len(secret) >= 16:
            return secret
        raise ConfigError(f"{path} holds a TURN secret shorter than 16 characters; delete it to regenerate")
    workdir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secret + "\n")
    return secret


def self_signed(workdir: Path, host: str) -> tuple[Path, Path]:
    """A self-signed certificate for ``host`` in ``workdir`` (made once, kept for ten years)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    cert_path, key_path = workdir / "tls-cert.pem", workdir / "tls-key.pem"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    workdir.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    try:
        alt: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        alt = x509.DNSName(host)
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
            .sign(key, hashes.SHA256()))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    log.info("generated a self-signed TURN TLS certificate for %s in %s", host, cert_path)
    return cert_path, key_path


def janus_addresses(ice_enforce_list: str) -> tuple[str, ...]:
    """The IPv4 addresses the embedded Janus gathers candidates on: those of ``janus.ice_enforce_list``'s
    interfaces when set, else every non-loopback address of this host (Janus skips loopback)."""
    ifaces = [i.strip() for i in ice_enforce_list.split(",") if i.strip()]
    try:
        out = subprocess.run(["ip", "-j", "-4", "addr", "show"], capture_output=True, text=True, check=True,
                             timeout=5).stdout
        links = json.loads(out)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise ConfigError(f"cannot list this host's addresses for the TURN relay ({exc}); set "
                          "turn.allowed_peer_ips") from exc
    found = []
    for link in links:
        if ifaces and link.get("ifname") not in ifaces:
            continue
        for a in link.get("addr_info", []):
            ip = a.get("local", "")
            if ip and (ifaces or not ipaddress.ip_address(ip).is_loopback):
                found.append(ip)
    return tuple(dict.fromkeys(found))


def free_udp_tcp_port(host: str) -> int:
    """A port free for both TCP and UDP on ``host`` (coturn's listening-port takes both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind((host, 0))
            port = int(t.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                try:
                    u.bind((host, port))
                except OSError:
                    continue
                return port
    raise Unavailable(f"no port free for both TCP and UDP on {host}")


def binding_request() -> tuple[bytes, bytes]:
    """A STUN Binding request (RFC 8489, no attributes) and its transaction id."""
    tid = secrets.token_bytes(12)
    return struct.pack("!HHI", 0x0001, 0, STUN_MAGIC) + tid, tid


def is_binding_success(data: bytes, tid: bytes) -> bool:
    return len(data) >= 20 and struct.unpack("!HHI", data[:8])[0] == 0x0101 and data[8:20] == tid


async def stun_ping(host: str, port: int, *, tcp: bool, timeout: float = 1.0) -> None:
    """One STUN Binding round trip over UDP or TCP. Raises Unavailable when no valid answer comes."""
    req, tid = binding_request()
    try:
        async with asyncio.timeout(timeout):
            if tcp:
                reader, writer = await asyncio.open_connection(host, port)
                try:
                    writer.write(req)
                    header = await reader.readexactly(20)
                    length = struct.unpack("!H", header[2:4])[0]
                    data = header + await reader.readexactly(length)
                finally:
                    writer.close()
                    with contextlib.suppress(OSError):
                        await writer.wait_closed()
            else:
                data = await _udp_round_trip(host, port, req)
    except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
        raise Unavailable(f"TURN server {host}:{port} did not answer STUN ({type(exc).__name__}: {exc})") from exc
    if not is_binding_success(data, tid):
        raise Unavailable(f"TURN server {host}:{port} answered STUN with something else")


async def _udp_round_trip(host: str, port: int, req: bytes) -> bytes:
    loop = asyncio.get_running_loop()
    got: asyncio.Future[bytes] = loop.create_future()

    class _Proto(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
            if not got.done():
                got.set_result(data)

    transport, _ = await loop.create_datagram_endpoint(_Proto, remote_addr=(host, port))
    try:
        while True:  # UDP: resend every 200 ms until the caller's timeout
            transport.sendto(req)
            with contextlib.suppress(TimeoutError):
                return await asyncio.wait_for(asyncio.shield(got), 0.2)
    finally:
        transport.close()


class TurnSupervisor:
    def __init__(self, settings: Settings, *, workdir: Path | None = None, clock: Clock | None = None,
                 health_every_s: float = HEALTH_EVERY_S) -> None:
        ts = settings.turn
        self.settings = ts
        self.workdir = (workdir or settings.data_path / "turn").resolve()
        self.clock = clock or SystemClock()
        self.health_every_s = health_every_s
        secret = load_secret(ts, self.workdir)
        if ts.tls_cert:
            cert, key = Path(ts.tls_cert), Path(ts.tls_key)
        else:
            cert, key = self_signed(self.workdir, ts.public_host or ts.listen_ip)
        self.launch = TurnLaunch.from_settings(
            ts, workdir=self.workdir, secret=secret, port=ts.port or free_udp_tcp_port(ts.listen_ip),
            tls_port=ts.tls_port or free_udp_tcp_port(ts.listen_ip), tls_cert=cert, tls_key=key,
            default_peers=() if ts.allowed_peer_ips else janus_addresses(settings.janus.ice_enforce_list))
        self.restarts = 0
        self._proc: asyncio.subprocess.Process | None = None
        self._tasks = TaskOwner("turn-supervisor")
        self._closing = False
        self._started_at = 0.0

    def relay(self) -> TurnRelay:
        return TurnRelay(self.launch.urls(), self.launch.secret, self.settings.credential_ttl_s, clock=self.clock)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.returncode is None else None

    @property
    def log_path(self) -> Path:
        return self.launch.log_path

    async def start(self) -> TurnRelay:
        """Write the config, start coturn, return once it answers STUN. Raises Unavailable with its log tail."""
        if self._closing:
            raise Unavailable("turn supervisor is closed")
        if shutil.which(self.settings.binary) is None:
            raise ConfigError(f"TURN binary {self.settings.binary!r} not found (apt-get install coturn), "
                              "or set turn.mode = \"off\" / \"external\"")
        self.workdir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.launch.conf_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds the secret
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(render(self.launch))
        await self._spawn_and_wait()
        self._tasks.spawn(self._watch(), "watch")
        if self.health_every_s > 0:
            self._tasks.spawn(self._health_loop(), "health")
        return self.relay()

    async def _spawn_and_wait(self) -> None:
        argv = [self.settings.binary, "-c", str(self.launch.conf_path)]
        if shutil.which("setpriv"):
            argv = ["setpriv", "--pdeathsig", "KILL", "--", *argv]  # coturn dies with us, even on kill -9
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL, start_new_session=True, cwd=self.workdir)
        except FileNotFoundError as exc:
            raise ConfigError(f"TURN binary {self.settings.binary!r} not found (apt-get install coturn)") from exc
        self._started_at = self.clock.now()
        log.info("coturn started pid=%s urls=%s log=%s", self._proc.pid, ",".join(self.launch.urls()),
                 self.log_path)
        try:
            await self._wait_ready()
        except BaseException:
            await self._kill()
            raise

    async def health(self, timeout: float = 1.0) -> None:
        c = self.launch
        if "udp" in c.transports:
            await stun_ping(c.listen_ip, c.port, tcp=False, timeout=timeout)
        elif "tcp" in c.transports:
            await stun_ping(c.listen_ip, c.port, tcp=True, timeout=timeout)
        else:  # TLS only: the listener accepts
            try:
                async with asyncio.timeout(timeout):
                    _, writer = await asyncio.open_connection(c.listen_ip, c.tls_port)
                    writer.close()
            except (OSError, TimeoutError) as exc:
                raise Unavailable(f"TURN TLS port {c.tls_port} refused: {exc}") from exc

    async def _wait_ready(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_TIMEOUT_S
        last: Exception | None = None
        while loop.time() < deadline:
            if self._proc is None or self._proc.returncode is not None:
                code = self._proc.returncode if self._proc else None
                raise Unavailable(f"coturn exited with {code} while starting; log: {self.log_tail()}")
            try:
                await self.health(timeout=0.5)
                return
            except SoukError as exc:
                last = exc
                await asyncio.sleep(0.05)
        raise Unavailable(f"coturn did not answer within {READY_TIMEOUT_S}s ({last}); log: {self.log_tail()}")

    async def _watch(self) -> None:
        backoff = self.settings.restart_backoff_s
        while not self._closing:
            proc = self._proc
            if proc is None:
                return
            code = await proc.wait()
            if self._closing:
                return
            uptime = self.clock.now() - self._started_at
            if uptime > STABLE_AFTER_S:
                backoff = self.settings.restart_backoff_s
            log.error("coturn pid=%s exited with %s after %.1fs; restarting in %.1fs", proc.pid, code, uptime,
                      backoff)
            await self.clock.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_S)
            try:
                await self._spawn_and_wait()
            except SoukError as exc:
                log.error("coturn restart failed: %s", exc)
                continue
            self.restarts += 1

    async def _health_loop(self) -> None:
        failures = 0
        while not self._closing:
            await self.clock.sleep(self.health_every_s)
            if self.pid is None:
                failures = 0
                continue
            try:
                await self.health()
                failures = 0
            except SoukError as exc:
                failures += 1
                log.warning("coturn health check failed (%d): %s", failures, exc)
                if failures >= HEALTH_FAILURES_BEFORE_KILL:
                    log.error("coturn unresponsive; killing pid=%s", self.pid)
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
                log.warning("coturn pid=%s ignored SIGTERM for %.1fs; killing", proc.pid, grace_s)
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
        """Stop coturn (SIGTERM, then SIGKILL after 3 s) and the watchers. Idempotent."""
        if self._closing:
            await self._tasks.aclose()
            return
        self._closing = True
        await self._tasks.aclose()
        await self._kill(grace_s=3.0)
        log.info("coturn stopped")


async def start_turn(settings: Settings, *, clock: Clock | None = None) -> tuple[TurnRelay | None,
                                                                                 TurnSupervisor | None]:
    """The relay of ``settings.turn.mode``: embedded (coturn started here), external, or off (None)."""
    ts = settings.turn
    if ts.mode == "off":
        return None, None
    if ts.credential_ttl_s < settings.calls.max_call_s:
        log.warning("turn.credential_ttl_s (%d s) is shorter than calls.max_call_s (%.0f s): a relayed call "
                    "loses its relay when its credentials expire", ts.credential_ttl_s, settings.calls.max_call_s)
    if ts.mode == "external":
        return TurnRelay.external(ts, clock=clock), None
    sup = TurnSupervisor(settings, clock=clock)
    return await sup.start(), sup
