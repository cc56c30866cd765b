"""Show start/end (and every host action) need the moderate privilege in the token, not only the role."""

from __future__ import annotations

import pytest

from souk.api.routes.stage import require_show_host
from souk.auth.tokens import TokenService
from souk.core.errors import Forbidden

tokens = TokenService("p" * 40)


def claims(role: str, privileges: list[str] | None = None):  # type: ignore[no-untyped-def]
    return tokens.verify(tokens.mint(merchant_id="m1", identity="h", room="live-1", role=role,
                                     privileges=privileges))


def test_a_host_token_with_its_default_privileges_may_start_the_show() -> None:
    require_show_host(claims("host"), "live-1", "start the show")
    require_show_host(claims("moderator"), "live-1", "end the show")


@pytest.mark.parametrize("privileges", [[], ["publish", "subscribe", "chat"]])
def test_a_host_token_minted_without_moderate_may_not(privileges: list[str]) -> None:
    with pytest.raises(Forbidden) as e:
        require_show_host(claims("host", privileges), "live-1", "start the show")
    assert e.value.code == "privilege_missing" and e.value.details["privilege"] == "moderate"


def test_the_role_is_still_required() -> None:
    with pytest.raises(Forbidden) as e:
        require_show_host(claims("member", ["moderate"]), "live-1", "start the show")
    assert e.value.code == "not_host"
