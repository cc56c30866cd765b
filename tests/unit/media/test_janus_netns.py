"""The network-namespace runner: its setup commands, exit codes, and the message when it cannot work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from souk.media.netns import EXIT_NO_NETNS, check_unshare, inside_netns, setup_commands, wrapper_argv


def _netns(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "souk.media.netns", *args], capture_output=True, text=True,
                          env=env, timeout=30, check=False)


def test_setup_commands() -> None:
    cmds = setup_commands()
    assert ["ip", "link", "add", "vA", "type", "veth", "peer", "name", "vB"] in cmds
    assert ["ip", "addr", "add", "127.0.0.2/32", "dev", "vA"] in cmds
    assert ["sysctl", "-q", "-w", "net.ipv6.conf.vA.disable_ipv6=1"] in cmds
    assert not any(c[0] == "tc" for c in cmds)
    shaped = setup_commands("delay 75ms loss 2%")
    assert shaped[-1] == ["tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "75ms", "loss", "2%"]


def test_wrapper_argv_runs_our_inner_step_under_unshare() -> None:
    argv = wrapper_argv(["echo", "hi"])
    assert argv[:3] == ["unshare", "-n", "--"] and argv[-3:] == ["--", "echo", "hi"]


def test_clear_message_when_namespaces_are_not_possible(tmp_path: Path) -> None:
    # a PATH without unshare stands in for a machine where it is missing or not permitted
    env = {**os.environ, "PATH": str(tmp_path)}
    env.pop("SOUK_NETNS", None)
    proc = _netns("run", "--", "true", env=env)
    assert proc.returncode == EXIT_NO_NETNS
    assert "unshare" in proc.stderr and "apt-get install" in proc.stderr
    fallback = _netns("run", "--fallback", "--", sys.executable, "-c", "print('ran')", env=env)
    assert fallback.returncode == 0 and "ran" in fallback.stdout and "will skip" in fallback.stderr


@pytest.mark.skipif(check_unshare() is not None, reason="network namespaces not permitted here")
def test_runs_command_in_namespace_with_veth_and_exit_code() -> None:
    script = ("import os,sys; from souk.media.netns import inside_netns; "
              "print(inside_netns(), os.environ['SOUK_JANUS__ICE_ENFORCE_LIST'], "
              "open('/proc/sys/net/ipv6/conf/vA/disable_ipv6').read().strip()); sys.exit(7)")
    env = {k: v for k, v in os.environ.items() if k != "SOUK_NETNS"}
    proc = _netns("run", "--", sys.executable, "-c", script, env=env)
    assert proc.returncode == 7, proc.stderr
    assert proc.stdout.split() == ["True", "vA", "1"]


def test_inside_netns_needs_the_interface(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOUK_NETNS", raising=False)
    assert not inside_netns()
