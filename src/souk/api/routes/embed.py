"""``GET /embed.js``: the storefront embed (web/static/embed.js, docs/embed.md), one script tag on a shop page
of another origin mounts the assistant and a video-call button (CORS: souk.api.cors)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from souk.web.render import STATIC_DIR

router = APIRouter()


@router.get("/embed.js", include_in_schema=False)
async def embed_js() -> FileResponse:
    return FileResponse(STATIC_DIR / "embed.js", media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=300"})
