"""`souk serve`, `souk demo`, `souk token`, `souk doctor`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from souk.core.errors import SoukError
from souk.core.settings import Settings
from souk.data import demo_product_sku

if TYPE_CHECKING:
    from souk.ops.health import Component


def register(sub: Any, bench: Any) -> None:
    serve = sub.add_parser("serve", help="run the Souk server (API, signaling, pages) with its Janus")
    serve.add_argument("--host", default=None, help="override server.host")
    serve.add_argument("--port", type=int, default=None, help="override server.port")
    serve.set_defaults(func=_serve)

    demo = sub.add_parser("demo", help="seed the demo store, print the page URLs and an API key, then serve")
    demo.add_argument("--host", default=None)
    demo.add_argument("--port", type=int, default=None)
    demo.add_argument("--no-serve", action="store_true", help="seed and print, do not start the server")
    demo.set_defaults(func=_demo)

    token = sub.add_parser("token", help="mint an access token with this server's secret, or revoke one",
                           usage="souk token --identity ID --room ROOM [...] | souk token revoke JTI|--token TOKEN")
    token.add_argument("action", nargs="?", choices=("mint", "revoke"), default="mint",
                       help="mint (the default) or revoke (souk.cli.tokens)")
    token.add_argument("jti", nargs="?", default=None, help="revoke: the token's id (jti)")
    token.add_argument("--token", dest="revoke_token", default=None, help="revoke: the token itself")
    token.add_argument("--merchant", default="lumen")
    token.add_argument("--identity", default=None, help="mint: required")
    token.add_argument("--room", default=None, help="mint: a room id, '*' (staff console) or 'lobby' (shopper)")
    token.add_argument("--role", default="member",
                       help="host, cohost, moderator, member, audience, guest, agent, service")
    token.add_argument("--privileges", default=None, help="comma separated: publish,subscribe,chat,moderate,admin")
    token.add_argument("--ttl", type=int, default=None, help="seconds (default auth.token_ttl_s)")
    token.add_argument("--name", default="")
    token.set_defaults(func=_token)

    doctor = sub.add_parser("doctor", help="check Janus, ports, storage and the offline models")
    doctor.add_argument("--json", action="store_true")
    doctor.set_defaults(func=_doctor)


def _with_server(settings: Settings, host: str | None, port: int | None, **extra: Any) -> Settings:
    server = settings.server.model_copy(update={k: v for k, v in (("host", host), ("port", port)) if v})
    return settings.model_copy(update={"server": server, **extra})


def run_server(settings: Settings) -> None:
    import uvicorn

    from souk.api.app import create_app

    app = create_app(settings)
    # log_config=None: uvicorn's lines go through the root handler (souk.core.logging: JSON or text, secrets
    # masked); its access log is off: souk.api.request_ids writes one without query strings (tokens)
    uvicorn.run(app, host=settings.server.host, port=settings.server.port, log_level="warning",
                log_config=None, access_log=False,
                ws_max_size=4 * settings.server.max_ws_message_bytes, lifespan="on")


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    settings = _with_server(settings, args.host, args.port)
    print(f"souk: serving on {settings.server.base_url}", file=sys.stderr)
    run_server(settings)
    return 0


async def seed_and_key(settings: Settings) -> tuple[str, str]:
    """Seed the demo store (idempotent) and return (merchant id, a usable demo API key)."""
    from souk.storage import open_storage, seed_demo

    storage = await open_storage(settings)
    try:
        seed = await seed_demo(storage)
        key = seed.api_key
        if key is None:  # the first key was shown once and is only stored hashed: mint a fresh one
            for old in await storage.api_keys.list(seed.merchant_id):
                if old.label == "demo-cli" and old.active:
                    await storage.api_keys.revoke(seed.merchant_id, old.key_id)
            key, _ = await storage.api_keys.create(seed.merchant_id, label="demo-cli")
        return seed.merchant_id, key
    finally:
        await storage.aclose()


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    settings = _with_server(settings, args.host, args.port, demo=True)
    merchant, key = asyncio.run(seed_and_key(settings))
    base = settings.server.base_url
    print(f"""
Souk demo: the store "{merchant}" is seeded.

  Shopper product page   {base}/shop/{demo_product_sku()}
  Store front            {base}/
  Seller console         {base}/console
  Demo API key           {key}
                         (shown once; mint tokens with POST {base}/v1/tokens, Authorization: Bearer <key>)

Open the console in one tab and the product page in another, then press "Video call the seller".
Demo mode hands out tokens to the demo pages without a key: never expose it publicly.
""", flush=True)
    if args.no_serve:
        return 0
    run_server(settings)
    return 0


def _token(args: argparse.Namespace, settings: Settings) -> int:
    from souk.api.bootstrap import token_service

    if args.action == "revoke":
        from souk.cli.tokens import revoke

        return revoke(args, settings)
    if not args.identity or not args.room:
        raise SoukError("souk token needs --identity and --room to mint", code="usage")
    privileges = [p.strip() for p in args.privileges.split(",") if p.strip()] if args.privileges else None
    tokens = token_service(settings)
    token = tokens.mint(merchant_id=args.merchant, identity=args.identity, room=args.room, role=args.role,
                        privileges=privileges, ttl_s=args.ttl, name=args.name)
    print(token)
    return 0


def doctor_checks(settings: Settings) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def add(name: str, ok: bool, detail: str, hint: str = "", required: bool = True) -> None:
        out.append({"name": name, "ok": ok, "detail": detail, "hint": hint, "required": required})

    from souk.media.doctor import check_netns, media_checks, port_free

    for c in media_checks(settings):
        add(c.name, c.ok, c.detail, c.hint)
    host, port = settings.server.host, settings.server.port
    try:
        free = port_free(port, host)
        add("server port free", free, f"{host}:{port}" + ("" if free else " is in use"),
            "" if free else "stop what holds it or pass --port")
    except OSError as exc:
        add("server port free", False, f"{host}:{port}: {exc}", "check server.host")
    n = check_netns()
    add(n.name, n.ok, n.detail, n.hint, required=False)
    # the readiness checks of GET /readyz (souk.ops.health): database, Redis, external Janus nodes, models
    for r in asyncio.run(_ready_checks(settings)):
        add(r.name, r.ok, r.detail, "" if r.ok else _HINTS.get(r.name.split(":", 1)[0], ""), r.required)
    return out


_HINTS = {"database": "check database_url and that the server is up", "redis": "check redis_url and that Redis "
          "is up", "janus": "check janus.urls and janus.api_secret, and that the node is up",
          "model": "run `make setup` (or `python -m souk.agent.models install`)"}


async def _ready_checks(settings: Settings) -> list[Component]:
    """What /readyz checks, from the settings instead of a running server's services: the database (read
    only: an SQLite file that does not exist yet is created by `souk serve`, not here), Redis, external Janus
    nodes (the embedded one is checked above: binary and ports), and the model files with their hashes."""
    from souk.ops.health import check_database, check_janus_urls, check_models, check_redis

    out: list[Component] = []
    out.append(await _database(settings, check_database))
    if (redis := await check_redis(settings.redis_url)) is not None:
        out.append(redis)
    if settings.janus.mode == "external":
        out += await check_janus_urls(settings.janus.urls, settings.janus.api_secret.get_secret_value())
    out += await asyncio.to_thread(check_models, settings, verify=True, required=False)
    return out


async def _database(settings: Settings, check: Any) -> Component:
    from souk.ops.health import Component
    from souk.storage import open_storage

    url = settings.db_url
    if url.startswith("sqlite") and ":///" in url:
        path = Path(url.split(":///", 1)[1])
        if not path.exists():
            return Component("database", True, f"{path} does not exist yet (souk serve creates it)")
    try:
        storage = await open_storage(settings, run_migrations=False)
    except SoukError as exc:  # e.g. schema_outdated: the fix is in the message
        return Component("database", False, f"{exc.code}: {exc.message}")
    except OSError as exc:
        return Component("database", False, f"{type(exc).__name__}: {exc}")
    try:
        return cast(Component, await check(storage))
    finally:
        await storage.aclose()


def _doctor(args: argparse.Namespace, settings: Settings) -> int:
    checks = doctor_checks(settings)
    if args.json:
        print(json.dumps(checks, indent=2))
    else:
        for c in checks:
            mark = "ok  " if c["ok"] else ("FAIL" if c["required"] else "warn")
            print(f"{mark} {c['name']}: {c['detail']}" + (f"  -> {c['hint']}" if c["hint"] and not c["ok"] else ""))
    return 0 if all(c["ok"] for c in checks if c["required"]) else 1
