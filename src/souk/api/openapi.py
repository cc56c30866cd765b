"""The OpenAPI document: every error an operation can answer, and the API docs served offline.

How a route declares its errors (see also docs/api.md, "Errors"):

    @router.post("/v1/rooms/{room_id}/close", responses=errors({404: ["unknown_room"], 409: ["room_closed"]}))

``errors(*specs)`` takes mappings ``{status: [error codes]}`` and merges them. What the route's
dependencies raise is added by itself: a dependency declares its errors once with ``@raises({...})``
(souk.api.auth does for every credential check). Every operation with parameters or a body also gets
``422 invalid_request``; one with a body gets ``400 bad_json / bad_body`` and
``413 body_too_large`` (souk.api.body). Every error response has the schema ``ErrorEnvelope`` and lists its
codes in the description and in ``x-error-codes``.

``/docs`` (Swagger UI) loads its script and styles from Souk itself (``/docs/assets/...``, the files of the
pinned ``fastapi-offline`` package): it works with no network. (No ReDoc page: its bundle fetches its logo
from a CDN.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

Responses = dict[int | str, dict[str, Any]]
ErrorSpec = Mapping[int, Iterable[str]]
F = TypeVar("F", bound=Callable[..., Any])

ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs/assets"
ENVELOPE_REF = "#/components/schemas/ErrorEnvelope"

_TITLES = {400: "Bad request", 401: "Not authenticated", 403: "Forbidden", 404: "Not found", 409: "Conflict",
           413: "Too large", 415: "Unsupported media type", 422: "Validation failed", 429: "Rate limited",
           503: "Unavailable",
           504: "Timed out"}

# Errors every operation with a body can answer before its handler runs (souk.api.body, souk.api.errors).
BODY_ERRORS: ErrorSpec = {400: ["bad_json", "bad_body"], 413: ["body_too_large"],
                          422: ["invalid_request"]}
PARAM_ERRORS: ErrorSpec = {422: ["invalid_request"]}


class ErrorBody(BaseModel):
    code: str = Field(description="stable machine-readable code, e.g. unknown_room; listed per response")
    kind: str = Field(description="the error's kind: bad_request, unauthenticated, forbidden, not_found, ...")
    message: str = Field(description="for people; may change")
    retryable: bool = Field(default=False, description="present and true when retrying later may succeed")
    details: dict[str, Any] | None = Field(default=None, description="code-specific facts (e.g. errors, limits)")


class ErrorEnvelope(BaseModel):
    """Every REST error: ``{"error": {"code", "kind", "message", ...}}``."""

    error: ErrorBody


def _merge(into: dict[int, set[str]], spec: ErrorSpec) -> dict[int, set[str]]:
    for status, codes in spec.items():
        if not 400 <= int(status) <= 599:
            raise ValueError(f"errors() takes error statuses, not {status}")
        into.setdefault(int(status), set()).update(codes)
    return into


def _response(status: int, codes: Iterable[str]) -> dict[str, Any]:
    listed = sorted(codes)
    title = _TITLES.get(status, "Error")
    return {"description": f"{title}: {', '.join(listed)}" if listed else title,
            "content": {"application/json": {"schema": {"$ref": ENVELOPE_REF}}},
            "x-error-codes": listed}


def errors(*specs: ErrorSpec) -> Responses:
    """The ``responses=`` of a route: ``errors({404: ["unknown_room"]}, {409: ["room_closed"]})``."""
    merged: dict[int, set[str]] = {}
    for spec in specs:
        _merge(merged, spec)
    return {status: _response(status, codes) for status, codes in sorted(merged.items())}


def raises(*specs: ErrorSpec) -> Callable[[F], F]:
    """Declare what a dependency raises; every operation that depends on it documents these errors."""
    def mark(func: F) -> F:
        merged: dict[int, set[str]] = {}
        for spec in (*getattr(func, "__souk_errors__", ()), *specs):
            _merge(merged, spec)
        func.__souk_errors__ = (merged,)  # type: ignore[attr-defined]
        return func
    return mark


def dependency_errors(dependant: Dependant) -> dict[int, set[str]]:
    """The errors declared by every dependency (at any depth) of an endpoint."""
    out: dict[int, set[str]] = {}
    for dep in dependant.dependencies:
        for spec in getattr(dep.call, "__souk_errors__", ()):
            _merge(out, spec)
        for status, codes in dependency_errors(dep).items():
            out.setdefault(status, set()).update(codes)
    return out


def api_routes(app: FastAPI) -> Iterator[Any]:
    """The app's path operations as the document sees them (routes of included routers flattened): each has
    ``path_format``, ``methods``, ``responses``, ``dependant``, ``body_field``, ``include_in_schema``."""
    for ctx in iter_route_contexts(app.routes):
        if isinstance(ctx.original_route, APIRoute):
            yield ctx


def route_errors(route: Any) -> dict[int, set[str]]:
    """Everything ``route`` documents or should: its own errors, its dependencies', body and parameters'."""
    out = dependency_errors(route.dependant)
    for status, response in route.responses.items():
        if str(status).isdigit() and int(status) >= 400:
            out.setdefault(int(status), set()).update(response.get("x-error-codes", ()))
    if route.body_field is not None:
        _merge(out, BODY_ERRORS)
    if _has_params(route.dependant):
        _merge(out, PARAM_ERRORS)
    return out


def _has_params(dependant: Dependant) -> bool:
    if dependant.path_params or dependant.query_params or dependant.header_params or dependant.cookie_params:
        return True
    return any(_has_params(d) for d in dependant.dependencies)


def build_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description,
                         routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorEnvelope"] = ErrorEnvelope.model_json_schema(ref_template="#/components/schemas/{model}")
    components["ErrorBody"] = components["ErrorEnvelope"].pop("$defs")["ErrorBody"]
    for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422 shape: never what Souk answers
        components.pop(name, None)
    for route in api_routes(app):
        if not route.include_in_schema:
            continue
        for method in route.methods:
            op = schema["paths"][route.path_format].get(method.lower())
            if op is None:
                continue
            responses = op.setdefault("responses", {})
            for status, codes in route_errors(route).items():
                responses[str(status)] = _response(status, codes)
            op["responses"] = dict(sorted(responses.items()))
    app.openapi_schema = schema
    return schema


def install_openapi(app: FastAPI) -> None:
    """The error-complete document at /openapi.json and the offline docs page (create the app with
    ``docs_url=None, redoc_url=None``)."""
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} API",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None})  # no badge fetched from validator.swagger.io
