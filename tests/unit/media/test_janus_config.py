"""Golden test for the Janus config writer, plus the safety properties it must keep."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from souk.core.errors import ConfigError
from souk.core.settings import JanusSettings
from souk.media.config import JanusLaunch, render_config, render_jcfg, write_config

GOLDEN = Path(__file__).parent / "golden"


def _launch(**janus: object) -> JanusLaunch:
    js = JanusSettings(**janus)  # type: ignore[arg-type]
    return JanusLaunch.from_settings(
        js, confdir=Path("/srv/souk/janus/conf"), recordings_dir=Path("/srv/souk/recordings"), ws_port=8188,
        admin_ws_port=7188, api_secret="api-s3cret", admin_secret="admin-s3cret", admin_key="room-key", cores=2)


def test_golden_files() -> None:
    files = render_config(_launch(ice_enforce_list="vA", rtp_port_range="30000-30100"))
    assert sorted(files) == sorted(p.name for p in GOLDEN.glob("*.jcfg"))
    for name, text in files.items():
        assert text == (GOLDEN / name).read_text(), f"{name} differs from its golden file"


def test_apis_on_loopback_only_with_secrets() -> None:
    files = render_config(_launch())
    ws = files["janus.transport.websockets.jcfg"]
    assert 'ws_ip = "127.0.0.1"' in ws and 'admin_ws_ip = "127.0.0.1"' in ws
    assert "wss = true" not in ws and "admin_wss = false" in ws
    core = files["janus.jcfg"]
    assert 'api_secret = "api-s3cret"' in core and 'admin_secret = "admin-s3cret"' in core
    assert "libjanus_http.so" in core and "libjanus_mqtt.so" in core  # disabled transports
    for kept in ("videoroom", "streaming", "audiobridge"):
        assert f"libjanus_{kept}.so" not in core
        assert 'admin_key = "room-key"' in files[f"janus.plugin.{kept}.jcfg"]
    assert "event_loops = 2" in core and 'rtp_port_range = "20000-40000"' in core
    assert "ice_enforce_list" not in core  # not set -> not written


def test_nat_stun_turn_from_settings() -> None:
    core = render_config(_launch(nat_1_1_mapping="203.0.113.7", stun_server="stun.example.org:3479",
                                 turn_server="turn.example.org", turn_user="u", turn_password="p"))["janus.jcfg"]
    assert 'nat_1_1_mapping = "203.0.113.7"' in core
    assert 'stun_server = "stun.example.org"' in core and "stun_port = 3479" in core
    assert 'turn_server = "turn.example.org"' in core and "turn_port = 3478" in core
    assert 'turn_user = "u"' in core and 'turn_pwd = "p"' in core


def test_event_loops_setting_wins_over_cores() -> None:
    assert "event_loops = 5" in render_config(_launch(event_loops=5))["janus.jcfg"]


def test_missing_secret_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        JanusLaunch.from_settings(JanusSettings(), confdir=Path("/x"), recordings_dir=Path("/y"), ws_port=1,
                                  admin_ws_port=2, api_secret="", admin_secret="a", admin_key="k")


def test_strings_are_escaped() -> None:
    text = render_jcfg({"general": {"api_secret": 'a"b\\c', "ok": True, "n": 3, "l": ["x", "y"]}})
    assert 'api_secret = "a\\"b\\\\c"' in text
    assert "ok = true" in text and "n = 3" in text and 'l = ["x", "y"]' in text
    with pytest.raises(ConfigError):
        render_jcfg({"general": {"bad": 1.5}})  # type: ignore[dict-item]


def test_write_config_is_owner_only(tmp_path: Path) -> None:
    c = _launch()
    c = JanusLaunch(**{**{f: getattr(c, f) for f in c.__slots__}, "confdir": tmp_path / "conf",  # type: ignore[attr-defined]
                       "recordings_dir": tmp_path / "rec"})
    paths = write_config(c)
    assert set(paths) == set(render_config(c))
    for p in paths.values():
        assert os.stat(p).st_mode & 0o077 == 0
    assert (tmp_path / "rec").is_dir()
