"""The API docs page renders in headless Chromium with every request to a non-local host blocked.

Swagger UI (/docs) loads its script and styles from Souk (/docs/assets, the files of the pinned
fastapi-offline package): on an air-gapped machine the page used to be blank
(``SwaggerUIBundle is not defined``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.fixtures.browser import running_souk

pytestmark = [pytest.mark.browser]


def _local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host.startswith("127.0.0.") or url.startswith(("data:", "blob:", "about:"))


async def _offline_page(chromium: Any) -> tuple[Any, Any, list[str]]:
    """A page on which every request to a host other than 127.0.0.x is aborted (and recorded)."""
    context = await chromium.new_context()
    blocked: list[str] = []

    async def route(r: Any) -> None:
        if _local(r.request.url):
            await r.continue_()
        else:
            blocked.append(r.request.url)
            await r.abort()

    await context.route("**/*", route)
    page = await context.new_page()
    return context, page, blocked


async def test_swagger_ui_renders_every_operation_with_the_network_blocked(tmp_path: Path,
                                                                           chromium: Any) -> None:
    async with running_souk(tmp_path / "souk", features=None) as souk:
        paths = (await _openapi_paths(souk.base_url))
        context, page, blocked = await _offline_page(chromium)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            await page.goto(f"{souk.base_url}/docs", wait_until="networkidle")
            await page.wait_for_selector(".opblock-summary-path", timeout=20_000)
            shown = await page.eval_on_selector_all(
                ".opblock-summary-path", "els => els.map(e => e.getAttribute('data-path') || e.innerText)")
            assert await page.locator(".swagger-ui .info .title").inner_text() != ""
            # open one operation: its error responses and codes are there
            await page.locator("[id^='operations-'][id*='close_room']").first.locator(".opblock-summary").click()
            await page.wait_for_selector(".responses-table", timeout=10_000)
            table = await page.locator(".responses-table").first.inner_text()
        finally:
            await context.close()
    assert errors == [], errors
    assert blocked == [], f"the docs page asked for non-local resources: {blocked}"
    assert {s.replace("\u200b", "") for s in shown} >= paths
    assert "404" in table and "unknown_room" in table and "409" in table


async def _openapi_paths(base_url: str) -> set[str]:
    import httpx

    async with httpx.AsyncClient(base_url=base_url) as c:
        doc = (await c.get("/openapi.json")).json()
    return set(doc["paths"])
