"""The SDK's generated files are in sync: ``types.py`` with Souk's OpenAPI document, ``_sync`` with ``_async``;
and every operation the clients call is one the document declares (method and path)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SDK = Path(__file__).resolve().parents[2] / "sdk" / "python"
REGENERATE = "run: .venv/bin/python sdk/python/tools/generate.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("souk_sdk_generate", SDK / "tools" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return _generator()


@pytest.fixture(scope="module")
def document(gen: ModuleType) -> dict[str, Any]:
    doc: dict[str, Any] = gen.souk_document()
    return doc


def test_types_match_the_openapi_document(gen: ModuleType, document: dict[str, Any]) -> None:
    on_disk = (SDK / "src" / "souk_client" / "types.py").read_text(encoding="utf-8")
    assert on_disk == gen.render_types(document), f"souk_client/types.py is stale: {REGENERATE}"


def test_error_classes_match_the_openapi_document(gen: ModuleType, document: dict[str, Any]) -> None:
    on_disk = (SDK / "src" / "souk_client" / "codes.py").read_text(encoding="utf-8")
    assert on_disk == gen.render_codes(document), f"souk_client/codes.py is stale: {REGENERATE}"


def test_the_sync_client_is_the_async_one_unasynced(gen: ModuleType) -> None:
    rendered: dict[str, str] = gen.render_sync()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in (SDK / "src" / "souk_client" / "_sync").glob("*.py")}
    assert set(on_disk) == set(rendered) and on_disk == rendered, f"souk_client/_sync is stale: {REGENERATE}"
    assert not any("await " in text or "async def" in text for text in rendered.values())


def test_every_call_of_the_clients_is_a_documented_operation(document: dict[str, Any]) -> None:
    documented = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    called: set[tuple[str, str]] = set()
    for source in (SDK / "src" / "souk_client" / "_async").glob("*.py"):
        called |= set(re.findall(r'"(GET|POST|PUT|PATCH|DELETE)", (?:path\()?"(/v1/[^"]+)"', source.read_text()))
    assert len(called) > 60
    assert called <= documented, sorted(called - documented)


def test_the_resources_cover_what_the_issue_names(document: dict[str, Any]) -> None:
    from souk_client import AsyncSouk

    client = AsyncSouk("http://127.0.0.1:9")
    for name in ("tokens", "merchants", "rooms", "consults", "live", "desk", "webhooks"):
        assert getattr(client, name) is not None
    from souk_client.types import ERROR_CODES, OPERATIONS

    assert ERROR_CODES["unknown_room"] == (404,) and 429 in ERROR_CODES["rate_limited"]
    assert ("POST", "/v1/tokens") in OPERATIONS


def test_the_generator_maps_schemas_to_typed_dicts(gen: ModuleType, tmp_path: Path) -> None:
    doc = {"info": {"version": "9"}, "paths": {"/v1/x": {"post": {
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}},
        "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Answer"}}}},
                      "404": {"x-error-codes": ["no_x"]}}}}},
        "components": {"schemas": {
            "In": {"type": "object", "required": ["a"], "properties": {
                "a": {"type": "string"}, "b": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                "c": {"type": "array", "items": {"$ref": "#/components/schemas/Out"}}}},
            "Out": {"type": "object", "properties": {"d": {"type": "number", "default": 1}}},
            "Answer": {"type": "object", "properties": {"e": {"type": "number", "default": 1}}},
            "Kind": {"type": "string", "enum": ["x", "y"]},
            "souk__api__routes__stage__MuteIn": {"type": "object", "properties": {"as": {"type": "boolean"}}}}}}
    text = gen.render_types(doc)
    assert "class In(TypedDict):\n    a: str\n    b: NotRequired[int | None]\n    c: NotRequired[list[Out]]" in text
    assert "class Out(TypedDict):\n    d: NotRequired[float]" in text  # part of a request body
    assert "class Answer(TypedDict):\n    e: float" in text  # only an answer: every field is always there
    assert "Kind = Literal['x', 'y']" in text
    assert "StageMuteIn = TypedDict('StageMuteIn', {'as': 'bool'})" in text
    assert "    'no_x': (404,)," in text and "    ('POST', '/v1/x')," in text
    module = tmp_path / "generated_types.py"
    module.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("generated_types", module)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)  # the generated module imports and runs
    assert loaded.API_VERSION == "9" and loaded.StageMuteIn.__required_keys__ == frozenset({"as"})


def test_docs_sdk_lists_every_method_of_every_resource() -> None:
    from souk_client import AsyncSouk

    docs = (SDK.parents[1] / "docs" / "sdk.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\w+)` \| (.+?) \|", docs, flags=re.MULTILINE))
    client = AsyncSouk("http://127.0.0.1:9")
    for name in ("tokens", "merchants", "rooms", "consults", "live", "desk", "webhooks"):
        resource = getattr(client, name)
        methods = {m for m in dir(resource) if not m.startswith("_") and callable(getattr(resource, m))}
        listed = set(re.findall(r"`(\w+)", rows.get(name, "")))
        assert methods == listed, (name, sorted(methods - listed), sorted(listed - methods))
