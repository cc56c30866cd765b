"""coturn's configuration for the embedded TURN relay, as a pure function of a frozen launch description.

The relay only reaches the addresses Souk's media lives on: every peer address is denied but
``allowed_peer_ips`` (default: the relay address, where the embedded Janus gathers), so a credential holder
cannot use it to reach anything else on the host's networks. Authentication is the REST-API shared secret
(``use-auth-secret``), see :mod:`souk.media.turncreds`; no user database, no telnet CLI.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from souk.core.settings import TurnSettings

Transport = str  # "udp" | "tcp" | "tls"


@dataclass(frozen=True, slots=True)
class TurnLaunch:
    workdir: Path
    secret: str
    realm: str
    listen_ip: str
    public_host: str
    relay_ip: str
    external_ip: str
    port: int
    tls_port: int
    transports: tuple[Transport, ...]
    min_port: int
    max_port: int
    allowed_peer_ips: tuple[str, ...]
    tls_cert: Path
    tls_key: Path

    @classmethod
    def from_settings(cls, ts: TurnSettings, *, workdir: Path, secret: str, port: int, tls_port: int,
                      tls_cert: Path, tls_key: Path, default_peers: tuple[str, ...] = ()) -> TurnLaunch:
        """``default_peers``: where the relay may send when ``allowed_peer_ips`` is empty (the supervisor
        passes the addresses the embedded Janus gathers on); without them, the relay address alone."""
        lo, hi = (int(x) for x in ts.relay_port_range.split("-"))
        relay_ip = ts.relay_ip or ts.listen_ip
        return cls(workdir=workdir, secret=secret, realm=ts.realm, listen_ip=ts.listen_ip,
                   public_host=ts.public_host or ts.listen_ip, relay_ip=relay_ip, external_ip=ts.external_ip,
                   port=port, tls_port=tls_port, transports=tuple(dict.fromkeys(ts.transports)),
                   min_port=lo, max_port=hi,
                   allowed_peer_ips=tuple(ts.allowed_peer_ips) or default_peers or (relay_ip,),
                   tls_cert=tls_cert, tls_key=tls_key)

    @property
    def conf_path(self) -> Path:
        return self.workdir / "turnserver.conf"

    @property
    def log_path(self) -> Path:
        return self.workdir / "turnserver.log"

    def urls(self) -> tuple[str, ...]:
        """The ICE server URLs clients get, UDP first (browsers try them all and keep what connects)."""
        host = self.public_host
        out = []
        if "udp" in self.transports:
            out.append(f"turn:{host}:{self.port}?transport=udp")
        if "tcp" in self.transports:
            out.append(f"turn:{host}:{self.port}?transport=tcp")
        if "tls" in self.transports:
            out.append(f"turns:{host}:{self.tls_port}?transport=tcp")
        return tuple(out)


def _is_loopback(ip_or_range: str) -> bool:
    try:
        return any(ipaddress.ip_address(part.strip()).is_loopback for part in ip_or_range.split("-"))
    except ValueError:
        return False


def render(c: TurnLaunch) -> str:
    """turnserver.conf for ``c`` (one option a line, coturn's own syntax)."""
    lines = [
        "# written by Souk (souk.media.turnconf); edits are overwritten at start",
        f"listening-ip={c.listen_ip}",
        f"listening-port={c.port}",
        f"tls-listening-port={c.tls_port}",
        f"relay-ip={c.relay_ip}",
        f"min-port={c.min_port}",
        f"max-port={c.max_port}",
        "fingerprint",
        "use-auth-secret",
        f"static-auth-secret={c.secret}",
        f"realm={c.realm}",
        f"cert={c.tls_cert}",
        f"pkey={c.tls_key}",
        "no-tlsv1",
        "no-tlsv1_1",
        "no-dtls",  # browsers speak TURN over UDP, TCP and TLS-over-TCP; DTLS-to-TURN is unused
        "no-tcp-relay",  # browsers relay UDP only: no RFC 6062 TCP connections from the relay to anything
        "no-cli",
        "no-multicast-peers",
        "no-software-attribute",
        f"userdb={c.workdir / 'turndb'}",
        f"pidfile={c.workdir / 'turnserver.pid'}",
        f"log-file={c.log_path}",
        "simple-log",
        "no-stdout-log",
        "denied-peer-ip=0.0.0.0-255.255.255.255",
        "denied-peer-ip=::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ]
    if c.external_ip:
        lines.append(f"external-ip={c.external_ip}")
    lines += [f"allowed-peer-ip={ip}" for ip in c.allowed_peer_ips]
    if any(_is_loopback(ip) for ip in (c.relay_ip, *c.allowed_peer_ips)):
        lines.append("allow-loopback-peers")  # tests and single-host setups: Janus on 127.0.0.x
    if "udp" not in c.transports:
        lines.append("no-udp")
    if "tcp" not in c.transports:
        lines.append("no-tcp")
    if "tls" not in c.transports:
        lines.append("no-tls")
    return "\n".join(lines) + "\n"
