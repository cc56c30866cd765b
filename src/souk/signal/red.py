"""Which feeds carry RFC 2198 audio redundancy (RED), and which subscriptions receive it (docs/resilience.md).

Janus 1.1.2's VideoRoom has no RED: it answers a publisher with Opus alone and relays every audio packet of a
feed with the payload type it offered the subscriber for Opus (111), without looking inside. The browser SDK
(sdk/red.js) therefore publishes RED on 111 over Opus 63 and re-adds RED to Janus's answer, and a subscriber
of a RED feed reads Janus's "opus 111" as RED. A reader that is not the browser SDK would take the RED
payload for Opus and play noise, so RED is kept off every feed such a reader may read:

- only consult rooms (1v1 calls of two browsers) publish with RED: live shows are recorded (``.mjr`` ->
  Opus) and forwarded over RTP to Streaming mountpoints and edge nodes, group calls may grow past browsers;
- the AI attendant, which listens to a consult's shopper with aiortc (no RED) while the call rings, asks the
  hub whether that feed is RED and keeps each packet's primary block (souk.agent.transports.red); its own
  voice is published plain (its member is never RED), and the shopper's subscription to it is plain too.

A room's policy is fixed when a member joins (``joined.red``); a publish is a RED feed only when its offer is
in the SDK's RED shape (:func:`red_offer`; a browser without RED publishes plain Opus in a RED room), and a
subscription receives RED exactly when its feed is one. A warm subscription is answered as its owner's own
feed is (:func:`feed_red`), and a switch between a RED and a plain feed is refused (``switch_incompatible``: the client
subscribes afresh; the server's own switch at the accept is skipped the same way).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from souk.signal.hub import Member

RED_KINDS = frozenset({"consult"})  # Souk room kinds whose feeds may carry RED
RED_PT = 111  # the payload type Janus relays a feed's audio with, which RED takes

_AUDIO = re.compile(r"^m=audio [^\r\n]*(?:\r?\n(?!m=)[^\r\n]*)*", re.MULTILINE)


def room_red(kind: str | None) -> bool:
    """Whether the feeds of a room of Souk ``kind`` publish with RED."""
    return kind in RED_KINDS


def feed_red(member: Member | None) -> bool:
    """Whether ``member`` publishes RED: a warm subscription, held on its owner's own feed, is answered as that
    feed is (in a consult both sides run the same SDK, so it fits the other side's feed too)."""
    return member is not None and member.red


def red_offer(sdp: str) -> bool:
    """A publish offer with RED on 111 over an Opus payload type (``a=fmtp:111 N/N`` with N Opus), the shape
    sdk/red.js gives it: the browser will send RED on 111 once the answer lists it."""
    section = _AUDIO.search(sdp)
    if section is None:
        return False
    text = section.group(0)
    if not re.search(rf"^a=rtpmap:{RED_PT} red/48000", text, re.MULTILINE | re.IGNORECASE):
        return False
    fmtp = re.search(rf"^a=fmtp:{RED_PT} ([0-9/]+)\r?$", text, re.MULTILINE)
    if fmtp is None:
        return False
    under = set(fmtp.group(1).split("/"))
    if len(under) != 1:
        return False
    opus = under.pop()
    return re.search(rf"^a=rtpmap:{opus} opus/48000", text, re.MULTILINE | re.IGNORECASE) is not None
