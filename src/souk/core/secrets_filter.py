"""Secrets out of log lines: access tokens (JWTs), API keys, webhook secrets, bearer headers, passwords in
URLs, ``token=`` style query parameters and JSON/repr fields named like secrets, plus every secret value the
process knows (the SecretStr fields of Settings, secrets generated at start-up: :func:`register_secret`).

Applied to the whole formatted line (message, extra fields and traceback) by the formatters of
souk.core.logformat, so nothing a handler writes escapes it. Pure string work: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, SecretStr

MASK = "[redacted]"
_MIN_KNOWN = 8  # shorter registered values are ignored: masking them would mangle ordinary words

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # JWTs (access tokens): three base64url parts, the first a JSON header
    (re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+"), "[token]"),
    # merchant API keys sk_<id>_<secret> and webhook secrets whsec_<secret>
    (re.compile(r"\bsk_[A-Za-z0-9]+_[A-Za-z0-9_-]{8,}"), "sk_" + MASK),
    (re.compile(r"\bwhsec_[A-Za-z0-9_-]{8,}"), "whsec_" + MASK),
    # Authorization headers
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 " + MASK),
    # user:password@ in URLs (database, Redis, TURN)
    (re.compile(r"(://[^/\s:@]*:)[^@\s/]+@"), r"\1" + MASK + "@"),
    # token=..., api_key=..., password: ... in query strings and key=value text
    (re.compile(r"(?i)\b((?:access_|api_|admin_|refresh_)?(?:token|key|secret|password|passwd|pwd|credential|"
                r"signature|apisecret|admin_key)s?)=([^&\s\"',;]+)"), r"\1=" + MASK),
    # "credential": "...", 'secret': '...' (JSON and Python reprs)
    (re.compile(r"(?i)([\"'](?:[a-z_]*(?:token|secret|password|passwd|credential|api_?key|apisecret|admin_key|"
                r"signature))[\"']\s*:\s*)([\"'])(?:(?!\2).)+\2"), r"\1\2" + MASK + r"\2"),
)

_known: set[str] = set()


def register_secret(value: str | SecretStr | None) -> None:
    """Mask this exact value in every later log line (a secret generated or loaded at run time)."""
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    if raw and len(raw) >= _MIN_KNOWN:
        _known.add(raw)


def register_settings_secrets(model: BaseModel) -> int:
    """Register every SecretStr value in a settings model (recursively); how many were registered."""
    count = 0
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr):
            before = len(_known)
            register_secret(value)
            count += len(_known) - before
        elif isinstance(value, BaseModel):
            count += register_settings_secrets(value)
        elif isinstance(value, (list, tuple)):  # e.g. previous keys during a rotation
            for item in value:
                if isinstance(item, SecretStr):
                    before = len(_known)
                    register_secret(item)
                    count += len(_known) - before
    return count


def known_secrets() -> frozenset[str]:
    return frozenset(_known)


def forget_secrets(values: Iterable[str] | None = None) -> None:
    """Drop registered values (all of them without ``values``); for tests."""
    if values is None:
        _known.clear()
    else:
        _known.difference_update(values)


def scrub(text: str) -> str:
    """``text`` with every secret it contains masked."""
    for value in sorted(_known, key=len, reverse=True):  # longest first: a secret containing another
        if value in text:
            text = text.replace(value, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
