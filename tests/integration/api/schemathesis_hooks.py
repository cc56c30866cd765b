"""Schemathesis checks of Souk's own (loaded with SCHEMATHESIS_HOOKS by test_openapi_fuzz)."""

from __future__ import annotations

import json
from typing import Any

import schemathesis


@schemathesis.check
def error_code_documented(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx/5xx answer is the ``{"error": {...}}`` envelope, and its code is one that the operation's
    documented response for that status lists in ``x-error-codes``."""
    if response.status_code < 400:
        return None
    documented = case.operation.definition.raw.get("responses", {}).get(str(response.status_code))
    if documented is None:
        return None  # status_code_conformance reports an undocumented status
    try:
        error = json.loads(response.content)["error"]
        code = error["code"]
    except (ValueError, KeyError, TypeError) as exc:
        raise AssertionError(f"{response.status_code} is not the error envelope: {response.content[:200]!r}") from exc
    codes = documented.get("x-error-codes")
    if codes is not None and code not in codes:
        raise AssertionError(f"{response.status_code} {code!r} is not documented for {case.operation.label}; "
                             f"documented: {', '.join(codes)}")
    return None
