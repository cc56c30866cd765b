"""A hostile WebSocket client on a plain socket: it upgrades, then sends frames and never reads a byte.

Its receive buffer is tiny, so whatever the server answers piles up on the server's side; ``flood`` runs in
a thread (the server under test shares the event loop of its caller: a test, or ``souk bench abuse``) until
the server drops the connection.
"""

from __future__ import annotations

import base64
import os
import socket
import struct
import threading
import time
from dataclasses import dataclass


def frame(payload: bytes, opcode: int = 1) -> bytes:
    """One masked client frame (text by default)."""
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def connect(host: str, port: int, path: str, *, rcvbuf: int = 4096) -> socket.socket:
    """Upgrade ``path`` and return the socket (raises when the server does not answer 101)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(5)
    s.connect((host, port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)  # byte by byte: not one byte of the frames after the answer is read
        if not chunk:
            raise ConnectionError("closed during the upgrade")
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(f"upgrade refused: {head.splitlines()[0]!r}")
    return s


@dataclass
class Flood:
    sent: int = 0  # frames
    cut_after_s: float | None = None  # when the server dropped the connection (None: it never did)


def flood(s: socket.socket, payload: bytes, *, seconds: float, stop: threading.Event | None = None) -> Flood:
    """Send ``payload`` frames (and never read) until the server drops the connection, ``stop`` is set or
    time runs out. A server behind ASGI cannot reset the connection: it stops reading and lets it linger."""
    out = Flood()
    data = frame(payload) * 32
    s.settimeout(0.5)
    start = time.monotonic()
    while time.monotonic() - start < seconds and not (stop is not None and stop.is_set()):
        try:
            s.sendall(data)
            out.sent += 32
        except TimeoutError:
            continue  # the server stopped reading for now
        except OSError:  # reset or broken pipe: the server has closed the connection
            out.cut_after_s = time.monotonic() - start
            break
    s.close()
    return out


def rss_mb() -> float:
    """This process's resident memory (the server under test runs in it)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0
