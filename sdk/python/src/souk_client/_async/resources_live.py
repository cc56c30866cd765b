"""Live shopping (shows, pins, flash sales, coupons, carts, group buys) and the customer-service desk.

Live calls take the show's host token (or a staff token) for the seller side and a viewer's token for the
shopper side (cart, buy, checkout, join); desk calls take a staff token or the API key (docs/live.md,
docs/desk.md). Arguments left as None are not sent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from souk_client import _http
from souk_client import types as t
from souk_client._async.resources import JsonObject, Resource

Amount = int | str | Decimal  # in the merchant's currency: 25 (whole units), "12.50" or Decimal("12.50")


class AsyncLive(Resource):
    # the show
    async def start_show(self, room: str, *, title: str | None = None, record: bool | None = None) -> JsonObject:
        return await self._call("POST", "/v1/live/{room}/show", room=room, json=_http.body(title=title, record=record))

    async def show(self, room: str) -> JsonObject:
        return await self._call("GET", "/v1/live/{room}/show", room=room)

    async def end_show(self, room: str) -> JsonObject:
        return await self._call("POST", "/v1/live/{room}/show/end", room=room)

    async def recordings(self, room: str) -> JsonObject:
        return await self._call("GET", "/v1/live/{room}/recordings", room=room)

    # pinned products
    async def pin(self, room: str, sku: str) -> JsonObject:
        return await self._call("POST", "/v1/live/{room}/pins", room=room, json={"sku": sku})

    async def pins(self, room: str) -> JsonObject:
        return await self._call("GET", "/v1/live/{room}/pins", room=room)

    async def unpin(self, room: str, sku: str) -> JsonObject:
        return await self._call("DELETE", "/v1/live/{room}/pins/{sku}", room=room, sku=sku)

    # flash sales
    async def start_sale(self, room: str, *, sku: str, units: int, price: Amount, duration_s: float) -> JsonObject:
        return await self._call("POST", "/v1/live/{room}/sales", room=room, json=_http.body(
            sku=sku, units=units, price=price, duration_s=duration_s))

    async def sale(self, room: str, sale_id: str) -> JsonObject:
        return await self._call("GET", "/v1/live/{room}/sales/{sale_id}", room=room, sale_id=sale_id)

    async def end_sale(self, room: str, sale_id: str) -> JsonObject:
        return await self._call("POST", "/v1/live/{room}/sales/{sale_id}/end", room=room, sale_id=sale_id)

    async def buy(self, room: str, sale_id: str, *, country: str, qty: int | None = None,
                  order_id: str | None = None) -> JsonObject:
        return await self._call("POST", "/v1/live/{room}/sales/{sale_id}/buy", room=room, sale_id=sale_id,
                                json=_http.body(country=country, qty=qty, order_id=order_id))

    # the viewer's cart
    async def cart(self, room: str) -> JsonObject:
        return await self._call("GET", "/v1/live/{room}/cart", room=room)

    async def add_to_cart(self, room: str, sku: str, *, qty: int | None = None) -> JsonObject:
        return await self._call("POST", "/v1/live/{room}/cart", room=room, json=_http.body(sku=sku, qty=qty))

    async def remove_from_cart(self, room: str, sku: str, *, qty: int | None = None) -> JsonObject:
        return await self._call("DELETE", "/v1/live/{room}/cart/{sku}", room=room, sku=sku, params=_http.query(qty=qty))

    async def checkout(self, room: str, *, country: str, coupon: str | None = None,
                       order_id: str | None = None) -> JsonObject:
        return await self._call("POST", "/v1/live/{room}/checkout", room=room, json=_http.body(
            country=country, coupon=coupon, order_id=order_id))

    async def quote(self, room: str, sku: str, *, country: str | None = None, currency: str | None = None,
                    coupon: str | None = None) -> JsonObject:
        return await self._call("GET", "/v1/live/{room}/quote/{sku}", room=room, sku=sku, params=_http.query(
            country=country, currency=currency, coupon=coupon))

    # coupons
    async def create_coupon(self, room: str, coupon: t.PercentCoupon | t.AmountCoupon) -> JsonObject:
        return await self._call("POST", "/v1/live/{room}/coupons", room=room, json=_http.body(**coupon))

    async def coupons(self, room: str) -> JsonObject:
        return await self._call("GET", "/v1/live/{room}/coupons", room=room)

    async def end_coupon(self, room: str, code: str) -> JsonObject:
        return await self._call("POST", "/v1/live/{room}/coupons/{code}/end", room=room, code=code)

    # group buys
    async def create_group_buy(self, room: str, *, sku: str, tiers: list[t.TierIn], cap: int,
                               duration_s: float, max_qty: int | None = None) -> JsonObject:
        return await self._call("POST", "/v1/live/{room}/group-buys", room=room, json=_http.body(
            sku=sku, tiers=tiers, cap=cap, duration_s=duration_s, max_qty=max_qty))

    async def group_buys(self, room: str) -> JsonObject:
        return await self._call("GET", "/v1/live/{room}/group-buys", room=room)

    async def group_buy(self, room: str, offer_id: str) -> JsonObject:
        return await self._call("GET", "/v1/live/{room}/group-buys/{offer_id}", room=room, offer_id=offer_id)

    async def join_group_buy(self, room: str, offer_id: str, *, country: str, qty: int | None = None,
                             order_id: str | None = None) -> JsonObject:
        return await self._call("POST", "/v1/live/{room}/group-buys/{offer_id}/join", room=room,
                                offer_id=offer_id, json=_http.body(country=country, qty=qty, order_id=order_id))

    async def end_group_buy(self, room: str, offer_id: str) -> JsonObject:
        return await self._call("POST", "/v1/live/{room}/group-buys/{offer_id}/end", room=room, offer_id=offer_id)

    async def consult(self, room: str, *, note: str | None = None, lang: str | None = None,
                      sku: str | None = None) -> t.CallOut:
        """A viewer asks the show's host side for a video consult."""
        return cast(t.CallOut, await self._call("POST", "/v1/live/{room}/consult", room=room, json=_http.body(
            note=note, lang=lang, sku=sku)))


class AsyncDesk(Resource):
    """The desk's inbox and the actions on a conversation; agents, queues, presence, settings, metrics."""

    async def conversations(self, *, status: t.StatusFilter | None = None, agent: str | None = None,
                            limit: int | None = None) -> JsonObject:
        return await self._call("GET", "/v1/desk/conversations", params=_http.query(status=status, agent=agent,
                                                                                limit=limit))

    async def conversation(self, conversation_id: str) -> JsonObject:
        return await self._call("GET", "/v1/desk/conversations/{conversation_id}", conversation_id=conversation_id)

    async def claim(self, conversation_id: str) -> JsonObject:
        return await self._call("POST", "/v1/desk/conversations/{conversation_id}/claim",
                                conversation_id=conversation_id)

    async def reply(self, conversation_id: str, *, text: str | None = None, canned_id: str | None = None
                    ) -> JsonObject:
        return await self._call("POST", "/v1/desk/conversations/{conversation_id}/messages",
                                conversation_id=conversation_id, json=_http.body(text=text, canned_id=canned_id))

    async def note(self, conversation_id: str, text: str) -> JsonObject:
        return await self._call("POST", "/v1/desk/conversations/{conversation_id}/notes",
                                conversation_id=conversation_id, json={"text": text})

    async def transfer(self, conversation_id: str, *, agent_id: str | None = None, queue: str | None = None,
                       reason: str | None = None) -> JsonObject:
        return await self._call("POST", "/v1/desk/conversations/{conversation_id}/transfer",
                                conversation_id=conversation_id, json=_http.body(agent_id=agent_id, queue=queue,
                                                                           reason=reason))

    async def handback(self, conversation_id: str) -> JsonObject:
        return await self._call("POST", "/v1/desk/conversations/{conversation_id}/handback",
                                conversation_id=conversation_id)

    async def close(self, conversation_id: str, *, resolution: t.Resolution | None = None) -> JsonObject:
        return await self._call("POST", "/v1/desk/conversations/{conversation_id}/close",
                                conversation_id=conversation_id, json=_http.body(resolution=resolution))

    async def video(self, conversation_id: str) -> JsonObject:
        """Offer the shopper a video call from this conversation."""
        return await self._call("POST", "/v1/desk/conversations/{conversation_id}/video",
                                conversation_id=conversation_id)

    async def queues(self) -> JsonObject:
        return await self._call("GET", "/v1/desk/queues")

    async def set_presence(self, presence: t.Presence) -> JsonObject:
        return await self._call("PUT", "/v1/desk/presence", json={"presence": presence})

    async def metrics(self, *, days: int | None = None) -> JsonObject:
        return await self._call("GET", "/v1/desk/metrics", params=_http.query(days=days))

    async def sla(self) -> JsonObject:
        return await self._call("GET", "/v1/desk/sla")

    async def agents(self) -> JsonObject:
        return await self._call("GET", "/v1/desk/agents")

    async def agent(self, agent_id: str) -> JsonObject:
        return await self._call("GET", "/v1/desk/agents/{agent_id}", agent_id=agent_id)

    async def put_agent(self, agent_id: str, *, name: str | None = None, capacity: int | None = None,
                        skills: t.SkillsIn | None = None) -> JsonObject:
        return await self._call("PUT", "/v1/desk/agents/{agent_id}", agent_id=agent_id, json=_http.body(
            name=name, capacity=capacity, skills=skills))

    async def delete_agent(self, agent_id: str) -> JsonObject:
        return await self._call("DELETE", "/v1/desk/agents/{agent_id}", agent_id=agent_id)

    async def settings(self) -> JsonObject:
        return await self._call("GET", "/v1/desk/settings")

    async def put_settings(self, settings: t.SettingsIn) -> JsonObject:
        return await self._call("PUT", "/v1/desk/settings", json=_http.body(**settings))
