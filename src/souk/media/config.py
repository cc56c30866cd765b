"""Janus configuration folder writer: a pure function from resolved settings to {file name: text}.

Janus 1.1.2 reads ``janus.jcfg`` (libconfig syntax) plus one file per plugin/transport from the folder given
with ``-F``. Only what Souk uses is loaded: the WebSocket transport (Janus API and admin API, both bound to
127.0.0.1) and the VideoRoom, Streaming and AudioBridge plugins, and, when Souk asks for media statistics, the
HTTP event handler sampleevh (souk.media.evh). Every other plugin, transport, event handler and logger is
disabled (Debian's mqtt transport config does not even parse).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from souk.core.errors import ConfigError
from souk.core.settings import JanusSettings

LIB_DIR = "/usr/lib/x86_64-linux-gnu/janus"
PLUGINS_KEPT = ("libjanus_videoroom.so", "libjanus_streaming.so", "libjanus_audiobridge.so")
PLUGINS_DISABLED = (
    "libjanus_duktape.so", "libjanus_echotest.so", "libjanus_lua.so", "libjanus_nosip.so",
    "libjanus_recordplay.so", "libjanus_sip.so", "libjanus_textroom.so", "libjanus_videocall.so",
    "libjanus_voicemail.so",
)
TRANSPORTS_DISABLED = (
    "libjanus_http.so", "libjanus_mqtt.so", "libjanus_nanomsg.so", "libjanus_pfunix.so", "libjanus_rabbitmq.so",
)
EVENTS_DISABLED = (
    "libjanus_gelfevh.so", "libjanus_mqttevh.so", "libjanus_nanomsgevh.so", "libjanus_rabbitmqevh.so",
    "libjanus_sampleevh.so", "libjanus_wsevh.so",
)
LOGGERS_DISABLED = ("libjanus_jsonlog.so",)
BIND_IP = "127.0.0.1"

Value = Union[str, int, bool, list[str], "Section"]
Section = Mapping[str, Value]


@dataclass(frozen=True, slots=True)
class JanusLaunch:
    """Everything needed to write one Janus config folder; secrets and ports already resolved."""

    confdir: Path
    ws_port: int
    admin_ws_port: int
    api_secret: str
    admin_secret: str
    admin_key: str
    event_loops: int
    rtp_port_range: str
    recordings_dir: Path
    relay_port_range: str = ""
    ice_enforce_list: str = ""
    nat_1_1_mapping: str = ""
    stun_server: str = ""
    turn_server: str = ""
    turn_user: str = ""
    turn_password: str = ""
    lib_dir: str = LIB_DIR
    debug_level: int = 4
    session_timeout_s: int = 60
    min_nack_queue_ms: int = 1000
    # Janus's HTTP event handler (sampleevh) posting media statistics to Souk (souk.media.evh); "" = none
    events_url: str = ""
    events_user: str = ""
    events_secret: str = ""
    stats_period_s: int = 5

    @classmethod
    def from_settings(cls, js: JanusSettings, *, confdir: Path, recordings_dir: Path, ws_port: int,
                      admin_ws_port: int, api_secret: str, admin_secret: str, admin_key: str,
                      cores: int | None = None) -> JanusLaunch:
        if not (api_secret and admin_secret and admin_key):
            raise ConfigError("Janus needs api_secret, admin_secret and admin_key (generate them when empty)")
        loops = js.event_loops or cores or os.cpu_count() or 1
        return cls(
            confdir=confdir, ws_port=ws_port, admin_ws_port=admin_ws_port, api_secret=api_secret,
            admin_secret=admin_secret, admin_key=admin_key, event_loops=loops,
            rtp_port_range=js.rtp_port_range, relay_port_range=js.relay_port_range, recordings_dir=recordings_dir,
            ice_enforce_list=js.ice_enforce_list, nat_1_1_mapping=js.nat_1_1_mapping,
            stun_server=js.stun_server, turn_server=js.turn_server, turn_user=js.turn_user,
            turn_password=js.turn_password.get_secret_value(), min_nack_queue_ms=js.min_nack_queue_ms,
        )


def render_config(c: JanusLaunch) -> dict[str, str]:
    """The config folder's files. Pure: same input, same text."""
    return {
        "janus.jcfg": render_jcfg(_core(c)),
        "janus.transport.websockets.jcfg": render_jcfg(_websockets(c)),
        "janus.plugin.videoroom.jcfg": render_jcfg({"general": {"admin_key": c.admin_key, "lock_rtp_forward": True,
                                                                 "events": False}}),
        "janus.plugin.streaming.jcfg": render_jcfg({"general": _streaming(c)}),
        "janus.plugin.audiobridge.jcfg": render_jcfg({"general": {"admin_key": c.admin_key,
                                                                   "lock_rtp_forward": True, "events": False}}),
        **({"janus.eventhandler.sampleevh.jcfg": render_jcfg({"general": _sampleevh(c)})} if c.events_url else {}),
    }


def _sampleevh(c: JanusLaunch) -> dict[str, Value]:
    """Media events only (type 32), grouped, compact JSON, to Souk with HTTP Basic auth."""
    general: dict[str, Value] = {"enabled": True, "events": "media", "grouping": True, "json": "plain",
                                 "backend": c.events_url, "max_retransmissions": 2, "retransmissions_backoff": 200}
    if c.events_user:
        general.update(backend_user=c.events_user, backend_pwd=c.events_secret)
    return general


def write_config(c: JanusLaunch) -> dict[str, Path]:
    """Write :func:`render_config` into ``c.confdir`` (owner-only permissions: it holds secrets)."""
    c.confdir.mkdir(parents=True, exist_ok=True, mode=0o700)
    c.recordings_dir.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, text in render_config(c).items():
        path = c.confdir / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        out[name] = path
    return out


def _split_host_port(value: str, default_port: int) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep:
        return value, default_port
    try:
        return host, int(port)
    except ValueError as exc:
        raise ConfigError(f"bad host:port {value!r}") from exc


def _core(c: JanusLaunch) -> dict[str, Section]:
    general: dict[str, Value] = {
        "configs_folder": str(c.confdir),
        "plugins_folder": f"{c.lib_dir}/plugins",
        "transports_folder": f"{c.lib_dir}/transports",
        "events_folder": f"{c.lib_dir}/events",
        "loggers_folder": f"{c.lib_dir}/loggers",
        "debug_level": c.debug_level,
        "debug_timestamps": True,
        "debug_colors": False,
        "api_secret": c.api_secret,
        "admin_secret": c.admin_secret,
        "server_name": "souk",
        "session_timeout": c.session_timeout_s,
        "event_loops": c.event_loops,
        "hide_dependencies": True,
        "recordings_tmp_ext": "tmp",
        "protected_folders": ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/sbin", "/sys",
                              "/usr", str(c.confdir)],
    }
    media: dict[str, Value] = {"rtp_port_range": c.rtp_port_range, "min_nack_queue": c.min_nack_queue_ms}
    nat: dict[str, Value] = {"nice_debug": False, "ice_ignore_list": "vmnet"}
    if c.ice_enforce_list:
        nat["ice_enforce_list"] = c.ice_enforce_list
    if c.nat_1_1_mapping:
        nat["nat_1_1_mapping"] = c.nat_1_1_mapping
    if c.stun_server:
        host, port = _split_host_port(c.stun_server, 3478)
        nat["stun_server"], nat["stun_port"] = host, port
    if c.turn_server:
        host, port = _split_host_port(c.turn_server, 3478)
        nat.update(turn_server=host, turn_port=port, turn_type="udp")
        if c.turn_user:
            nat.update(turn_user=c.turn_user, turn_pwd=c.turn_password)
    return {
        "general": general,
        "certificates": {},
        "media": media,
        "nat": nat,
        "plugins": {"disable": ",".join(PLUGINS_DISABLED)},
        "transports": {"disable": ",".join(TRANSPORTS_DISABLED)},
        "loggers": {"disable": ",".join(LOGGERS_DISABLED)},
        "events": _events(c),
    }


def _events(c: JanusLaunch) -> dict[str, Value]:
    if not c.events_url:
        return {"broadcast": False, "disable": ",".join(EVENTS_DISABLED)}
    disabled = [e for e in EVENTS_DISABLED if e != "libjanus_sampleevh.so"]
    return {"broadcast": True, "stats_period": c.stats_period_s, "disable": ",".join(disabled)}


def _streaming(c: JanusLaunch) -> dict[str, Value]:
    general: dict[str, Value] = {"admin_key": c.admin_key, "events": False}
    if c.relay_port_range:
        general["rtp_port_range"] = c.relay_port_range  # ports of the audience-relay mountpoints
    return general


def _websockets(c: JanusLaunch) -> dict[str, Section]:
    return {
        "general": {"json": "compact", "ws": True, "ws_port": c.ws_port, "ws_ip": BIND_IP, "wss": False,
                    "ws_acl": "127.0.0.1"},
        "admin": {"admin_ws": True, "admin_ws_port": c.admin_ws_port, "admin_ws_ip": BIND_IP,
                  "admin_wss": False, "admin_ws_acl": "127.0.0.1"},
    }


def render_jcfg(sections: Mapping[str, Section]) -> str:
    """libconfig text for Janus's .jcfg files (a header comment, then one block per section)."""
    lines = ["# Written by Souk (souk.media.config); edits are overwritten on start."]
    for name, body in sections.items():
        lines.append(f"{name}: {{")
        lines.extend(_entries(body, 1))
        lines.append("}")
    return "\n".join(lines) + "\n"


def _entries(body: Section, depth: int) -> list[str]:
    pad = "\t" * depth
    out: list[str] = []
    for key, value in body.items():
        if isinstance(value, Mapping):
            out.append(f"{pad}{key}: {{")
            out.extend(_entries(value, depth + 1))
            out.append(f"{pad}}}")
        else:
            out.append(f"{pad}{key} = {_scalar(value)}")
    return out


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    raise ConfigError(f"cannot write {value!r} into a Janus config")
