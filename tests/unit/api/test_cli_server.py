"""`souk token`, `souk doctor`, `souk demo --no-serve` and the token secret file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from souk.api.bootstrap import load_token_secret, token_service
from souk.cli.main import main
from souk.cli.server import doctor_checks
from souk.core.errors import ConfigError
from souk.core.settings import load_settings


def test_token_secret_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    settings = load_settings(None, data_dir=str(tmp_path))
    first = load_token_secret(settings)
    path = tmp_path / "token_secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_token_secret(settings) == first and len(first) >= 32
    os.chmod(path, 0o644)
    load_token_secret(settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # tightened again
    with pytest.raises(ConfigError):
        load_token_secret(load_settings(None, data_dir=str(tmp_path), auth={"token_secret": "short"}))


def test_souk_token_prints_a_verifiable_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SOUK_DATA_DIR", str(tmp_path))
    assert main(["token", "--identity", "bob", "--room", "*", "--role", "agent", "--ttl", "120"]) == 0
    token = capsys.readouterr().out.strip()
    claims = token_service(load_settings(None, data_dir=str(tmp_path))).verify(token)
    assert (claims.identity, claims.room, claims.role.value, claims.merchant_id) == ("bob", "*", "agent", "lumen")
    assert main(["token", "--identity", "bob", "--room", "r", "--role", "emperor"]) == 2  # clear refusal


def test_doctor_reports_every_check(tmp_path: Path) -> None:
    checks = doctor_checks(load_settings(None, data_dir=str(tmp_path)))
    names = {c["name"] for c in checks}
    assert {"janus installed", "janus ports free", "server port free"} <= names
    assert all(isinstance(c["ok"], bool) and c["detail"] for c in checks)
    assert any(c["name"].startswith(("model", "offline models")) for c in checks)


def test_demo_no_serve_seeds_and_prints_urls_and_a_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SOUK_DATA_DIR", str(tmp_path))
    assert main(["demo", "--no-serve", "--port", "18123"]) == 0
    out = capsys.readouterr().out
    assert "http://127.0.0.1:18123/shop/AP-1001" in out and "/console" in out
    key = next(w for w in out.split() if w.startswith("sk_"))
    assert main(["demo", "--no-serve", "--port", "18123"]) == 0  # a second run works and prints a fresh key
    key2 = next(w for w in capsys.readouterr().out.split() if w.startswith("sk_"))
    assert key2 != key
