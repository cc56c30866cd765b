"""`souk doctor` checks for the media plane, as plain functions returning :class:`Check` values."""

from __future__ import annotations

import errno
import os
import re
import shutil
import socket
import subprocess
from dataclasses import dataclass

from souk.core.settings import Settings
from souk.media.config import BIND_IP, LIB_DIR, PLUGINS_KEPT


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str
    hint: str = ""


def check_janus_binary(settings: Settings) -> Check:
    """Janus is installed, runs, and is a 1.x with the plugins Souk needs."""
    name = "janus installed"
    if settings.janus.mode == "external":
        return Check(name, True, f"external mode: {len(settings.janus.urls)} node URL(s); binary not needed")
    binary = settings.janus.binary
    path = shutil.which(binary)
    if path is None:
        return Check(name, False, f"{binary!r} not on PATH", "apt-get install janus (or make setup)")
    try:
        # Janus 1.1 has no --version flag: --help prints the version banner first and exits 0
        proc = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check(name, False, f"{path} does not run: {exc}", "reinstall janus")
    match = re.search(r"\((\d+\.\d+\.\d+)\)", proc.stdout)
    if proc.returncode != 0 or match is None:
        return Check(name, False, f"{path} --help gave no version: {proc.stderr.strip()[:200]}", "reinstall janus")
    version = match.group(1)
    if not version.startswith("1."):
        return Check(name, False, f"janus {version} found; Souk needs 1.x", "install janus 1.1.x")
    missing = [p for p in PLUGINS_KEPT if not os.path.exists(f"{LIB_DIR}/plugins/{p}")]
    if missing:
        return Check(name, False, f"janus {version} lacks plugins: {', '.join(missing)}", "apt-get install janus")
    return Check(name, True, f"janus {version} at {path}")


def port_free(port: int, host: str = BIND_IP) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def check_ports(settings: Settings) -> Check:
    """The configured Janus API ports are free (0 means "pick a free one": always fine)."""
    name = "janus ports free"
    if settings.janus.mode == "external":
        return Check(name, True, "external mode: Souk binds no Janus ports")
    js = settings.janus
    fixed = {"ws_port": js.ws_port, "admin_ws_port": js.admin_ws_port}
    busy = [f"{k}={v}" for k, v in fixed.items() if v and not port_free(v)]
    if js.ws_port and js.ws_port == js.admin_ws_port:
        return Check(name, False, "ws_port and admin_ws_port are the same", "set different ports or 0")
    lo, hi = (int(x) for x in js.rtp_port_range.split("-"))
    if lo <= settings.server.port <= hi:
        return Check(name, False, f"server port {settings.server.port} is inside rtp_port_range {lo}-{hi}",
                     "move the server port or the RTP range")
    if busy:
        return Check(name, False, f"in use on {BIND_IP}: {', '.join(busy)}",
                     "stop what holds them or set SOUK_JANUS__WS_PORT=0 to pick free ports")
    picked = ", ".join(f"{k}={v or 'auto'}" for k, v in fixed.items())
    return Check(name, True, f"{picked}; rtp {js.rtp_port_range}")


def check_netns() -> Check:
    """Whether WebRTC self-tests can run here (they need a network namespace; informational)."""
    from souk.media.netns import check_unshare

    problem = check_unshare()
    return Check("network namespaces (media self-tests)", problem is None, problem or "unshare -n works",
                 "" if problem is None else "only needed for tests and benchmarks")


def check_turn_binary(settings: Settings) -> Check:
    """coturn is installed when Souk is to run it (turn.mode = "embedded"; docs/turn.md)."""
    name = "coturn installed"
    if settings.turn.mode != "embedded":
        return Check(name, True, f"turn.mode = {settings.turn.mode}: Souk runs no TURN server")
    path = shutil.which(settings.turn.binary)
    if path is None:
        return Check(name, False, f"{settings.turn.binary!r} not on PATH",
                     "apt-get install coturn (or make setup), or set turn.mode to external or off")
    return Check(name, True, f"coturn at {path}")


def media_checks(settings: Settings) -> list[Check]:
    return [check_janus_binary(settings), check_ports(settings), check_turn_binary(settings)]
