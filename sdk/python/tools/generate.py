"""Generate the SDK's derived files: ``types.py`` from Souk's OpenAPI document, and the sync client from the
async one.

    python sdk/python/tools/generate.py            # from souk.api.app.create_app() (needs souk installed)
    python sdk/python/tools/generate.py doc.json   # from a saved document (e.g. GET /openapi.json)

``types.py``: a TypedDict per component schema (request bodies and typed answers), a Literal alias per enum,
``ERROR_CODES`` (every ``x-error-codes`` entry with the statuses it is documented under), ``OPERATIONS``
(every method and path). ``_sync/*.py``: the ``_async`` modules with async/await taken out (one source of
truth for both clients). tests/sdk/test_generated.py regenerates both and fails when the files differ.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "souk_client"
TYPES = PACKAGE / "types.py"
CODES = PACKAGE / "codes.py"
ASYNC_DIR, SYNC_DIR = PACKAGE / "_async", PACKAGE / "_sync"

HEADER = '''"""Types of the Souk REST API, generated from its OpenAPI document by sdk/python/tools/generate.py.

Over 500 lines because: generated, one declaration per schema of the document; do not edit by hand (a test
fails when this file and the document differ). Times are ISO 8601 strings, as on the wire.
"""
# Over 500 lines because: generated

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

'''


def schema_name(raw: str) -> str:
    """``souk__api__routes__stage__MuteIn`` -> ``StageMuteIn``; plain names stay."""
    if "__" not in raw:
        return raw
    parts = raw.split("__")
    module = "".join(p.capitalize() for p in parts[-2].split("_"))
    return module + parts[-1]


def py_type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema_name(schema["$ref"].rsplit("/", 1)[-1])
    if "const" in schema:
        return f"Literal[{schema['const']!r}]"
    if "enum" in schema:
        return "Literal[" + ", ".join(repr(v) for v in schema["enum"]) + "]"
    for union in ("anyOf", "oneOf"):
        if union in schema:
            members: list[str] = []
            for sub in schema[union]:
                t = py_type(sub)
                if t not in members:
                    members.append(t)
            if "None" in members:  # None last, as people write it
                members = [m for m in members if m != "None"] + ["None"]
            return " | ".join(members)
    kind = schema.get("type")
    if kind == "string":
        return "str"
    if kind == "integer":
        return "int"
    if kind == "number":
        return "float"
    if kind == "boolean":
        return "bool"
    if kind == "null":
        return "None"
    if kind == "array":
        return f"list[{py_type(schema.get('items', {}))}]"
    if kind == "object" or "properties" in schema or "additionalProperties" in schema:
        extra = schema.get("additionalProperties")
        value = py_type(extra) if isinstance(extra, dict) and extra else "Any"
        return f"dict[str, {value}]"
    return "Any"


def _refs(node: Any, schemas: dict[str, Any], seen: set[str]) -> set[str]:
    """Every schema name ``node`` refers to, directly or through other schemas."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                _refs(schemas.get(name, {}), schemas, seen)
        for value in node.values():
            _refs(value, schemas, seen)
    elif isinstance(node, list):
        for value in node:
            _refs(value, schemas, seen)
    return seen


# the error envelope is written without its defaults (retryable, details appear only when set): keep "required"
AS_DOCUMENTED = {"ErrorBody", "ErrorEnvelope"}


def input_schemas(doc: dict[str, Any]) -> set[str]:
    """The schemas a request body or parameter uses (and the envelope); the others only describe answers."""
    schemas = doc.get("components", {}).get("schemas", {})
    found: set[str] = set(AS_DOCUMENTED)
    for ops in doc.get("paths", {}).values():
        for op in ops.values():
            _refs([op.get("requestBody", {}), op.get("parameters", [])], schemas, found)
    return found


def _typed_dict(name: str, schema: dict[str, Any], answer_only: bool) -> str:
    # an answer carries every field of its model (defaults included): all keys are there
    required = set(schema.get("properties", {})) if answer_only else set(schema.get("required", []))
    fields = []
    for key, prop in schema.get("properties", {}).items():
        t = py_type(prop)
        fields.append((key, t if key in required else f"NotRequired[{t}]"))
    doc = (schema.get("description") or "").strip().replace('"""', "'''")
    if all(k.isidentifier() and not keyword.iskeyword(k) for k, _ in fields):
        lines = [f"class {name}(TypedDict):"]
        if doc:
            lines.append(f'    """{doc}"""' if "\n" not in doc else f'    """{doc}\n    """')
            if fields:
                lines.append("")
        lines += [f"    {k}: {t}" for k, t in fields] or (["    pass"] if not doc else [])
        return "\n".join(lines)
    # a key that is not a Python name (e.g. "as"): the functional form, its types quoted for forward references
    body = ", ".join(f"{k!r}: {t!r}" for k, t in fields)
    return f"{name} = TypedDict({name!r}, {{{body}}})"


def render_types(doc: dict[str, Any]) -> str:
    schemas: dict[str, Any] = doc.get("components", {}).get("schemas", {})
    inputs = input_schemas(doc)
    out = [HEADER.rstrip("\n"), "", f"API_VERSION = {doc.get('info', {}).get('version', '')!r}", ""]
    for raw in sorted(schemas, key=schema_name):
        schema, name = schemas[raw], schema_name(raw)
        if "properties" in schema and schema.get("type", "object") == "object":
            out += ["", _typed_dict(name, schema, raw not in inputs), ""]
        else:
            alias = py_type(schema)
            if "anyOf" in schema or "oneOf" in schema:
                alias = " | ".join(py_type(s) for s in schema.get("anyOf", schema.get("oneOf")))
            out += ["", f"{name} = {alias}", ""]
    codes = error_codes(doc)
    operations = [(method.upper(), path) for path, ops in doc.get("paths", {}).items() for method in ops]
    out += ["", "", "# every error code the document declares, with the statuses it is answered under",
            "ERROR_CODES: dict[str, tuple[int, ...]] = {"]
    out += [f"    {code!r}: {tuple(sorted(statuses))!r}," for code, statuses in sorted(codes.items())]
    out += ["}", "", "ErrorCode = Literal["]
    out += [f"    {code!r}," for code in sorted(codes)]
    out += ["]", "", "# every operation of the document: (method, path template)",
            "OPERATIONS: frozenset[tuple[str, str]] = frozenset({"]
    out += [f"    {op!r}," for op in sorted(operations, key=lambda o: (o[1], o[0]))]
    out += ["})", ""]
    return "\n".join(out)


# the class a code's error derives from, by the status it is documented under (souk_client.errors)
STATUS_BASE = {400: "BadRequest", 401: "Unauthenticated", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
               413: "TooLarge", 415: "UnsupportedMedia", 422: "Unprocessable", 429: "RateLimited",
               503: "Unavailable", 504: "Timeout"}
KIND_CLASSES = {"BadRequest", "Unprocessable", "Unauthenticated", "TokenExpired", "Forbidden", "NotFound",
                "Conflict", "TooLarge", "UnsupportedMedia", "RateLimited", "Unavailable", "Timeout",
                "ConfigError", "ServerError"}


def error_codes(doc: dict[str, Any]) -> dict[str, set[int]]:
    codes: dict[str, set[int]] = {}
    for ops in doc.get("paths", {}).values():
        for op in ops.values():
            for status, response in op.get("responses", {}).items():
                for code in response.get("x-error-codes", []):
                    codes.setdefault(code, set()).add(int(status))
    return codes


def class_name(code: str) -> str:
    return "".join(part.capitalize() for part in code.split("_"))


def render_codes(doc: dict[str, Any]) -> str:
    """One exception class per documented error code, derived from the class of its status; a code named like
    a kind class (not_found, rate_limited, token_expired) is that class; a code documented under statuses of
    different classes (e.g. 403 and 404) gets none (its kind's class is raised)."""
    lines = ['"""Error classes by code, generated from the OpenAPI document by sdk/python/tools/generate.py.',
             "",
             "Over 500 lines because: generated, one class per documented error code; do not edit by hand.",
             "``except UnknownRoom`` catches that code only; each class also derives from its status's class",
             '(``UnknownRoom`` is a ``NotFound``), so broader handlers keep working.',
             '"""', "# Over 500 lines because: generated", "", "from __future__ import annotations", "",
             "from souk_client import errors as e", ""]
    table = []
    for code, statuses in sorted(error_codes(doc).items()):
        bases = {STATUS_BASE.get(s) for s in statuses}
        name = class_name(code)
        if len(bases) != 1 or None in bases:
            continue
        base = bases.pop()
        if name in KIND_CLASSES:
            table.append(f"    {code!r}: e.{name},")
            continue
        listed = ", ".join(str(s) for s in sorted(statuses))
        lines += ["", f"class {name}(e.{base}):", f'    """{listed} ``{code}``"""', ""]
        table.append(f"    {code!r}: {name},")
    lines += ["", "BY_CODE: dict[str, type[e.SoukError]] = {", *table, "}", ""]
    return "\n".join(lines)


# async -> sync, word by word; order matters (longer first)
UNASYNC: list[tuple[str, str]] = [
    (r"import Awaitable, Callable$", "import Callable"), (r"\bAsyncIterator\b", "Iterator"),
    (r"\bAsyncClient\b", "Client"), (r"\bAwaitable\[None\]", "None"),
    (r"\basync def\b", "def"), (r"\basync with\b", "with"), (r"\bawait ", ""),
    (r"\b__aenter__\b", "__enter__"), (r"\b__aexit__\b", "__exit__"), (r"\baclose\b", "close"),
    (r"\basyncio\.sleep\b", "time.sleep"), (r"^import asyncio$", "import time"),
    (r"\bsouk_client\._async\b", "souk_client._sync"), (r"\bAsync([A-Z]\w*)", r"\1"),
    (r"\basynchronous\b", "synchronous"), (r"\bthe async client\b", "the sync client"),
]


def unasync(source: str) -> str:
    out = []
    for line in source.splitlines():
        for pattern, repl in UNASYNC:
            line = re.sub(pattern, repl, line)
        out.append(line)
    text = "\n".join(out) + "\n"
    return ("# Generated from the _async package by sdk/python/tools/generate.py: do not edit by hand.\n" + text)


def render_sync() -> dict[str, str]:
    return {p.name: unasync(p.read_text(encoding="utf-8")) for p in sorted(ASYNC_DIR.glob("*.py"))}


def souk_document() -> dict[str, Any]:
    from souk.api.app import create_app
    from souk.core.settings import load_settings

    with tempfile.TemporaryDirectory() as data_dir:
        doc: dict[str, Any] = create_app(load_settings(None, data_dir=data_dir)).openapi()
    return doc


def main(argv: list[str]) -> int:
    doc = json.loads(Path(argv[0]).read_text(encoding="utf-8")) if argv else souk_document()
    TYPES.write_text(render_types(doc), encoding="utf-8")
    CODES.write_text(render_codes(doc), encoding="utf-8")
    SYNC_DIR.mkdir(exist_ok=True)
    for name, text in render_sync().items():
        (SYNC_DIR / name).write_text(text, encoding="utf-8")
    print(f"wrote {TYPES}, {CODES} and {len(render_sync())} sync modules")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
