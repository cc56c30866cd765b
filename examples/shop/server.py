"""The shop's own backend for examples/shop/index.html: serves the page and mints shopper tokens.

A merchant's server does two things for the embed (docs/embed.md): it serves its pages (with the embed's
<script> tag pointing at the Souk server) and answers the page's token URL with a short-lived shopper token,
minted with the merchant's API key (``POST /v1/tokens``, room ``lobby``), so the key never reaches the browser.
The shopper keeps one identity through a cookie of this shop. Standard library only: copy it into any stack.

    SOUK_URL=http://127.0.0.1:8080 SOUK_API_KEY=sk_... python examples/shop/server.py --port 8000

The Souk server must list this page's origin for the merchant: ``[embed] origins = { lumen =
["http://127.0.0.1:8000"] }`` (or SOUK_EMBED__ORIGINS='{"lumen": ["http://127.0.0.1:8000"]}').
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import threading
import urllib.error
import urllib.request
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGE = Path(__file__).with_name("index.html")
PLACEHOLDER = "https://souk.example"
COOKIE = "shop_session"


class Shop:
    """What the handler needs: the Souk URL, the merchant's API key, a token lifetime."""

    def __init__(self, souk_url: str, api_key: str, ttl_s: int = 3600) -> None:
        self.souk_url = souk_url.rstrip("/")
        self.api_key = api_key
        self.ttl_s = ttl_s

    def page(self) -> bytes:
        return PAGE.read_text(encoding="utf-8").replace(PLACEHOLDER, self.souk_url).encode()

    def mint(self, identity: str) -> dict[str, object]:
        body = json.dumps({"identity": identity, "room": "lobby", "role": "member", "ttl_s": self.ttl_s}).encode()
        req = urllib.request.Request(f"{self.souk_url}/v1/tokens", data=body, method="POST", headers={
            "Authorization": f"Bearer {self.api_key}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as res:
            out: dict[str, object] = json.loads(res.read())
            return out


def handler_for(shop: Shop) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet; a real shop logs its own way
            return

        def _send(self, status: int, body: bytes, ctype: str, cookie: str | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            if cookie:
                self.send_header("Set-Cookie", f"{COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Lax")
            self.end_headers()
            self.wfile.write(body)

        def _session(self) -> tuple[str, str | None]:
            jar = SimpleCookie(self.headers.get("Cookie", ""))
            if COOKIE in jar and jar[COOKIE].value.isalnum():
                return jar[COOKIE].value, None
            new = secrets.token_hex(8)
            return new, new

        def do_GET(self) -> None:
            if self.path in ("/", "/index.html", "/product/AP-1002"):
                self._send(200, shop.page(), "text/html; charset=utf-8")
            else:
                self._send(404, b"not found", "text/plain")

        def do_POST(self) -> None:
            if self.path != "/my-backend/souk-token":
                self._send(404, b"not found", "text/plain")
                return
            session, new_cookie = self._session()
            try:
                minted = shop.mint(f"shopper_{session}")
            except (urllib.error.URLError, TimeoutError) as exc:
                self._send(502, json.dumps({"error": f"souk: {exc}"}).encode(), "application/json")
                return
            out = json.dumps({"token": minted["token"], "expires_in": minted.get("expires_in")}).encode()
            self._send(200, out, "application/json", cookie=new_cookie)

    return Handler


def serve(shop: Shop, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """Start serving in a daemon thread; ``shutdown()`` and ``server_close()`` stop it."""
    server = ThreadingHTTPServer((host, port), handler_for(shop))
    threading.Thread(target=server.serve_forever, name="example-shop", daemon=True).start()
    return server


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    args = p.parse_args()
    shop = Shop(os.environ.get("SOUK_URL", "http://127.0.0.1:8080"), os.environ["SOUK_API_KEY"])
    server = ThreadingHTTPServer((args.host, args.port), handler_for(shop))
    print(f"shop on http://{args.host}:{args.port}/ (Souk at {shop.souk_url})")
    server.serve_forever()


if __name__ == "__main__":
    main()
