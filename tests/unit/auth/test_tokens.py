from __future__ import annotations

import jwt
import pytest

from souk.auth.apikeys import check_api_key, generate_api_key, parse_key_id
from souk.auth.tokens import Privilege, Role, TokenService
from souk.core.errors import BadRequest, Forbidden, TokenExpired, Unauthenticated

SECRET = "s" * 40


class FakeNow:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


def test_round_trip_carries_every_claim() -> None:
    svc = TokenService(SECRET)
    tok = svc.mint(merchant_id="lumen", identity="C-501", room="room_1", role="member", name="Emily",
                   metadata={"lang": "en"})
    c = svc.verify(tok)
    assert (c.merchant_id, c.identity, c.room, c.role, c.name) == ("lumen", "C-501", "room_1", Role.MEMBER, "Emily")
    assert c.can(Privilege.PUBLISH) and not c.can(Privilege.MODERATE)
    assert c.metadata == {"lang": "en"}


def test_expired_token_refused_with_its_own_code() -> None:
    now = FakeNow()
    svc = TokenService(SECRET, now=now)
    tok = svc.mint(merchant_id="m", identity="u", room="r", role="host", ttl_s=60)
    now.t += 61
    with pytest.raises(TokenExpired) as exc:
        svc.verify(tok)
    assert exc.value.code == "token_expired"


def test_a_token_lives_at_least_its_ttl_whatever_the_fraction_of_the_second_it_was_minted_at() -> None:
    now = FakeNow()
    now.t = 1_800_000_000.9
    svc = TokenService(SECRET, now=now)
    tok = svc.mint(merchant_id="m", identity="u", room="r", role="host", ttl_s=1)
    now.t += 0.95  # before: its exp was cut to the whole second, 0.1 s after minting
    assert svc.verify(tok).identity == "u"
    now.t += 1.1
    with pytest.raises(TokenExpired):
        svc.verify(tok)


@pytest.mark.parametrize("token", [None, "", "garbage", "a.b.c"])
def test_missing_or_garbage_token_refused(token: str | None) -> None:
    with pytest.raises(Unauthenticated):
        TokenService(SECRET).verify(token)


def test_token_signed_with_another_secret_or_algorithm_refused() -> None:
    other = TokenService("o" * 40).mint(merchant_id="m", identity="u", room="r", role="host")
    with pytest.raises(Unauthenticated, match="invalid"):
        TokenService(SECRET).verify(other)
    unsigned = jwt.encode({"sub": "u", "iss": "souk", "iat": 1, "exp": 4_000_000_000, "mid": "m", "room": "r",
                           "role": "host", "prv": ["publish"]}, key=None, algorithm="none")
    with pytest.raises(Unauthenticated):
        TokenService(SECRET).verify(unsigned)


def test_room_merchant_and_privilege_checks() -> None:
    svc = TokenService(SECRET)
    c = svc.verify(svc.mint(merchant_id="lumen", identity="v1", room="live_1", role="audience"))
    c.require_room("live_1")
    with pytest.raises(Forbidden) as e1:
        c.require_room("live_2")
    assert e1.value.code == "wrong_room"
    with pytest.raises(Forbidden) as e3:
        c.require(Privilege.PUBLISH)
    assert e3.value.code == "privilege_missing"
    staff = svc.verify(svc.mint(merchant_id="lumen", identity="s", room="*", role="agent"))
    staff.require_room("anything")


def test_mint_rejects_bad_input() -> None:
    svc = TokenService(SECRET, max_ttl_s=100)
    with pytest.raises(BadRequest, match="role"):
        svc.mint(merchant_id="m", identity="u", room="r", role="emperor")
    with pytest.raises(BadRequest, match="ttl"):
        svc.mint(merchant_id="m", identity="u", room="r", role="host", ttl_s=101)
    with pytest.raises(BadRequest, match="privilege"):
        svc.mint(merchant_id="m", identity="u", room="r", role="host", privileges=["fly"])
    with pytest.raises(BadRequest, match="identity"):
        svc.mint(merchant_id="m", identity="", room="r", role="host")
    with pytest.raises(ValueError):
        TokenService("short")


def test_explicit_privileges_override_role_defaults() -> None:
    svc = TokenService(SECRET)
    c = svc.verify(svc.mint(merchant_id="m", identity="u", room="r", role="member", privileges=["subscribe"]))
    assert c.privileges == frozenset({Privilege.SUBSCRIBE})


def test_api_keys_hashed_and_checked() -> None:
    key, key_id, stored = generate_api_key()
    assert key not in stored and stored.startswith("scrypt$")
    assert parse_key_id(key) == key_id
    assert check_api_key(key, stored)
    assert not check_api_key(key + "x", stored)
    assert not check_api_key(key, "garbage")
    assert parse_key_id("pk_nope") is None and parse_key_id("sk_only") is None
