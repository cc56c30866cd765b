"""The SDK's consult fast paths (sdk/souk.js), under node with a fake WebSocket: ``connect({ join })`` asks the
server to join at once (``?join=``) and ``client.join`` takes that reply; a ``switched`` the server pushes at a
consult's accept turns the warm subscription into the other side's."""

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


def test_connect_with_join_asks_the_server_to_join_at_once_and_join_takes_that_reply() -> None:
    got = run("""
      const pending = m.connect({ token: "tok", join: "room-1", quality: false, adapt: false });
      const ws = sockets[0];
      ws.open();
      ws.deliver(WELCOME);
      ws.deliver({ type: "joined", id: "join", room: "room-1", participants: [], feeds: [] });  // the server's own
      const client = await pending;
      const room = await client.join("room-1");
      return { url: ws.url, sent: ws.sent.length, room: room.id, identity: room.identity, after: client.url };
    """)
    assert "token=tok" in got["url"] and "join=room-1" in got["url"]
    assert got["sent"] == 0  # client.join sent nothing: it took the early join's reply
    assert got["room"] == "room-1" and got["identity"] == "shopper-1"
    assert "join=" not in got["after"]  # a reconnect rejoins through the room's resume, not by the URL


def test_without_join_nothing_is_asked_and_another_room_is_joined_anew() -> None:
    got = run("""
      const plain = m.connect({ token: "tok", quality: false, adapt: false });
      sockets[0].open();
      sockets[0].deliver(WELCOME);
      await plain;
      const other = m.connect({ token: "tok", join: "room-1", quality: false, adapt: false });
      const ws = sockets[1];
      ws.open();
      ws.deliver(WELCOME);
      const client = await other;
      client.join("room-2").catch(() => {});
      return { plain: sockets[0].url, sent: ws.sent.map((x) => [x.type, x.room]) };
    """)
    assert "join=" not in got["plain"]
    assert got["sent"] == [["join", "room-2"]]  # the early join was for another room: room-2 is asked for


def test_an_early_join_refused_is_the_joins_error() -> None:
    got = run("""
      const pending = m.connect({ token: "tok", join: "room-9", quality: false, adapt: false });
      const ws = sockets[0];
      ws.open();
      ws.deliver(WELCOME);
      ws.deliver({ type: "error", id: "join", code: "wrong_room", message: "not your room" });
      const client = await pending;
      try { await client.join("room-9"); return null; } catch (e) { return e.code; }
    """)
    assert got == "wrong_room"


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
