"""Merchant B's requests against merchant A's objects, one case per (method, path) of the app.

``COVERED`` is the table of every route the module covers: ``test_tenancy_coverage`` compares it with the
routes the app serves, so a new route fails the suite until a case for it is written (cases_access.py,
cases_group.py, cases_live.py, cases_desk.py, cases_photo.py, cases_orders.py). A case drives B's credentials (API key, staff token, host, viewer, shopper tokens with A's
room ids and identities) at A's objects and checks each answer: another merchant's object is 404 (never 403)
and nothing of A's shows (``Tenancy.leaked``). The test around each case proves A's state is unchanged
(``tenancy_app.a_state``); a case may return a check that A still works, run after that comparison.
"""

from __future__ import annotations

from tests.integration.tenancy import (
    cases_access,
    cases_audit,
    cases_captions,
    cases_consent,
    cases_desk,
    cases_group,
    cases_group_buys,
    cases_live,
    cases_orders,
    cases_photo,
    cases_quality,
    cases_translate,
    cases_turn,
    cases_voice,
)
from tests.integration.tenancy.tenancy_registry import COVERED, Case, covered_elsewhere

__all__ = ["COVERED", "Case", "cases_access", "cases_desk", "cases_group", "cases_live", "cases_orders", "cases_photo",
           "cases_quality", "cases_turn"]

__all__ += ["cases_voice"]

__all__ += ["cases_translate"]  # reader translation (issue 16)

__all__ += ["cases_group_buys"]  # group buys in a room (issue 15)

__all__ += ["cases_audit"]  # the audit log (issue 17)

__all__ += ["cases_captions"]  # live captions (issue 16)

__all__ += ["cases_consent"]  # consent records (issue 17)

covered_elsewhere("WS", "/v1/signal", "test_signal_tenancy.py")  # H2's, with Janus
covered_elsewhere("WS", "/v1/rtm/ws", "test_socket_tenancy.py")
covered_elsewhere("WS", "/v1/agent/ws", "test_socket_tenancy.py")
covered_elsewhere("WS", "/v1/voice", "test_socket_tenancy.py")
covered_elsewhere("WS", "/v1/desk/ws", "test_desk_tenancy.py")
