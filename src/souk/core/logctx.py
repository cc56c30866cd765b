"""The ids a log line concerns (merchant, room, request, call, conversation), carried in a context variable so
that every line written while serving a request or a socket names them without each call site passing them.

A *scope* is one mutable mapping per request, socket or task: the API's middleware opens one per request
(souk.api.request_ids), a socket handler one per connection; :func:`bind` adds ids to the current scope. The
mapping is shared by the contexts copied from it (FastAPI runs plain ``def`` dependencies in a thread with a
copy of the context), so an id bound there still reaches the request's access line. Outside any scope
:func:`bind` opens one for the current context.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

# the ids log lines carry, in the order they are written
FIELDS = ("merchant", "room", "request_id", "call", "conversation")

_scope: ContextVar[dict[str, str] | None] = ContextVar("souk_log_scope", default=None)


def _clean(ids: Mapping[str, object]) -> dict[str, str]:
    unknown = set(ids) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown log context ids {sorted(unknown)}; known: {FIELDS}")
    return {k: str(v) for k, v in ids.items() if v is not None and v != ""}


def log_ids() -> dict[str, str]:
    """The ids of the current scope (a copy; empty outside any)."""
    scope = _scope.get()
    return dict(scope) if scope else {}


def bind(**ids: object) -> None:
    """Add ids (``merchant=..., room=...``; ``None`` or ``""`` ignored) to the current scope."""
    values = _clean(ids)
    scope = _scope.get()
    if scope is None:
        _scope.set(values)
    else:
        scope.update(values)


@contextmanager
def log_scope(**ids: object) -> Iterator[dict[str, str]]:
    """A new scope for a request, socket or task: the enclosing scope's ids plus ``ids``; restored on exit."""
    scope = {**log_ids(), **_clean(ids)}
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)
