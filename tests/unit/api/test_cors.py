"""CORS for the storefront embed: public code to any origin, the API to the merchants' [embed] origins only."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from souk.api.cors import Cors
from souk.core.embedsettings import EmbedSettings

SHOP = "https://shop.example"


def client(origins: dict[str, list[str]]) -> TestClient:
    app = FastAPI()

    @app.post("/v1/consults")
    def consult() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/static/sdk/souk.js")
    def sdk() -> str:
        return "code"

    app.add_middleware(Cors, embed=EmbedSettings(origins=origins))
    return TestClient(app)


def test_allowed_origin_gets_preflight_and_response_headers() -> None:
    c = client({"lumen": [SHOP + "/"], "acme": ["https://acme.example"]})
    pre = c.options("/v1/consults", headers={"Origin": SHOP, "Access-Control-Request-Method": "POST",
                                             "Access-Control-Request-Headers": "authorization,content-type"})
    assert pre.status_code == 204 and pre.headers["access-control-allow-origin"] == SHOP
    assert "authorization" in pre.headers["access-control-allow-headers"]
    assert "access-control-allow-credentials" not in pre.headers  # bearer tokens, never cookies
    res = c.post("/v1/consults", headers={"Origin": SHOP})
    assert res.headers["access-control-allow-origin"] == SHOP and res.headers["vary"] == "Origin"
    assert "x-request-id" in res.headers["access-control-expose-headers"]


def test_other_origins_get_no_cors_headers() -> None:
    c = client({"lumen": [SHOP]})
    pre = c.options("/v1/consults", headers={"Origin": "https://evil.example",
                                             "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 405 and "access-control-allow-origin" not in pre.headers
    res = c.post("/v1/consults", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in res.headers
    assert "access-control-allow-origin" not in c.post("/v1/consults").headers  # same origin: nothing to add


def test_public_code_to_any_origin() -> None:
    res = client({}).get("/static/sdk/souk.js", headers={"Origin": "https://anyone.example"})
    assert res.headers["access-control-allow-origin"] == "*"


def test_settings() -> None:
    s = EmbedSettings(origins={"lumen": ["HTTPS://Shop.Example", "https://shop.example/", "*"]})
    assert s.origins == {"lumen": ["*", "https://shop.example"]}
    assert s.allows("lumen", "https://other.example") and not s.allows("acme", "https://shop.example")
    for bad in ("shop.example", "https://shop.example/path", "ftp://shop.example"):
        with pytest.raises(ValueError, match="not an origin"):
            EmbedSettings(origins={"lumen": [bad]})
