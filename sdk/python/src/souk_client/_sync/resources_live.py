# Generated from the _async package by sdk/python/tools/generate.py: do not edit by hand.
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
from souk_client._sync.resources import JsonObject, Resource

Amount = int | str | Decimal  # in the merchant's currency: 25 (whole units), "12.50" or Decimal("12.50")


class Live(Resource):
    # the show
    def start_show(self, room: str, *, title: str | None = None, record: bool | None = None) -> JsonObject:
        return self._call("POST", "/v1/live/{room}/show", room=room, json=_http.body(title=title, record=record))

    def show(self, room: str) -> JsonObject:
        return self._call("GET", "/v1/live/{room}/show", room=room)

    def end_show(self, room: str) -> JsonObject:
        return self._call("POST", "/v1/live/{room}/show/end", room=room)

    def recordings(self, room: str) -> JsonObject:
        return self._call("GET", "/v1/live/{room}/recordings", room=room)

    # pinned products
    def pin(self, room: str, sku: str) -> JsonObject:
        return self._call("POST", "/v1/live/{room}/pins", room=room, json={"sku": sku})

    def pins(self, room: str) -> JsonObject:
        return self._call("GET", "/v1/live/{room}/pins", room=room)

    def unpin(self, room: str, sku: str) -> JsonObject:
        return self._call("DELETE", "/v1/live/{room}/pins/{sku}", room=room, sku=sku)

    # flash sales
    def start_sale(self, room: str, *, sku: str, units: int, price: Amount, duration_s: float) -> JsonObject:
        return self._call("POST", "/v1/live/{room}/sales", room=room, json=_http.body(
            sku=sku, units=units, price=price, duration_s=duration_s))

    def sale(self, room: str, sale_id: str) -> JsonObject:
        return self._call("GET", "/v1/live/{room}/sales/{sale_id}", room=room, sale_id=sale_id)

    def end_sale(self, room: str, sale_id: str) -> JsonObject:
        return self._call("POST", "/v1/live/{room}/sales/{sale_id}/end", room=room, sale_id=sale_id)

    def buy(self, room: str, sale_id: str, *, country: str, qty: int | None = None,
                  order_id: str | None = None) -> JsonObject:
        return self._call("POST", "/v1/live/{room}/sales/{sale_id}/buy", room=room, sale_id=sale_id,
                                json=_http.body(country=country, qty=qty, order_id=order_id))

    # the viewer's cart
    def cart(self, room: str) -> JsonObject:
        return self._call("GET", "/v1/live/{room}/cart", room=room)

    def add_to_cart(self, room: str, sku: str, *, qty: int | None = None) -> JsonObject:
        return self._call("POST", "/v1/live/{room}/cart", room=room, json=_http.body(sku=sku, qty=qty))

    def remove_from_cart(self, room: str, sku: str, *, qty: int | None = None) -> JsonObject:
        return self._call("DELETE", "/v1/live/{room}/cart/{sku}", room=room, sku=sku, params=_http.query(qty=qty))

    def checkout(self, room: str, *, country: str, coupon: str | None = None,
                       order_id: str | None = None) -> JsonObject:
        return self._call("POST", "/v1/live/{room}/checkout", room=room, json=_http.body(
            country=country, coupon=coupon, order_id=order_id))

    def quote(self, room: str, sku: str, *, country: str | None = None, currency: str | None = None,
                    coupon: str | None = None) -> JsonObject:
        return self._call("GET", "/v1/live/{room}/quote/{sku}", room=room, sku=sku, params=_http.query(
            country=country, currency=currency, coupon=coupon))

    # coupons
    def create_coupon(self, room: str, coupon: t.PercentCoupon | t.AmountCoupon) -> JsonObject:
        return self._call("POST", "/v1/live/{room}/coupons", room=room, json=_http.body(**coupon))

    def coupons(self, room: str) -> JsonObject:
        return self._call("GET", "/v1/live/{room}/coupons", room=room)

    def end_coupon(self, room: str, code: str) -> JsonObject:
        return self._call("POST", "/v1/live/{room}/coupons/{code}/end", room=room, code=code)

    # group buys
    def create_group_buy(self, room: str, *, sku: str, tiers: list[t.TierIn], cap: int,
                               duration_s: float, max_qty: int | None = None) -> JsonObject:
        return self._call("POST", "/v1/live/{room}/group-buys", room=room, json=_http.body(
            sku=sku, tiers=tiers, cap=cap, duration_s=duration_s, max_qty=max_qty))

    def group_buys(self, room: str) -> JsonObject:
        return self._call("GET", "/v1/live/{room}/group-buys", room=room)

    def group_buy(self, room: str, offer_id: str) -> JsonObject:
        return self._call("GET", "/v1/live/{room}/group-buys/{offer_id}", room=room, offer_id=offer_id)

    def join_group_buy(self, room: str, offer_id: str, *, country: str, qty: int | None = None,
                             order_id: str | None = None) -> JsonObject:
        return self._call("POST", "/v1/live/{room}/group-buys/{offer_id}/join", room=room,
                                offer_id=offer_id, json=_http.body(country=country, qty=qty, order_id=order_id))

    def end_group_buy(self, room: str, offer_id: str) -> JsonObject:
        return self._call("POST", "/v1/live/{room}/group-buys/{offer_id}/end", room=room, offer_id=offer_id)

    def consult(self, room: str, *, note: str | None = None, lang: str | None = None,
                      sku: str | None = None) -> t.CallOut:
        """A viewer asks the show's host side for a video consult."""
        return cast(t.CallOut, self._call("POST", "/v1/live/{room}/consult", room=room, json=_http.body(
            note=note, lang=lang, sku=sku)))


class Desk(Resource):
    """The desk's inbox and the actions on a conversation; agents, queues, presence, settings, metrics."""

    def conversations(self, *, status: t.StatusFilter | None = None, agent: str | None = None,
                            limit: int | None = None) -> JsonObject:
        return self._call("GET", "/v1/desk/conversations", params=_http.query(status=status, agent=agent,
                                                                                limit=limit))

    def conversation(self, conversation_id: str) -> JsonObject:
        return self._call("GET", "/v1/desk/conversations/{conversation_id}", conversation_id=conversation_id)

    def claim(self, conversation_id: str) -> JsonObject:
        return self._call("POST", "/v1/desk/conversations/{conversation_id}/claim",
                                conversation_id=conversation_id)

    def reply(self, conversation_id: str, *, text: str | None = None, canned_id: str | None = None
                    ) -> JsonObject:
        return self._call("POST", "/v1/desk/conversations/{conversation_id}/messages",
                                conversation_id=conversation_id, json=_http.body(text=text, canned_id=canned_id))

    def note(self, conversation_id: str, text: str) -> JsonObject:
        return self._call("POST", "/v1/desk/conversations/{conversation_id}/notes",
                                conversation_id=conversation_id, json={"text": text})

    def transfer(self, conversation_id: str, *, agent_id: str | None = None, queue: str | None = None,
                       reason: str | None = None) -> JsonObject:
        return self._call("POST", "/v1/desk/conversations/{conversation_id}/transfer",
                                conversation_id=conversation_id, json=_http.body(agent_id=agent_id, queue=queue,
                                                                           reason=reason))

    def handback(self, conversation_id: str) -> JsonObject:
        return self._call("POST", "/v1/desk/conversations/{conversation_id}/handback",
                                conversation_id=conversation_id)

    def close(self, conversation_id: str, *, resolution: t.Resolution | None = None) -> JsonObject:
        return self._call("POST", "/v1/desk/conversations/{conversation_id}/close",
                                conversation_id=conversation_id, json=_http.body(resolution=resolution))

    def video(self, conversation_id: str) -> JsonObject:
        """Offer the shopper a video call from this conversation."""
        return self._call("POST", "/v1/desk/conversations/{conversation_id}/video",
                                conversation_id=conversation_id)

    def queues(self) -> JsonObject:
        return self._call("GET", "/v1/desk/queues")

    def set_presence(self, presence: t.Presence) -> JsonObject:
        return self._call("PUT", "/v1/desk/presence", json={"presence": presence})

    def metrics(self, *, days: int | None = None) -> JsonObject:
        return self._call("GET", "/v1/desk/metrics", params=_http.query(days=days))

    def sla(self) -> JsonObject:
        return self._call("GET", "/v1/desk/sla")

    def agents(self) -> JsonObject:
        return self._call("GET", "/v1/desk/agents")

    def agent(self, agent_id: str) -> JsonObject:
        return self._call("GET", "/v1/desk/agents/{agent_id}", agent_id=agent_id)

    def put_agent(self, agent_id: str, *, name: str | None = None, capacity: int | None = None,
                        skills: t.SkillsIn | None = None) -> JsonObject:
        return self._call("PUT", "/v1/desk/agents/{agent_id}", agent_id=agent_id, json=_http.body(
            name=name, capacity=capacity, skills=skills))

    def delete_agent(self, agent_id: str) -> JsonObject:
        return self._call("DELETE", "/v1/desk/agents/{agent_id}", agent_id=agent_id)

    def settings(self) -> JsonObject:
        return self._call("GET", "/v1/desk/settings")

    def put_settings(self, settings: t.SettingsIn) -> JsonObject:
        return self._call("PUT", "/v1/desk/settings", json=_http.body(**settings))
