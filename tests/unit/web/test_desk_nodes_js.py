"""The desk's clients on several nodes, run with node (skipped without it) against a scripted WebSocket: the
widget's assistant client and the desk page's staff socket follow ``room_elsewhere`` to the node it names, and
go back to their first node when the node they moved to stops answering (it died: another takes the desk over),
the widget resuming its session with the desk events it missed (``after=``); the desk page's move keeps its
token and remembers its home. (The same moves against two real nodes: tests/integration/multinode/
test_desk_nodes.py.)"""

from __future__ import annotations

from typing import Any

from tests.fixtures.node import needs_node, run_module

pytestmark = needs_node

# A WebSocket whose server is the script's ``globalThis.serve(ws, url, n)`` (n: how many sockets that URL's
# host has seen): it may ws.accept(), ws.frame({...}), ws.drop(code) or ws.refuse(code) (closed, never opened).
FAKE_WS = """
globalThis.opened = [];
const seen = new Map();
class FakeWebSocket {
  static OPEN = 1;
  constructor(url) {
    this.url = String(url); this.readyState = 0; this.sent = [];
    globalThis.opened.push(this.url);
    const host = new URL(this.url).host;
    seen.set(host, (seen.get(host) || 0) + 1);
    setTimeout(() => globalThis.serve(this, new URL(this.url), seen.get(host)), 0);
  }
  accept() { this.readyState = 1; this.onopen && this.onopen({}); }
  frame(obj) { this.onmessage && this.onmessage({ data: JSON.stringify(obj) }); }
  drop(code) { this.readyState = 3; this.onclose && this.onclose({ code, reason: "" }); }
  refuse(code = 1006) { this.drop(code); }
  send(text) { this.sent.push(text); }
  close(code = 1000) { if (this.readyState !== 3) this.drop(code); }
}
globalThis.WebSocket = FakeWebSocket;
globalThis.location = { href: "http://b.test/desk?token=t" };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const until = async (what, ms = 8000) => {
  const end = Date.now() + ms;
  while (!what()) { if (Date.now() > end) throw new Error("timed out: " + what); await sleep(10); }
};
"""


def run(module: str, body: str) -> Any:
    return run_module(module, body, before_import=FAKE_WS, exit_after=True, timeout=60)


def test_the_widget_follows_room_elsewhere_and_comes_back_when_that_node_dies() -> None:
    got = run("assistant/client.js", """
        let aDead = false;
        let named = 0;  // B's refusals naming A after A died (until A's heartbeat expires)
        globalThis.serve = (ws, url, n) => {
          if (url.hostname === "b.test" && (!aDead || named++ < 1)) {  // B: the desk is A's
            ws.accept();
            ws.frame({ type: "error", code: "room_elsewhere", message: "elsewhere",
                       details: { node: "node-a", url: "http://a.test:8080", signal_url: "ws://a.test:8080/v1/signal" } });
            return ws.drop(4409);
          }
          if (url.hostname === "a.test" && aDead) return ws.refuse(1006);  // A was killed
          ws.accept();
          const session = url.searchParams.get("session");
          ws.frame({ type: "ready", session_id: session || "s-1", resumed: !!session });
          if (session) ws.frame({ type: "desk", event: { seq: 7, kind: "agent_message", text: "missed" } });
        };
        const chat = new m.AssistantClient({ token: "tok", baseUrl: "http://b.test" });
        const moved = [], errors = [], desk = [];
        chat.on("moved", (e) => moved.push(e.url));
        chat.on("error", (e) => errors.push(e.code));
        chat.on("desk", (e) => desk.push(e.event.text));
        await chat.open();
        const first = { base: chat.baseUrl, session: chat.sessionId, moved: [...moved] };
        chat.deskSeq = 5;  // what the widget had shown before the crash
        aDead = true;
        chat._ws.drop(1006);  // A dies under the open socket
        await until(() => desk.length > 0);
        return { first, base: chat.baseUrl, session: chat.sessionId, opened: globalThis.opened, errors, desk,
                 seq: chat.deskSeq };
    """)
    assert got["first"] == {"base": "http://a.test:8080", "session": "s-1", "moved": ["http://a.test:8080"]}
    hosts = [u.split("/")[2] for u in got["opened"]]
    # to A; A dies: resume on A fails, home to B, which still names A for a while; then B serves it
    assert hosts == ["b.test", "a.test:8080", "a.test:8080", "b.test", "a.test:8080", "b.test"], got["opened"]
    assert "token=tok" in got["opened"][1] and "session" not in got["opened"][1]
    for url in got["opened"][2:]:
        assert "session=s-1" in url and "after=5" in url, url  # the same session, from where it was
    assert got["base"] == "http://b.test" and got["session"] == "s-1"
    assert got["errors"] == [] and got["desk"] == ["missed"] and got["seq"] == 7


def test_the_widget_gives_up_on_nodes_that_keep_sending_it_elsewhere() -> None:
    got = run("assistant/client.js", """
        globalThis.serve = (ws, url) => {
          ws.accept();
          const other = url.host === "a.test" ? "http://b.test" : "http://a.test";
          ws.frame({ type: "error", code: "room_elsewhere", message: "elsewhere", details: { node: "x", url: other } });
          ws.drop(4409);
        };
        const chat = new m.AssistantClient({ token: "tok", baseUrl: "http://b.test" });
        try { await chat.open(); return "opened"; } catch (e) { return { failed: String(e), n: globalThis.opened.length }; }
    """)
    assert got != "opened" and got["n"] == 4, got  # the first try and three moves


def test_the_staff_socket_follows_room_elsewhere_and_comes_back_when_that_node_dies() -> None:
    got = run("pages/desk-socket.js", """
        let aDead = false;
        globalThis.serve = (ws, url) => {
          if (url.host === "b.test" && !aDead) {
            ws.accept();
            ws.frame({ type: "error", code: "room_elsewhere", details: { node: "node-a", url: "http://a.test" } });
            return ws.drop(4409);
          }
          if (url.host === "a.test" && aDead) return ws.refuse(1006);
          ws.accept();
          ws.frame({ type: "hello", agent: { id: "ana" }, presence: "away", holds: [] });
        };
        const sock = new m.DeskSocket("tok");
        const log = [];
        sock.on("moved", (e) => log.push(["moved", e.url]));
        sock.on("up", () => log.push(["up", sock.base]));
        sock.on("down", (e) => log.push(["down", e.final, e.failed]));
        sock.on("frame", (f) => log.push(["frame", f.type]));
        sock.open();
        await until(() => log.some((e) => e[0] === "up"));
        aDead = true;
        sock.ws.drop(1006);
        await until(() => log.filter((e) => e[0] === "up").length === 2);
        sock.close();
        return { log, opened: globalThis.opened.map((u) => new URL(u).host) };
    """)
    assert got["opened"] == ["b.test", "a.test", "a.test", "b.test"], got
    assert got["log"] == [["moved", "http://a.test"], ["up", "http://a.test"], ["frame", "hello"],
                          ["down", False, False], ["down", False, True], ["up", None], ["frame", "hello"]], got


def test_the_desk_page_moves_with_its_token_and_remembers_home() -> None:
    got = run("pages/desk-socket.js", """
        const moved = m.movedPage("http://lb.test/desk?token=abc#x=1", "http://10.0.0.2:8080");
        const again = m.movedPage(moved, "http://10.0.0.3:8080");
        return [moved, again, m.homePage(again), m.homePage("http://lb.test/desk?token=abc"),
                m.homePage("http://a.test/desk#home=javascript:alert(1)"), m.homePage("http://a.test/desk#home=http://a.test")];
    """)
    assert got[0] == "http://10.0.0.2:8080/desk?token=abc#x=1&home=http%3A%2F%2Flb.test"
    assert got[1] == "http://10.0.0.3:8080/desk?token=abc#x=1&home=http%3A%2F%2Flb.test"  # home stays the first
    assert got[2] == "http://lb.test/desk?token=abc#x=1"
    assert got[3:] == [None, None, None]


def test_after_a_person_closed_the_conversation_the_next_question_starts_a_new_one() -> None:
    got = run("assistant/client.js", """
        let n = 0;
        globalThis.serve = (ws, url) => {
          ws.accept();
          n += 1;
          ws.frame({ type: "ready", session_id: "s-" + n });
        };
        const c = new m.AssistantClient({ token: "t", language: "es", baseUrl: "http://b.test" });
        await c.open();
        const first = globalThis.opened.length;
        c.send("hola");
        c._ws.frame({ type: "desk_status", status: "closed", notice: null });
        c.csat(5);
        const oldSocket = c._ws;
        c.send("otra pregunta");
        await until(() => c.sessionId === "s-2");
        await until(() => c._ws.sent.length > 0);
        return { before: first, after: globalThis.opened.length, old: oldSocket.sent.map((f) => JSON.parse(f).type),
                 fresh: c._ws.sent.map((f) => JSON.parse(f).type), resumed: c._ws.url.includes("session=") };
    """)
    assert got["after"] == got["before"] + 1
    assert got["old"] == ["message", "csat", "bye"]  # the rating goes to the closed conversation
    assert got["fresh"] == ["message"] and got["resumed"] is False
