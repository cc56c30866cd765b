"""The SDK's consult fast paths (sdk/souk.js), under node with a fake WebSocket: ``connect({ join })`` sends the
join as soon as the socket opens (before the welcome) and ``client.join`` takes its reply; a ``switched`` the
server pushes at a consult's accept turns the warm subscription into the other side's."""

from __future__ import annotations

from typing import Any

from tests.fixtures.node import needs_node, run_module

pytestmark = needs_node

FAKES = """
globalThis.window = { location: { href: "http://souk.test/shop/AP-1" } };
const sockets = [];
class FakeSocket {
  static OPEN = 1;
  constructor(url) { this.url = url; this.readyState = 0; this.sent = []; sockets.push(this); }
  send(data) { this.sent.push(JSON.parse(data)); }
  close() { this.readyState = 3; }
  open() { this.readyState = 1; if (this.onopen) this.onopen(); }
  deliver(msg) { this.onmessage({ data: JSON.stringify(msg) }); }
}
globalThis.WebSocket = FakeSocket;
const WELCOME = { type: "welcome", identity: "shopper-1", ice_servers: [] };
"""


def run(body: str) -> Any:
    return run_module("sdk/souk.js", body, before_import=FAKES, exit_after=True)


def test_connect_with_join_sends_it_before_the_welcome_and_join_takes_its_reply() -> None:
    got = run("""
      const pending = m.connect({ token: "tok", join: "room-1", quality: false, adapt: false });
      const ws = sockets[0];
      ws.open();
      const early = ws.sent.map((x) => ({ ...x }));
      ws.deliver(WELCOME);
      const client = await pending;
      const joining = client.join("room-1");
      ws.deliver({ type: "joined", id: early[0].id, room: "room-1", participants: [], feeds: [] });
      const room = await joining;
      return { early, sent: ws.sent.length, room: room.id, identity: room.identity };
    """)
    assert [(x["type"], x["room"], x["subscribe"]) for x in got["early"]] == [("join", "room-1", True)]
    assert got["sent"] == 1  # client.join sent nothing more: it took the early join's reply
    assert got["room"] == "room-1" and got["identity"] == "shopper-1"


def test_connect_without_join_sends_nothing_before_the_welcome_and_another_room_is_joined_anew() -> None:
    got = run("""
      const plain = m.connect({ token: "tok", quality: false, adapt: false });
      sockets[0].open();
      const before = sockets[0].sent.length;
      sockets[0].deliver(WELCOME);
      await plain;
      const other = m.connect({ token: "tok", join: "room-1", quality: false, adapt: false });
      const ws = sockets[1];
      ws.open();
      ws.deliver(WELCOME);
      const client = await other;
      client.join("room-2").catch(() => {});
      return { before, sent: ws.sent.map((x) => x.room) };
    """)
    assert got["before"] == 0
    assert got["sent"] == ["room-1", "room-2"]  # the early join was for another room: room-2 is asked for


def test_a_switched_pushed_at_the_accept_turns_the_warm_subscription_into_the_other_sides() -> None:
    got = run("""
      const pending = m.connect({ token: "tok", quality: false, adapt: false });
      const ws = sockets[0];
      ws.open();
      ws.deliver(WELCOME);
      const client = await pending;
      const joining = client.join("room-1");
      ws.deliver({ type: "joined", id: ws.sent[0].id, room: "room-1", participants: [], feeds: [] });
      const room = await joining;
      const events = [];
      room.on("track", (e) => events.push(["track", e.participant, e.track]));
      room.on("switched", (e) => events.push(["switched", e.participant, e.sub, e.by]));
      const stream = { getTracks: () => ["audio-track", "video-track"] };
      const pc = { connectionState: "connected" };
      room.subs.set("s1", { id: "s1", pc, stream, warm: true, participant: null });
      room.subs.set("s2", { id: "s2", pc, stream, warm: true, participant: null, claimed: true });
      ws.deliver({ type: "switched", sub: "s1", feed: "seller-1", kinds: ["audio", "video"] });
      ws.deliver({ type: "switched", sub: "s2", feed: "seller-1", kinds: ["audio", "video"] });  // its own switch decides
      ws.deliver({ type: "switched", sub: "gone", feed: "seller-1", kinds: ["audio"] });
      ws.deliver({ type: "switched", sub: "s1", feed: "seller-2", kinds: ["audio"] });  // not warm any more
      const pick = (s) => ({ participant: s.participant, warm: s.warm, by: s.switchedBy || null });
      return { events, s1: pick(room.subs.get("s1")), s2: pick(room.subs.get("s2")) };
    """)
    assert got["events"] == [["track", "seller-1", "audio-track"], ["track", "seller-1", "video-track"],
                             ["switched", "seller-1", "s1", "server"]]
    assert got["s1"] == {"participant": "seller-1", "warm": False, "by": "server"}
    assert got["s2"] == {"participant": None, "warm": True, "by": None}
