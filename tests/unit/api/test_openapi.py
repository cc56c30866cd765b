"""The OpenAPI document: errors() / @raises on a tiny app, and the shape of Souk's whole document."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI
from pydantic import BaseModel

from souk.api.openapi import ASSETS_DIR, errors, install_openapi, raises

ENVELOPE = {"$ref": "#/components/schemas/ErrorEnvelope"}


@raises({401: ["token_missing"]}, {403: ["staff_only"]})
def who() -> str:
    return "x"


@raises({401: ["token_expired"]})
def outer(name: Annotated[str, Depends(who)]) -> str:
    return name


class Body(BaseModel):
    n: int


def _tiny() -> dict[str, Any]:
    app = FastAPI(docs_url=None, redoc_url=None)

    @app.post("/things/{tid}", responses=errors({404: ["unknown_thing"]}, {409: ["thing_busy", "thing_gone"]}))
    async def act(tid: str, body: Body, me: Annotated[str, Depends(outer)]) -> dict[str, str]:
        return {}

    @app.get("/plain")
    async def plain() -> dict[str, str]:
        return {}

    install_openapi(app)
    return app.openapi()


def test_route_dependency_body_and_parameter_errors_are_all_documented() -> None:
    responses = _tiny()["paths"]["/things/{tid}"]["post"]["responses"]
    codes = {s: r.get("x-error-codes") for s, r in responses.items()}
    assert codes == {"200": None, "400": ["bad_body", "bad_json"], "401": ["token_expired", "token_missing"],
                     "403": ["staff_only"], "404": ["unknown_thing"], "409": ["thing_busy", "thing_gone"],
                     "413": ["body_too_large"], "422": ["invalid_request"]}
    for status, response in responses.items():
        if status != "200":
            assert response["content"]["application/json"]["schema"] == ENVELOPE
            assert all(code in response["description"] for code in response["x-error-codes"])
    assert list(responses) == sorted(responses)


def test_an_operation_without_inputs_documents_no_invented_errors() -> None:
    assert list(_tiny()["paths"]["/plain"]["get"]["responses"]) == ["200"]


def test_the_envelope_schema_replaces_fastapis_validation_error() -> None:
    schemas = _tiny()["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert schemas["ErrorEnvelope"]["required"] == ["error"]
    assert set(schemas["ErrorBody"]["required"]) == {"code", "kind", "message"}


def test_errors_takes_only_error_statuses() -> None:
    with pytest.raises(ValueError):
        errors({200: ["fine"]})


def test_the_docs_assets_ship_in_the_installed_package() -> None:
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert (ASSETS_DIR / name).stat().st_size > 100_000, name


# ---------------------------------------------------------------- Souk's own document


@pytest.fixture(scope="module")
def souk_doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from souk.api.app import create_app
    from souk.core.settings import load_settings

    data_dir = Path(tmp_path_factory.mktemp("openapi"))
    return create_app(load_settings(None, data_dir=str(data_dir))).openapi()


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops in doc["paths"].items() for method, op in ops.items()]


def test_every_api_operation_documents_its_auth_errors_in_the_envelope(souk_doc: dict[str, Any]) -> None:
    public = {"/v1/demo/tokens", "/v1/rtm/info"}  # no credential (demo mode; where the RTM socket listens)
    api = [(m, p, op) for m, p, op in _operations(souk_doc) if p.startswith("/v1/") and p not in public
           and not p.startswith("/v1/operator/")]  # the operator API authenticates with its own secret
    assert len(api) > 40
    for method, path, op in api:
        assert "401" in op["responses"], f"{method.upper()} {path} does not document 401"
        for status, response in op["responses"].items():
            if int(status) >= 400:
                assert response["content"]["application/json"]["schema"] == ENVELOPE, (method, path, status)
                assert response.get("x-error-codes"), f"{method.upper()} {path} {status} lists no error code"


def test_room_parameters_carry_the_room_id_pattern_and_refuse_lobby(souk_doc: dict[str, Any]) -> None:
    seen = 0
    for method, path, op in _operations(souk_doc):
        for param in op.get("parameters", []):
            if param["in"] == "path" and param["name"] in ("room", "room_id"):
                schema = param["schema"]
                pattern = re.compile(schema["pattern"])
                assert pattern.match("live-demo") and not pattern.match("*"), (method, path)
                assert schema["not"] == {"pattern": "^[Ll][Oo][Bb][Bb][Yy]$"}, (method, path)
                seen += 1
    assert seen > 30


def test_numeric_ranges_are_in_the_schema(souk_doc: dict[str, Any]) -> None:
    schemas = souk_doc["components"]["schemas"]
    units = schemas["SaleIn"]["properties"]["units"]
    assert (units["minimum"], units["maximum"]) == (1, 1_000_000)
    limit = next(p for p in souk_doc["paths"]["/v1/rooms"]["get"]["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 500)
