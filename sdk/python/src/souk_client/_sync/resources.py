# Generated from the _async package by sdk/python/tools/generate.py: do not edit by hand.
"""The platform's resources: access tokens, merchants (operator API), rooms, consults, webhooks.

Each method is one REST operation (docs/api.md, docs/webhooks.md, docs/merchants.md); arguments left as
None are not sent, so the server's defaults apply. Answers are the JSON the server sends, typed by
souk_client.types (generated from the OpenAPI document).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from souk_client import types as t
from souk_client._http import body, path, query

if TYPE_CHECKING:
    from souk_client._sync.client import Souk

JsonObject = dict[str, Any]
# aliases: inside a class with a method named ``list``, ``list[...]`` in a later signature names that method
JsonList = list[JsonObject]
Strings = list[str]
RoomOuts = list[t.RoomOut]
ParticipantOuts = list[t.ParticipantOut]
EndpointOuts = list[t.EndpointOut]
DeliveryOuts = list[t.DeliveryOut]


class Resource:
    def __init__(self, client: Souk) -> None:
        self._c = client

    def _call(self, method: str, template: str, *, json: Any = None, params: dict[str, Any] | None = None,
                    **ids: str) -> JsonObject:
        """One operation whose answer is a JSON object; ``ids`` fill the path template."""
        return cast(JsonObject, self._c.request(method, path(template, **ids), json=json, params=params))


class Tokens(Resource):
    """``POST /v1/tokens``: what a merchant's backend calls (with its API key) to let a shopper or staff in."""

    def mint(self, *, identity: str, room: str, role: t.Role, privileges: Strings | None = None,
                   ttl_s: int | None = None, name: str | None = None, region: str | None = None
                   ) -> t.TokenResponse:
        """An access token for ``identity`` in ``room`` (a room id, ``*`` for staff consoles, ``lobby`` for
        a shopper about to request a consult)."""
        return cast(t.TokenResponse, self._c.request("POST", "/v1/tokens", json=body(
            identity=identity, room=room, role=role, privileges=privileges, ttl_s=ttl_s, name=name,
            region=region)))

    def revoke(self, *, jti: str | None = None, token: str | None = None) -> t.RevokeResponse:
        """Revoke by the token's id or the token itself (exactly one); its sockets close on every node."""
        if (jti is None) == (token is None):
            raise ValueError("give exactly one of jti or token")
        return cast(t.RevokeResponse, self._c.request("POST", "/v1/tokens/revoke",
                                                            json=body(jti=jti, token=token)))


class Merchants(Resource):
    """The operator API (``operator_token``): merchants, their API keys, their store files."""

    def create(self, *, id: str, name: str, currency: str, region: str, languages: Strings | None = None,
                     timezone: str | None = None, ships_from: str | None = None,
                     country: str | None = None) -> JsonObject:
        """``{"merchant", "api_key", "key_id"}``: the first API key is in this answer only."""
        return cast(JsonObject, self._c.operator_request("POST", "/v1/operator/merchants", json=body(
            id=id, name=name, currency=currency, region=region, languages=languages, timezone=timezone,
            ships_from=ships_from, country=country)))

    def list(self) -> JsonList:
        answer = self._c.operator_request("GET", "/v1/operator/merchants")
        return cast(JsonList, answer["merchants"])

    def get(self, merchant_id: str) -> JsonObject:
        return cast(JsonObject, self._c.operator_request(
            "GET", path("/v1/operator/merchants/{merchant_id}", merchant_id=merchant_id)))

    def issue_key(self, merchant_id: str, *, label: str = "") -> JsonObject:
        """Another API key (``api_key`` is in this answer only)."""
        return cast(JsonObject, self._c.operator_request(
            "POST", path("/v1/operator/merchants/{merchant_id}/keys", merchant_id=merchant_id),
            json={"label": label}))

    def keys(self, merchant_id: str) -> JsonList:
        answer = self._c.operator_request(
            "GET", path("/v1/operator/merchants/{merchant_id}/keys", merchant_id=merchant_id))
        return cast(JsonList, answer["keys"])

    def revoke_key(self, merchant_id: str, key_id: str) -> JsonObject:
        return cast(JsonObject, self._c.operator_request("DELETE", path(
            "/v1/operator/merchants/{merchant_id}/keys/{key_id}", merchant_id=merchant_id, key_id=key_id)))

    def import_store(self, merchant_id: str, store: JsonObject) -> JsonObject:
        """Load a store file in one transaction (422 ``store_invalid`` lists every problem; nothing changes)."""
        return cast(JsonObject, self._c.operator_request(
            "PUT", path("/v1/operator/merchants/{merchant_id}/store", merchant_id=merchant_id), json=store))

    def export_store(self, merchant_id: str) -> JsonObject:
        return cast(JsonObject, self._c.operator_request(
            "GET", path("/v1/operator/merchants/{merchant_id}/store", merchant_id=merchant_id)))


class Rooms(Resource):
    def create(self, kind: t.RoomKind, *, room_id: str | None = None,
                     metadata: dict[str, Any] | None = None) -> t.RoomOut:
        return cast(t.RoomOut, self._c.request("POST", "/v1/rooms", json=body(
            kind=kind, room_id=room_id, metadata=metadata)))

    def list(self, *, status: t.RoomStatus | None = None, kind: t.RoomKind | None = None,
                   limit: int | None = None) -> RoomOuts:
        return cast(RoomOuts, self._c.request("GET", "/v1/rooms", params=query(
            status=status, kind=kind, limit=limit)))

    def get(self, room_id: str) -> t.RoomOut:
        return cast(t.RoomOut, self._c.request("GET", path("/v1/rooms/{room_id}", room_id=room_id)))

    def close(self, room_id: str) -> t.RoomOut:
        """Close the room: its call (if any) is hung up and every participant is disconnected."""
        return cast(t.RoomOut, self._c.request("POST", path("/v1/rooms/{room_id}/close", room_id=room_id)))

    def participants(self, room_id: str, *, present_only: bool | None = None) -> ParticipantOuts:
        return cast(ParticipantOuts, self._c.request(
            "GET", path("/v1/rooms/{room_id}/participants", room_id=room_id),
            params=query(present_only=present_only)))


class Consults(Resource):
    """Video consults: a shopper's token requests one, a staff token (room ``*``) accepts, declines, hangs up."""

    def request(self, *, product_sku: str | None = None, language: str | None = None,
                      name: str | None = None, conversation_id: str | None = None) -> t.CallOut:
        """Ring the merchant's staff (with a shopper token): the answer's ``token`` joins the call's room."""
        return cast(t.CallOut, self._c.request("POST", "/v1/consults", json=body(
            product_sku=product_sku, language=language, name=name, conversation_id=conversation_id)))

    def list(self, *, limit: int | None = None) -> t.ConsultList:
        return cast(t.ConsultList, self._c.request("GET", "/v1/consults", params=query(limit=limit)))

    def get(self, call_id: str) -> t.CallOut:
        return cast(t.CallOut, self._c.request("GET", path("/v1/consults/{call_id}", call_id=call_id)))

    def accept(self, call_id: str) -> t.CallOut:
        """Answer a ringing call (staff): the answer's ``token`` is the seller's token for the call's room."""
        return cast(t.CallOut, self._c.request(
            "POST", path("/v1/consults/{call_id}/accept", call_id=call_id)))

    def decline(self, call_id: str) -> t.CallOut:
        return cast(t.CallOut, self._c.request(
            "POST", path("/v1/consults/{call_id}/decline", call_id=call_id)))

    def hangup(self, call_id: str) -> t.CallOut:
        return cast(t.CallOut, self._c.request(
            "POST", path("/v1/consults/{call_id}/hangup", call_id=call_id)))


class Webhooks(Resource):
    """The merchant's webhook endpoints, the test event, the delivery log (docs/webhooks.md)."""

    def list(self) -> EndpointOuts:
        answer = cast(t.EndpointList, self._c.request("GET", "/v1/webhooks"))
        return answer["webhooks"]

    def create(self, *, url: str, events: Strings, secret: str | None = None) -> t.EndpointWithSecret:
        """Register an endpoint; ``secret`` (generated when not given) is in this answer only."""
        return cast(t.EndpointWithSecret, self._c.request("POST", "/v1/webhooks", json=body(
            url=url, events=events, secret=secret)))

    def get(self, webhook_id: str) -> t.EndpointOut:
        return cast(t.EndpointOut, self._c.request(
            "GET", path("/v1/webhooks/{webhook_id}", webhook_id=webhook_id)))

    def update(self, webhook_id: str, *, url: str | None = None, events: Strings | None = None,
                     active: bool | None = None) -> t.EndpointOut:
        return cast(t.EndpointOut, self._c.request(
            "PATCH", path("/v1/webhooks/{webhook_id}", webhook_id=webhook_id),
            json=body(url=url, events=events, active=active)))

    def delete(self, webhook_id: str) -> None:
        self._c.request("DELETE", path("/v1/webhooks/{webhook_id}", webhook_id=webhook_id))

    def rotate_secret(self, webhook_id: str) -> t.EndpointWithSecret:
        return cast(t.EndpointWithSecret, self._c.request(
            "POST", path("/v1/webhooks/{webhook_id}/rotate-secret", webhook_id=webhook_id)))

    def send_test(self, webhook_id: str) -> t.AttemptOut:
        """Send a signed ``webhook.test`` event now; the answer says how the receiver answered."""
        return cast(t.AttemptOut, self._c.request(
            "POST", path("/v1/webhooks/{webhook_id}/test", webhook_id=webhook_id)))

    def deliveries(self, webhook_id: str, *, limit: int | None = None) -> DeliveryOuts:
        answer = cast(t.DeliveryList, self._c.request(
            "GET", path("/v1/webhooks/{webhook_id}/deliveries", webhook_id=webhook_id), params=query(limit=limit)))
        return answer["deliveries"]

    def delivery(self, webhook_id: str, delivery_id: str) -> t.DeliveryDetail:
        return cast(t.DeliveryDetail, self._c.request("GET", path(
            "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}", webhook_id=webhook_id, delivery_id=delivery_id)))

    def retry_delivery(self, webhook_id: str, delivery_id: str) -> t.AttemptOut:
        return cast(t.AttemptOut, self._c.request("POST", path(
            "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", webhook_id=webhook_id,
            delivery_id=delivery_id)))
