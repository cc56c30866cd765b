"""Run a command in a private network namespace where WebRTC on the loopback range works.

Janus never gathers ICE candidates on loopback interfaces and aioice drops 127.0.0.1, so tests and
benchmarks that must keep all traffic on this machine run in a fresh namespace (``unshare -n``) with ``lo`` up
and a veth pair whose end ``vA`` carries 127.0.0.2/32 (IPv6 off on both ends). Janus is told to gather only
on ``vA`` through ``SOUK_JANUS__ICE_ENFORCE_LIST=vA``; Chromium and aiortc find 127.0.0.2 themselves.

    python -m souk.media.netns run [--netem "delay 75ms loss 2%"] -- CMD ARGS...

Shaping: traffic between local addresses is delivered through ``lo`` whichever interface carries them, so
``--netem`` shapes ``lo`` by default (``--netem-dev`` to change). It needs the kernel's ``sch_netem``.
From Python, :func:`reexec_in_netns` re-runs the current process inside such a namespace.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence

from souk.core.errors import ConfigError

VETH = "vA"
VETH_PEER = "vB"
VETH_ADDR = "127.0.0.2"
MARKER = "SOUK_NETNS"
EXIT_NO_NETNS = 3


def inside_netns() -> bool:
    """True inside a namespace made by this module (the marker is set and vA carries 127.0.0.2)."""
    # /proc/sys/net is per network namespace (/sys/class/net shows the namespace that mounted /sys)
    return os.environ.get(MARKER) == "1" and os.path.exists(f"/proc/sys/net/ipv4/conf/{VETH}")


def check_unshare() -> str | None:
    """None when ``unshare -n`` works here, else a sentence saying why not and what to do."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "unshare (util-linux) and ip (iproute2) are needed: apt-get install util-linux iproute2"
    proc = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        why = proc.stderr.strip() or f"exit {proc.returncode}"
        return (f"cannot create a network namespace ({why}). Run as root, or give the container "
                "CAP_SYS_ADMIN and CAP_NET_ADMIN (docker run --cap-add SYS_ADMIN --cap-add NET_ADMIN)")
    return None


def setup_commands(netem: str | None = None, netem_dev: str = "lo") -> list[list[str]]:
    """The ip/tc commands run inside the fresh namespace (pure, for tests and --dry-run)."""
    cmds = [
        ["ip", "link", "set", "lo", "up"],
        ["ip", "link", "add", VETH, "type", "veth", "peer", "name", VETH_PEER],
        ["sysctl", "-q", "-w", f"net.ipv6.conf.{VETH}.disable_ipv6=1"],
        ["sysctl", "-q", "-w", f"net.ipv6.conf.{VETH_PEER}.disable_ipv6=1"],
        ["ip", "addr", "add", f"{VETH_ADDR}/32", "dev", VETH],
        ["ip", "link", "set", VETH, "up"],
        ["ip", "link", "set", VETH_PEER, "up"],
    ]
    if netem:
        cmds.append(["tc", "qdisc", "add", "dev", netem_dev, "root", "netem", *shlex.split(netem)])
    return cmds


def _setup(netem: str | None, netem_dev: str) -> None:
    for cmd in setup_commands(netem, netem_dev):
        if cmd[0] == "sysctl":  # write /proc directly: no dependency on procps
            key, value = cmd[-1].split("=")
            with open("/proc/sys/" + key.replace(".", "/"), "w") as f:
                f.write(value)
            continue
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            hint = " (is the sch_netem kernel module available?)" if cmd[0] == "tc" else ""
            raise ConfigError(f"netns setup failed: {' '.join(cmd)}: {proc.stderr.strip()}{hint}")


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env[MARKER] = "1"
    env["SOUK_JANUS__ICE_ENFORCE_LIST"] = VETH
    return env


def wrapper_argv(cmd: Sequence[str], netem: str | None = None, netem_dev: str = "lo") -> list[str]:
    """argv that runs ``cmd`` inside a fresh namespace via ``unshare -n`` and this module's setup step."""
    argv = ["unshare", "-n", "--", sys.executable, "-m", "souk.media.netns", "_inner"]
    if netem:
        argv += ["--netem", netem, "--netem-dev", netem_dev]
    return argv + ["--", *cmd]


def run(cmd: Sequence[str], netem: str | None = None, netem_dev: str = "lo", *, fallback: bool = False) -> int:
    """Run ``cmd`` in a fresh namespace and return its exit code (EXIT_NO_NETNS if none can be made).

    With ``fallback``, a machine without namespaces runs ``cmd`` as is after a warning (WebRTC tests then
    skip with a reason instead of the whole run failing).
    """
    if not cmd:
        raise ConfigError("no command given")
    if inside_netns() and not netem:
        return subprocess.call(list(cmd), env=_child_env())
    problem = check_unshare()
    if problem:
        print(f"souk.media.netns: {problem}", file=sys.stderr)
        if fallback:
            print("souk.media.netns: running without a namespace; WebRTC media tests will skip", file=sys.stderr)
            return subprocess.call(list(cmd))
        return EXIT_NO_NETNS
    return subprocess.call(wrapper_argv(cmd, netem, netem_dev))


def reexec_in_netns(netem: str | None = None, netem_dev: str = "lo") -> None:
    """Replace this process with the same command run inside a fresh namespace (no-op when inside one).

    Raises ConfigError with the reason when namespaces are not permitted.
    """
    if inside_netns():
        if netem:
            raise ConfigError("already inside a media namespace: shaping must be set by the outer "
                              "`python -m souk.media.netns run --netem ...`")
        return
    if os.environ.get(MARKER) == "1":
        raise ConfigError(f"{MARKER}=1 is set but {VETH} does not exist here; refusing to re-exec again")
    problem = check_unshare()
    if problem:
        raise ConfigError(problem)
    argv = wrapper_argv(list(sys.orig_argv), netem, netem_dev)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvp(argv[0], argv)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m souk.media.netns", description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["run", "_inner", "check"])
    parser.add_argument("--netem", default=None, help='tc netem arguments, e.g. "delay 75ms loss 2%%"')
    parser.add_argument("--netem-dev", default="lo")
    parser.add_argument("--fallback", action="store_true",
                        help="run the command without a namespace (after a warning) when none can be made")
    argv = list(sys.argv[1:] if argv is None else argv)
    cut = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:cut])
    cmd = argv[cut + 1:]
    if args.mode == "check":
        problem = check_unshare()
        print(problem or "ok: network namespaces available")
        return EXIT_NO_NETNS if problem else 0
    if args.mode == "run":
        try:
            return run(cmd, args.netem, args.netem_dev, fallback=args.fallback)
        except ConfigError as exc:
            print(f"souk.media.netns: {exc.message}", file=sys.stderr)
            return 2
    try:  # _inner: we are the first process in the new namespace
        _setup(args.netem, args.netem_dev)
    except ConfigError as exc:
        print(f"souk.media.netns: {exc.message}", file=sys.stderr)
        return 2
    if not cmd:
        print("souk.media.netns: no command given", file=sys.stderr)
        return 2
    env = _child_env()
    try:
        os.execvpe(cmd[0], cmd, env)
    except FileNotFoundError:
        print(f"souk.media.netns: command not found: {cmd[0]}", file=sys.stderr)
        return 127


if __name__ == "__main__":
    sys.exit(main())
