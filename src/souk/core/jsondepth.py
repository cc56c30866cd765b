"""How deep a JSON text nests, checked before any parser recurses into it.

Python's ``json`` and msgspec both recurse per nesting level: ~1,000 levels (2 KB of ``[[[[...``) raise a
``RecursionError`` that no ``ValueError`` handler catches, which used to drop sockets or log a traceback per
frame. Every socket runs :func:`too_deep` on a client frame first and answers "malformed" instead.
Pure and cheap: frames with few brackets (nearly all) cost two ``count`` calls.
"""

from __future__ import annotations

import re

MAX_JSON_DEPTH = 32

_STRINGS_B = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS_B = re.compile(rb"[\[\]{}]")
_STRINGS_S = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS_S = re.compile(r"[\[\]{}]")


def too_deep(raw: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when arrays/objects in ``raw`` nest more than ``limit`` levels (brackets inside strings do not
    count). Malformed text is judged by its brackets alone; the parser reports the rest."""
    if isinstance(raw, str):
        if raw.count("[") + raw.count("{") <= limit:
            return False
        marks = [m.group() for m in _BRACKETS_S.finditer(_STRINGS_S.sub('""', raw))]
        opens = ("[", "{")
    else:
        if raw.count(b"[") + raw.count(b"{") <= limit:
            return False
        marks = [m.group().decode() for m in _BRACKETS_B.finditer(_STRINGS_B.sub(b'""', raw))]
        opens = ("[", "{")
    depth = 0
    for mark in marks:
        if mark in opens:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False
