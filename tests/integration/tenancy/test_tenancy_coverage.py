"""The tenancy module covers every route the app serves: a new route fails here until it has a case."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

from fastapi.routing import iter_route_contexts
from starlette.routing import WebSocketRoute

from souk.api.app import FEATURES, create_app
from souk.core.settings import load_settings
from souk.rtm.envelope import ClientFrame
from tests.integration.tenancy import test_socket_tenancy
from tests.integration.tenancy.tenancy_cases import COVERED


def served_routes(data_dir: Path) -> set[tuple[str, str]]:
    """(method, path) of every route of the app with all FEATURES; ``WS`` for a WebSocket, HEAD left out."""
    app = create_app(load_settings(None, data_dir=str(data_dir), demo=True), features=FEATURES)
    out: set[tuple[str, str]] = set()
    for rc in iter_route_contexts(app.routes):
        route = rc.original_route
        path = rc.path or getattr(route, "path", "")
        if isinstance(route, WebSocketRoute):
            out.add(("WS", path))
            continue
        out |= {(m, path) for m in getattr(route, "methods", None) or () if m != "HEAD"}
    return out


def test_every_route_is_covered(tmp_path: Path) -> None:
    served = served_routes(tmp_path)
    covered = set(COVERED)
    missing = sorted(served - covered)
    stale = sorted(covered - served)
    assert not missing, f"routes without a tenancy case (add one to cases_access.py or cases_live.py): {missing}"
    assert not stale, f"tenancy cases for routes the app no longer serves: {stale}"


def test_every_case_is_driven_somewhere() -> None:
    """A REST case has a function; a socket is driven by a test module that exists (and its test)."""
    for case in COVERED.values():
        assert case.fn is not None or case.elsewhere, f"{case.id}: no case function and no module"
        assert case.method != "WS" or case.elsewhere, f"{case.id}: sockets are driven by a test module"
        if case.elsewhere:
            assert (Path(__file__).parent / case.elsewhere).is_file(), f"{case.id}: {case.elsewhere} is missing"
    here = {c.path for c in COVERED.values() if c.elsewhere == "test_socket_tenancy.py"}
    assert here == set(test_socket_tenancy.SOCKETS)
    assert all(callable(getattr(test_socket_tenancy, name, None)) for name in test_socket_tenancy.SOCKETS.values())


def test_every_rtm_client_frame_is_driven() -> None:
    tags = {cls.__struct_config__.tag for cls in get_args(ClientFrame)}
    assert tags == test_socket_tenancy.RTM_KINDS, f"RTM client frames to drive in test_rtm_socket: {tags}"
