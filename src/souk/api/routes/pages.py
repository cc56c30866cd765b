"""HTML pages (shopper product page, seller console, service desk and its metrics, store index) and the static
files (SDK, page JS)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from souk.api.auth import Ctx
from souk.api.openapi import errors
from souk.api.params import MerchantQuery
from souk.api.routes.auth import DEMO_MERCHANT
from souk.core.errors import NotFound
from souk.web.render import STATIC_DIR, attributes_html, call_panel_html, page, product_card_html

router = APIRouter()


@router.get("/", response_class=HTMLResponse, responses=errors({404: ["merchant_not_found"]}))
async def index(ctx: Ctx, m: MerchantQuery = DEMO_MERCHANT) -> HTMLResponse:
    merchant = await ctx.storage.merchants.get(m)
    products = await ctx.storage.catalog.list(m)
    cards = "".join(product_card_html(p, m, merchant.currency) for p in products)
    return HTMLResponse(page("index.html", store_name=merchant.name, cards_html=cards))


@router.get("/shop/{sku}", response_class=HTMLResponse,
            responses=errors({404: ["merchant_not_found", "product_not_found"]}))
async def shop(sku: str, ctx: Ctx, m: MerchantQuery = DEMO_MERCHANT, lang: str = "en") -> HTMLResponse:
    merchant = await ctx.storage.merchants.get(m)
    product = await ctx.storage.catalog.get(m, sku)
    lang = lang if lang in merchant.languages else "en"
    stock = f"In stock ({product.stock})" if product.in_stock else "Out of stock"
    return HTMLResponse(page(
        "shop.html", lang=lang, store_name=merchant.name, ships_from=merchant.ships_from, sku=product.sku,
        merchant_id=m, product_name=product.name(lang), currency=merchant.currency, price=product.price,
        description=product.description, category=product.category, stock_text=stock,
        assistant="1" if ctx.assistant is not None else "",  # the agent feature is running
        attributes_html=attributes_html(product), call_html=call_panel_html("Calling…")))


@router.get("/shop", response_class=RedirectResponse, status_code=307,
            responses=errors({404: ["merchant_not_found", "no_products"]}))
async def shop_first(ctx: Ctx, m: MerchantQuery = DEMO_MERCHANT) -> RedirectResponse:
    products = await ctx.storage.catalog.list(m)
    if not products:
        raise NotFound("this store has no products", code="no_products")
    return RedirectResponse(f"/shop/{products[0].sku}?m={m}")


@router.get("/console", response_class=HTMLResponse, responses=errors({404: ["merchant_not_found"]}))
async def console(ctx: Ctx, m: MerchantQuery = DEMO_MERCHANT) -> HTMLResponse:
    merchant = await ctx.storage.merchants.get(m)
    return HTMLResponse(page("console.html", store_name=merchant.name, merchant_id=m,
                             call_html=call_panel_html()))


@router.get("/desk", response_class=HTMLResponse, responses=errors({404: ["merchant_not_found"]}))
async def desk(ctx: Ctx, m: MerchantQuery = DEMO_MERCHANT) -> HTMLResponse:
    """The service desk (staff token from ``?token=`` or ``#token=``; the demo seller's in demo mode)."""
    merchant = await ctx.storage.merchants.get(m)
    return HTMLResponse(page("desk.html", store_name=merchant.name, merchant_id=m, call_html=call_panel_html()))


@router.get("/desk/metrics", response_class=HTMLResponse, responses=errors({404: ["merchant_not_found"]}))
async def desk_metrics(ctx: Ctx, m: MerchantQuery = DEMO_MERCHANT) -> HTMLResponse:
    """The desk's metrics with charts (GET /v1/desk/metrics)."""
    merchant = await ctx.storage.merchants.get(m)
    return HTMLResponse(page("desk_metrics.html", store_name=merchant.name, merchant_id=m))


@router.get("/ops", response_class=HTMLResponse, responses=errors({404: ["merchant_not_found"]}))
async def ops(ctx: Ctx, m: MerchantQuery = DEMO_MERCHANT) -> HTMLResponse:
    """Call quality with charts (GET /v1/quality/dashboard, /sales, /rooms/{room}; docs/quality.md)."""
    merchant = await ctx.storage.merchants.get(m)
    return HTMLResponse(page("ops.html", store_name=merchant.name, merchant_id=m))


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> Response:
    return Response(status_code=204)


@router.get("/static/{path:path}", responses=errors({404: ["not_found"]}))
async def static(path: str) -> FileResponse:
    root = STATIC_DIR.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root) or not target.is_file() or _hidden(target, root):
        raise NotFound(f"no static file {path!r}", code="not_found")
    return FileResponse(target, headers={"Cache-Control": "no-cache"})


def _hidden(target: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in target.relative_to(root).parts)
