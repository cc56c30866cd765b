from __future__ import annotations

from pathlib import Path

import pytest

from souk.core.errors import ConfigError
from souk.core.settings import load_settings


def test_defaults_are_embedded_and_local(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(__import__("os").environ):
        if key.startswith("SOUK_"):
            monkeypatch.delenv(key)
    s = load_settings()
    assert s.janus.mode == "embedded"
    assert s.server.host == "127.0.0.1"
    assert s.db_url.startswith("sqlite+aiosqlite:///")
    assert s.redis_url == ""


def test_env_overrides_toml_and_keywords_override_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "souk.toml"
    cfg.write_text('log_level = "DEBUG"\n[server]\nport = 9000\nhost = "0.0.0.0"\n[janus]\nrtp_port_range = "30000-30100"\n')
    monkeypatch.setenv("SOUK_SERVER__PORT", "9100")
    s = load_settings(cfg)
    assert s.server.port == 9100  # env beats file
    assert s.server.host == "0.0.0.0"  # file beats default
    assert s.janus.rtp_port_range == "30000-30100"
    assert s.log_level == "DEBUG"
    s2 = load_settings(cfg, server={"port": 7000})
    assert s2.server.port == 7000 and s2.server.host == "0.0.0.0"


def test_bad_values_give_clear_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="rtp_port_range"):
        load_settings(janus={"rtp_port_range": "40000-100"})
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("this is = = not toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad)
    with pytest.raises(ConfigError, match="invalid settings"):
        load_settings(no_such_field=1)
