"""Replay assembly: chapters from ``pin`` and ``group_buy_start`` system messages (a group buy's chapter
lists its ``moments``: each tier unlocked and its end), chat at its offsets from the show start.

Pure: takes the room channel's decoded RTM messages (``{"k", "b", "frm", "name", "ts"}``, ts wall seconds)
and the show's start/end; see docs/live-recording.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

CHAT_KINDS = frozenset({"chat", "danmaku", "gift"})
TEXT_MAX = 500


def decode(raws: Iterable[bytes]) -> list[dict[str, Any]]:
    out = []
    for raw in raws:
        try:
            msg = json.loads(raw)
        except ValueError:
            continue
        if isinstance(msg, dict):
            out.append(msg)
    return out


def assemble(messages: Iterable[dict[str, Any]], started_at: float, ended_at: float | None
             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(chapters, chat) of the messages sent while the show ran, at offsets from its start (oldest first)."""
    chapters: list[dict[str, Any]] = []
    chat: list[dict[str, Any]] = []
    for msg in sorted(messages, key=lambda m: float(m.get("ts") or 0)):
        ts = float(msg.get("ts") or 0)
        if ts < started_at or (ended_at is not None and ts > ended_at):
            continue
        at = round(ts - started_at, 2)
        kind, body = msg.get("k"), msg.get("b")
        if kind == "system" and isinstance(body, dict) and body.get("type") == "pin":
            raw_card = body.get("card")
            card: dict[str, Any] = raw_card if isinstance(raw_card, dict) else {}
            if card.get("sku"):
                chapters.append({"at_s": at, "sku": str(card["sku"]), "card": card})
        elif kind == "system" and isinstance(body, dict) and str(body.get("type", "")).startswith("group_buy_"):
            _group_buy(chapters, body, at)
        elif kind in CHAT_KINDS:
            text = body.get("text", "") if isinstance(body, dict) else body
            chat.append({"at_s": at, "sender": str(msg.get("frm", "")), "name": str(msg.get("name", "")),
                         "kind": kind, "text": str(text or "")[:TEXT_MAX]})
    return chapters, chat


def _group_buy(chapters: list[dict[str, Any]], body: dict[str, Any], at: float) -> None:
    """A group buy's start is a chapter (its product, price and tiers); its tier unlocks and end are moments
    of that chapter. Progress messages (coalesced counters) are not."""
    kind, offer = body.get("type"), str(body.get("offer_id") or "")
    if kind == "group_buy_start" and offer and body.get("sku"):
        raw_card = body.get("card")
        card = raw_card if isinstance(raw_card, dict) else {"sku": str(body["sku"])}
        chapters.append({"at_s": at, "sku": str(body["sku"]), "card": card, "group_buy": {
            "offer_id": offer, "price": str(body.get("price", "")), "currency": str(body.get("currency", "")),
            "tiers": body.get("tiers") if isinstance(body.get("tiers"), list) else [], "moments": []}})
    elif kind in ("group_buy_tier", "group_buy_end"):
        chapter = next((c for c in reversed(chapters) if c.get("group_buy", {}).get("offer_id") == offer), None)
        if chapter is not None:
            chapter["group_buy"]["moments"].append({
                "at_s": at, "kind": "tier" if kind == "group_buy_tier" else "end",
                "buyers": body.get("buyers"), "price": str(body.get("price", ""))})
