"""The embedded TURN relay: Debian's coturn (``turnserver -c <conf>``) started and supervised by Souk.

Like :class:`souk.media.supervisor.JanusSupervisor` for Janus: the supervisor writes its own config
(:mod:`souk.media.turnconf`), picks free ports when the settings say 0, keeps the shared secret in
``<data_dir>/turn/secret`` and a self-signed TLS pair beside it when none is configured, waits until coturn
answers a STUN Binding request, then watches the process: when it dies it is restarted with exponential
backoff on the same ports and secret (credentials already handed out stay valid); when it stops answering
it is killed and restarted (:class:`souk.media.process.Supervised`). A missing binary is a ConfigError that says what to install.

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
import socket
import struct
import subprocess
from pathlib import Path

from souk.core.clock import Clock, SystemClock
from souk.core.errors import ConfigError, Unavailable
from souk.core.secrets_filter import register_secret
from souk.core.settings import Settings, TurnSettings
from souk.media.process import Supervised
from souk.media.turnconf import TurnLaunch, render
from souk.media.turncreds import TurnCredential, issue

log = logging.getLogger(__name__)

HEALTH_EVERY_S = 5.0
SECRET_FILE = "secret"
STUN_MAGIC = 0x2112A442


class TurnRelay:
    """Issues TURN credentials for a token's merchant and identity: ``ice_servers(...)`` for the welcome."""

    def __init__(self, urls: tuple[str, ...], secret: str, ttl_s: int, *, clock: Clock | None = None) -> None:
        if not urls:
            raise ConfigError("a TURN relay needs at least one URL")
        self.urls = urls
        self._secret = secret
        register_secret(secret)  # masked in every log line (souk.core.secrets_filter)
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


class TurnSupervisor(Supervised):
    name = "coturn"
    install_hint = "apt-get install coturn, or set turn.mode = \"off\" / \"external\""
    ready_timeout_s = 10.0
    ready_check_timeout_s = 0.5
    stop_grace_s = 3.0
    log_stdout = False  # coturn writes its own log file (turnconf: log-file)

    def __init__(self, settings: Settings, *, workdir: Path | None = None, clock: Clock | None = None,
                 health_every_s: float = HEALTH_EVERY_S) -> None:
        ts = settings.turn
        workdir = (workdir or settings.data_path / "turn").resolve()
        secret = load_secret(ts, workdir)
        if ts.tls_cert:
            cert, key = Path(ts.tls_cert), Path(ts.tls_key)
        else:
            cert, key = self_signed(workdir, ts.public_host or ts.listen_ip)
        launch = TurnLaunch.from_settings(
            ts, workdir=workdir, secret=secret, port=ts.port or free_udp_tcp_port(ts.listen_ip),
            tls_port=ts.tls_port or free_udp_tcp_port(ts.listen_ip), tls_cert=cert, tls_key=key,
            default_peers=() if ts.allowed_peer_ips else janus_addresses(settings.janus.ice_enforce_list))
        super().__init__(workdir=workdir, log_path=launch.log_path, binary=ts.binary,
                         restart_backoff_s=ts.restart_backoff_s, clock=clock, health_every_s=health_every_s,
                         health_timeout_s=1.0)
        self.settings = ts
        self.launch = launch

    def relay(self) -> TurnRelay:
        return TurnRelay(self.launch.urls(), self.launch.secret, self.settings.credential_ttl_s, clock=self.clock)

    async def start(self) -> TurnRelay:
        """Write the config, start coturn, return once it answers STUN. Raises Unavailable with its log tail
        (ConfigError when the binary is missing)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.launch.conf_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds the secret
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(render(self.launch))
        await self._launch()
        return self.relay()

    def argv(self) -> list[str]:
        return [self.binary, "-c", str(self.launch.conf_path)]

    def describe(self) -> str:
        return f"urls={','.join(self.launch.urls())}"

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
