"""The SDK's TURN credential refresh (sdk/ice.js), run with node (skipped without it) on a fake clock, fake
timers and a fake fetch: when it asks, what it sends, what it keeps, and when it stops."""

from __future__ import annotations

import json
from typing import Any

from tests.fixtures.node import needs_node, run_module

pytestmark = needs_node

# a fake client and environment: timers are recorded and fired by hand; fetch answers from ``answers``
HARNESS = """
const timers = []; const asked = []; const events = [];
const env = {
  now: () => clock.t,
  setTimeout: (fn, ms) => { timers.push({ fn, ms }); return timers.length; },
  clearTimeout: () => {},
  fetch: async (url, init) => {
    asked.push({ url, auth: init.headers.Authorization });
    const a = answers.shift();
    if (a === "down") throw new Error("network");
    return { status: a.status, ok: a.status < 300, json: async () => a.body };
  },
};
const clock = { t: 1000 };
const client = { url: signalUrl, closed: false, userClosed: false, welcome: { ice_servers: servers },
                 emit: (name, body) => events.push([name, body.expires_at]) };
const fire = async () => { const t = timers.shift(); await t.fn(); await new Promise((r) => setTimeout(r, 0)); };
"""

TURN = [{"urls": "stun:stun.example.net:3478"},
        {"urls": "turn:t:3478?transport=udp", "username": "4600:lumen:seller-1", "credential": "x"},
        {"urls": "turns:t:5349?transport=tcp", "username": "4600:lumen:seller-1", "credential": "x"}]


def run(body: str, **values: Any) -> Any:
    consts = "".join(f"const {k} = {json.dumps(v)};\n" for k, v in values.items())
    return run_module("sdk/ice.js", body, after_import=consts + HARNESS)


def test_refreshes_five_minutes_before_expiry_with_the_token_and_keeps_the_answer() -> None:
    fresh = [{"urls": "turn:t:3478?transport=udp", "username": "15400:lumen:seller-1", "credential": "y"}]
    got = run("""
      const first = m.scheduleIceRefresh(client, env);
      clock.t = 4300;
      await fire();
      return { first, asked, servers: client.welcome.ice_servers, events, next: timers.map((t) => t.ms) };
    """, signalUrl="wss://souk.example.com/v1/signal?token=tok.en", servers=TURN,
        answers=[{"status": 200, "body": {"ice_servers": fresh, "expires_at": 15400}}])
    assert got["first"] == 3600 - 300  # expires at 4600, now 1000
    assert got["asked"] == [{"url": "https://souk.example.com/v1/ice-servers", "auth": "Bearer tok.en"}]
    assert got["servers"] == fresh and got["events"] == [["ice_servers", 15400]]
    assert got["next"] == [(15400 - 4300 - 300) * 1000]  # armed again from the new credentials


def test_short_credentials_refresh_at_half_life_and_nothing_to_refresh_arms_nothing() -> None:
    got = run("""
      const short = m.scheduleIceRefresh(client, env);
      client.welcome.ice_servers = [{ urls: "stun:s:3478" }, { urls: "turn:t", username: "u", credential: "p" }];
      const none = m.scheduleIceRefresh(client, env);
      return { short, none, expiry: m.iceExpiry(client.welcome.ice_servers),
               req: m.iceRequest("ws://127.0.0.1:8080/v1/signal?token=abc") };
    """, signalUrl="ws://h/v1/signal?token=t", servers=[{"urls": "turn:t", "username": "1020:m:i", "credential": "c"}],
        answers=[])
    assert got["short"] == 10 and got["none"] is None and got["expiry"] is None  # Infinity -> null in JSON
    assert got["req"] == {"url": "http://127.0.0.1:8080/v1/ice-servers", "token": "abc"}


def test_network_failure_retries_and_an_ended_token_stops() -> None:
    got = run("""
      m.scheduleIceRefresh(client, env);
      await fire();                      // network down: retried in 30 s
      const retry = timers.map((t) => t.ms);
      await fire();                      // 401: the token ended, nothing more
      return { retry, asked: asked.length, left: timers.length, servers: client.welcome.ice_servers };
    """, signalUrl="ws://h/v1/signal?token=t", servers=TURN, answers=["down", {"status": 401, "body": {}}])
    assert got["retry"] == [30000] and got["asked"] == 2 and got["left"] == 0
    assert got["servers"] == TURN


def test_no_token_in_the_url_or_a_closed_client_asks_nothing() -> None:
    got = run("""
      m.scheduleIceRefresh(client, env);
      await fire();
      const bare = asked.length;
      client.url = "ws://h/v1/signal?token=t"; client.closed = true;
      m.scheduleIceRefresh(client, env);
      await fire();
      return { bare, closed: asked.length };
    """, signalUrl="ws://h/v1/signal", servers=TURN, answers=[])
    assert got == {"bare": 0, "closed": 0}
