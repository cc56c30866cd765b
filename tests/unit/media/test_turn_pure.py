"""TURN credentials (the coturn REST-API scheme) and the coturn config writer, without coturn."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import pytest
from pydantic import ValidationError

from souk.core.settings import TurnSettings
from souk.media.turn import binding_request, is_binding_success
from souk.media.turnconf import TurnLaunch, render
from souk.media.turncreds import check, issue, parse_username, password_for

URLS = ("turn:10.0.0.1:3478?transport=udp",)


def test_password_is_base64_hmac_sha1_of_the_username() -> None:
    # the scheme coturn's use-auth-secret checks (RFC draft-uberti-behave-turn-rest-00)
    want = base64.b64encode(hmac.new(b"s3cret", b"1700000000:m1:alice", hashlib.sha1).digest()).decode()
    assert password_for("s3cret", "1700000000:m1:alice") == want


def test_issue_names_expiry_merchant_identity() -> None:
    c = issue("s3cret", URLS, merchant_id="m1", identity="alice", now=1_700_000_000.7, ttl_s=600)
    assert c.username == "1700000600:m1:alice" and c.expires_at == 1_700_000_600
    assert c.password == password_for("s3cret", c.username)
    assert c.ice_servers() == [{"urls": URLS[0], "username": c.username, "credential": c.password}]
    parts = check("s3cret", c.username, c.password, now=1_700_000_599)
    assert (parts.merchant_id, parts.identity) == ("m1", "alice")


def test_check_refuses_expired_relabelled_and_wrong_secret() -> None:
    c = issue("s3cret", URLS, merchant_id="m1", identity="alice", now=1000, ttl_s=60)
    with pytest.raises(ValueError, match="expired"):
        check("s3cret", c.username, c.password, now=1060)
    with pytest.raises(ValueError, match="does not match"):
        check("s3cret", c.username.replace(":m1:", ":m2:"), c.password, now=1000)
    with pytest.raises(ValueError, match="does not match"):
        check("other", c.username, c.password, now=1000)


def test_identity_may_hold_colons_merchant_may_not() -> None:
    c = issue("s", URLS, merchant_id="m1", identity="guest:42", now=0, ttl_s=10)
    assert parse_username(c.username).identity == "guest:42"
    with pytest.raises(ValueError, match="merchant"):
        issue("s", URLS, merchant_id="m:1", identity="a", now=0, ttl_s=10)
    with pytest.raises(ValueError):
        issue("", URLS, merchant_id="m1", identity="a", now=0, ttl_s=10)
    with pytest.raises(ValueError):
        parse_username("alice")


def test_long_identity_is_cut_to_a_username_coturn_takes() -> None:
    c = issue("s", URLS, merchant_id="m1", identity="x" * 1000, now=0, ttl_s=10)
    assert len(c.username.encode()) <= 256 and c.password == password_for("s", c.username)


def _launch(**kw: object) -> TurnLaunch:
    ts = TurnSettings(**kw)  # type: ignore[arg-type]
    return TurnLaunch.from_settings(ts, workdir=Path("/srv/souk/turn"), secret="s3cret", port=3478,
                                    tls_port=5349, tls_cert=Path("/c.pem"), tls_key=Path("/k.pem"))


def _options(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln and not ln.startswith("#")]


def test_config_denies_every_peer_but_the_allowed_ones() -> None:
    opts = _options(render(_launch(listen_ip="10.0.0.1", relay_port_range="50000-50100")))
    assert "use-auth-secret" in opts and "static-auth-secret=s3cret" in opts and "realm=souk" in opts
    assert "listening-ip=10.0.0.1" in opts and "relay-ip=10.0.0.1" in opts
    assert "min-port=50000" in opts and "max-port=50100" in opts
    assert "denied-peer-ip=0.0.0.0-255.255.255.255" in opts and "allowed-peer-ip=10.0.0.1" in opts
    assert "no-cli" in opts and "no-tcp-relay" in opts and "allow-loopback-peers" not in opts
    assert not any(o in opts for o in ("no-udp", "no-tcp", "no-tls"))
    assert "cert=/c.pem" in opts and "pkey=/k.pem" in opts and "userdb=/srv/souk/turn/turndb" in opts


def test_loopback_peers_only_when_asked_and_transports_switch_listeners() -> None:
    c = _launch(relay_ip="127.0.0.2", transports=["tcp", "tls"], public_host="turn.example.com",
                allowed_peer_ips=["127.0.0.2", "10.1.0.0-10.1.255.255"])
    opts = _options(render(c))
    assert "allow-loopback-peers" in opts and "no-udp" in opts and "no-tcp" not in opts
    assert "allowed-peer-ip=10.1.0.0-10.1.255.255" in opts
    assert c.urls() == ("turn:turn.example.com:3478?transport=tcp", "turns:turn.example.com:5349?transport=tcp")


def test_settings_refuse_bad_turn_config() -> None:
    with pytest.raises(ValidationError, match="urls is empty"):
        TurnSettings(mode="external", secret="x")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="secret"):
        TurnSettings(mode="external", urls=["turn:t:3478"])
    with pytest.raises(ValidationError, match="relay_port_range"):
        TurnSettings(relay_port_range="5-1")
    with pytest.raises(ValidationError, match="go together"):
        TurnSettings(tls_cert="/c.pem")
    with pytest.raises(ValidationError):
        TurnSettings(transports=["sctp"])  # type: ignore[list-item]


def test_stun_binding_request_and_answer_match_by_transaction() -> None:
    req, tid = binding_request()
    assert len(req) == 20 and req[:2] == b"\x00\x01" and req[8:] == tid
    ok = b"\x01\x01\x00\x00" + req[4:8] + tid
    assert is_binding_success(ok, tid) and not is_binding_success(ok, b"x" * 12)
    assert not is_binding_success(b"\x01\x11" + ok[2:], tid)  # an error response


def test_doctor_names_coturn_when_souk_is_to_run_it() -> None:
    from souk.core.settings import Settings
    from souk.media.doctor import check_turn_binary

    missing = check_turn_binary(Settings(turn={"binary": "no-such-turnserver"}))  # type: ignore[arg-type]
    assert not missing.ok and "apt-get install coturn" in missing.hint
    assert check_turn_binary(Settings(turn={"mode": "off", "binary": "no-such"})).ok  # type: ignore[arg-type]
