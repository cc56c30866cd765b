"""``[embed]`` settings: the storefront embed (web/static/embed.js, docs/embed.md)."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator


def _origin(value: str) -> str:
    if value == "*":
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") or parts.query:
        raise ValueError(f"[embed] origins: {value!r} is not an origin like https://shop.example (or '*')")
    return f"{parts.scheme}://{parts.netloc}".lower()


class EmbedSettings(BaseModel):
    # per merchant, the shop origins whose pages may call the API from the browser (CORS), e.g.
    # origins = { lumen = ["https://shop.example", "https://www.shop.example"] }; "*" = any origin (a demo only)
    origins: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("origins")
    @classmethod
    def _origins(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return {merchant: sorted({_origin(o) for o in origins}) for merchant, origins in value.items()}

    def allowed(self) -> frozenset[str]:
        """Every origin some merchant allows (a preflight carries no credential to tell the merchant)."""
        return frozenset(o for origins in self.origins.values() for o in origins)

    def allows(self, merchant: str, origin: str) -> bool:
        listed = self.origins.get(merchant, [])
        return "*" in listed or origin.lower() in listed
