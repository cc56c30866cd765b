"""The plumbing of one emulated link: two TUN devices, the shopper-side namespace, their addresses.

Link ``n`` joins the caller's namespace ("core": Janus, Souk) to a fresh namespace ("shopper") by a
point-to-point pair of TUN devices: ``lkc<n>`` stays here with 10.77.<n>.1, ``lks<n>`` is moved into the
shopper namespace with 10.77.<n>.2 (its default route). Both file descriptors stay with the process that
opened them, which moves every packet across (souk.bench.linkem.forwarder). The shopper namespace lives as
long as a holder process (``unshare -n cat`` reading a pipe this process keeps): when the emulator exits,
the pipe closes, the holder exits, the devices vanish with their descriptors.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import socket
import struct
import subprocess
import threading
import time
from dataclasses import dataclass

from souk.core.errors import ConfigError

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000
MAX_INDEX = 255


@dataclass(frozen=True, slots=True)
class LinkAddrs:
    index: int
    core_dev: str
    shopper_dev: str
    core_addr: str
    shopper_addr: str

    @classmethod
    def of(cls, index: int) -> LinkAddrs:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= MAX_INDEX:
            raise ConfigError(f"link index must be an integer in [0, {MAX_INDEX}], got {index!r}")
        return cls(index, f"lkc{index}", f"lks{index}", f"10.77.{index}.1", f"10.77.{index}.2")


def check_host() -> None:
    """Raise ConfigError saying what is missing when links cannot be made here."""
    for tool, pkg in (("ip", "iproute2"), ("unshare", "util-linux"), ("nsenter", "util-linux")):
        if shutil.which(tool) is None:
            raise ConfigError(f"{tool} is needed for emulated links: apt-get install {pkg}")
    if not os.path.exists("/dev/net/tun"):
        raise ConfigError("/dev/net/tun is missing: the kernel needs TUN support (or the container "
                          "--device /dev/net/tun)")
    if not os.access("/dev/net/tun", os.R_OK | os.W_OK):
        raise ConfigError("/dev/net/tun is not usable by this user: emulated links need root "
                          "(or CAP_NET_ADMIN and CAP_SYS_ADMIN)")


def open_tun(name: str) -> int:
    """A non-blocking descriptor of a new TUN device ``name`` (IP packets, no extra header)."""
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    except OSError as exc:
        os.close(fd)
        if exc.errno == errno.EBUSY:
            raise ConfigError(f"device {name} exists already: is another link with this index running?") from exc
        if exc.errno == errno.EPERM:
            raise ConfigError("creating a TUN device needs CAP_NET_ADMIN (run as root)") from exc
        raise ConfigError(f"cannot create TUN device {name}: {exc.strerror}") from exc
    return fd


def _run(argv: list[str]) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise ConfigError(f"link setup failed: {' '.join(argv)}: {proc.stderr.strip() or proc.returncode}")


def ns_path(pid: int) -> str:
    return f"/proc/{pid}/ns/net"


def enter_argv(pid: int, cmd: list[str]) -> list[str]:
    """argv that runs ``cmd`` in the shopper namespace held by ``pid``."""
    return ["nsenter", f"--net={ns_path(pid)}", "--", *cmd]


def start_holder(timeout_s: float = 5.0) -> subprocess.Popen[bytes]:
    """A process alone in a fresh network namespace, alive while its stdin pipe stays open."""
    holder = subprocess.Popen(["unshare", "-n", "--", "cat"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    mine = os.stat("/proc/self/ns/net").st_ino
    deadline = time.monotonic() + timeout_s
    while True:  # `ip link set ... netns PID` must not run before unshare(2) did
        try:
            if os.stat(ns_path(holder.pid)).st_ino != mine:
                return holder
        except FileNotFoundError:
            pass
        if holder.poll() is not None or time.monotonic() > deadline:
            err = holder.stderr.read().decode(errors="replace").strip() if holder.stderr else ""
            holder.kill()
            holder.wait()
            raise ConfigError(f"cannot create the shopper namespace (unshare -n): {err or 'timed out'}")
        time.sleep(0.002)


def _disable_ipv6(dev: str) -> None:
    with open(f"/proc/sys/net/ipv6/conf/{dev}/disable_ipv6", "w") as f:
        f.write("1")


def configure(addrs: LinkAddrs, holder_pid: int) -> None:
    """Move the shopper device into the holder's namespace and address both ends (IPv6 off)."""
    a = addrs
    _run(["ip", "link", "set", a.shopper_dev, "netns", str(holder_pid)])
    _disable_ipv6(a.core_dev)
    _run(["ip", "addr", "add", a.core_addr, "peer", a.shopper_addr, "dev", a.core_dev])
    _run(["ip", "link", "set", a.core_dev, "up"])
    inside = f"/proc/sys/net/ipv6/conf/{a.shopper_dev}/disable_ipv6"
    for cmd in (["ip", "link", "set", "lo", "up"], ["sh", "-c", f"echo 1 > {inside}"],
                ["ip", "addr", "add", a.shopper_addr, "peer", a.core_addr, "dev", a.shopper_dev],
                ["ip", "link", "set", a.shopper_dev, "up"],
                ["ip", "route", "add", "default", "dev", a.shopper_dev]):
        _run(enter_argv(holder_pid, cmd))


def socket_in(pid: int, family: int = socket.AF_INET, kind: int = socket.SOCK_DGRAM) -> socket.socket:
    """A socket that lives in the namespace of ``pid`` (made on a short-lived thread that enters it)."""
    box: list[socket.socket | OSError] = []

    def make() -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            with open(ns_path(pid)) as ns:
                if libc.setns(ns.fileno(), CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"setns: {os.strerror(err)}")
            box.append(socket.socket(family, kind))
        except OSError as exc:  # handed to the caller's thread below
            box.append(exc)

    t = threading.Thread(target=make, name="linkem-setns")
    t.start()
    t.join()
    if isinstance(box[0], OSError):
        raise ConfigError(f"cannot open a socket in the shopper namespace: {box[0]}") from box[0]
    return box[0]
