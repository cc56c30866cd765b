"""The group call grid (sdk/grid.js), run with node (skipped without it): tile packing, how many tiles a page
holds, the simulcast layer by tile size, the active speaker kept on the page shown, the screen share on the
stage, and the requests that go from one plan to the next (hidden tiles stop their video, visible ones get
their layer), applied to a fake room in order."""

from __future__ import annotations

import json
from typing import Any

from tests.fixtures.node import needs_node, run_module

pytestmark = needs_node


def js(expr: str) -> Any:
    return run_module("sdk/grid.js", expr, expression=True)


def tiles(*ids: str, simulcast: bool = True) -> str:
    return json.dumps([{"id": i, "simulcast": simulcast} for i in ids])


def test_pack_grid_picks_the_largest_tiles() -> None:
    assert js("m.packGrid(1, 1280, 720, {gap: 0})") == {"cols": 1, "rows": 1, "w": 1280, "h": 720}
    assert js("m.packGrid(4, 1280, 720, {gap: 0})") == {"cols": 2, "rows": 2, "w": 640, "h": 360}
    assert js("m.packGrid(9, 1280, 720, {gap: 0})") == {"cols": 3, "rows": 3, "w": 426, "h": 240}
    # a tall phone screen stacks the tiles
    assert js("m.packGrid(3, 360, 800, {gap: 0})")["cols"] == 1
    assert js("m.packGrid(0, 1280, 720)") == {"cols": 0, "rows": 0, "w": 0, "h": 0}


def test_page_capacity_by_minimum_tile_width() -> None:
    assert js("m.pageCapacity(1280, 720)") == 9
    # a small phone (320 x 568): one column of tiles at least 160 px wide
    small = js("m.pageCapacity(320, 568)")
    assert 1 <= small < 9
    assert js(f"m.packGrid({small}, 320, 568).w >= 160") is True
    assert js(f"m.packGrid({small + 1}, 320, 568).w >= 160") is False
    assert js("m.pageCapacity(100, 50)") == 1


def test_layer_by_tile_height() -> None:
    # a 720p source: l = 180, m = 360, h = 720 rows
    assert js("m.layerFor(120)") == 0
    assert js("m.layerFor(180)") == 0
    assert js("m.layerFor(240)") == 1
    assert js("m.layerFor(360)") == 1
    assert js("m.layerFor(500)") == 2
    assert js("m.layerFor(2000)") == 2
    assert js("m.layerFor(240, {dpr: 2})") == 2  # a retina screen needs twice the rows
    assert js("m.layerFor(240, {sourceH: 360})") == 2
    assert js("m.layerFor(240, {simulcast: false})") is None


def test_speaker_moved_onto_the_page_shown() -> None:
    ids = json.dumps(["a", "b", "c", "d", "e"])
    assert js(f"m.arrange({ids}, 2, 0, 'e')") == {"order": ["a", "e", "c", "d", "b"], "pages": 3, "page": 0}
    assert js(f"m.arrange({ids}, 2, 0, 'a')")["order"] == ["a", "b", "c", "d", "e"]
    assert js(f"m.arrange({ids}, 2, 7, null)")["page"] == 2  # clamped
    assert js(f"m.arrange({ids}, 9, 0, 'zz')")["order"] == ["a", "b", "c", "d", "e"]


def test_plan_grid_all_visible_on_a_desktop() -> None:
    p = js(f"m.plan({{tiles: {tiles('a', 'b', 'c', 'd')}, width: 1280, height: 720, gap: 0}})")
    assert p["mode"] == "grid" and p["stage"] is None
    assert (p["cols"], p["rows"], p["tileW"], p["tileH"]) == (2, 2, 640, 360)
    assert [v["id"] for v in p["visible"]] == ["a", "b", "c", "d"] and p["hidden"] == []
    assert {v["layer"] for v in p["visible"]} == {1}  # 360-row tiles of a 720p source: the middle layer


def test_plan_pages_on_a_phone_and_keeps_the_speaker_visible() -> None:
    nine = tiles(*"abcdefghi")
    p = js(f"m.plan({{tiles: {nine}, width: 320, height: 568, speaker: 'i'}})")
    cap = len(p["visible"])
    assert cap < 9 and p["pages"] == -(-9 // cap)
    assert "i" in [v["id"] for v in p["visible"]]
    assert len(p["hidden"]) == 9 - cap and "i" not in p["hidden"]
    assert {v["layer"] for v in p["visible"]} == {0}  # small tiles: the lowest layer


def test_plan_screen_share_takes_the_stage() -> None:
    p = js(f"m.plan({{tiles: {tiles('a', 'b', 'a~screen', 'c')}, width: 1280, height: 720}})")
    assert p["mode"] == "stage" and p["stage"] == "a~screen"
    stage = p["visible"][0]
    assert stage["id"] == "a~screen" and stage["layer"] == 2 and stage["w"] > 800
    strip = [v for v in p["visible"][1:]]
    assert [v["id"] for v in strip] == ["a", "b", "c"] and all(v["w"] <= 320 for v in strip)
    assert {v["layer"] for v in strip} == {0}
    assert js("m.screenOwner('a~screen')") == "a" and js("m.isScreen('a')") is False


def test_plan_pinned_wins_over_the_screen_and_a_lone_stage_fills_the_area() -> None:
    p = js(f"m.plan({{tiles: {tiles('a', 'b~screen')}, width: 1280, height: 720, pinned: 'a'}})")
    assert p["stage"] == "a" and [v["id"] for v in p["visible"]] == ["a", "b~screen"]
    p = js(f"m.plan({{tiles: {tiles('a~screen')}, width: 1280, height: 720, gap: 0}})")
    assert p["visible"] == [{"id": "a~screen", "w": 1280, "h": 720, "layer": 2}]


def test_changes_between_plans() -> None:
    p1 = f"m.plan({{tiles: {tiles('a', 'b', 'c')}, width: 1280, height: 720}})"
    first = js(f"m.changes({{}}, {p1})")
    assert first == [{"id": "a", "layer": 1}, {"id": "b", "layer": 1}, {"id": "c", "layer": 1}]
    have = json.dumps({"a": {"video": True, "layer": 1}, "b": {"video": False, "layer": 1},
                       "c": {"video": True, "layer": 1}, "gone": {"video": True, "layer": 0}})
    assert js(f"m.changes({have}, {p1})") == [{"id": "b", "video": True}]
    hidden = js(f"m.changes({have}, {{visible: [{{id: 'a', layer: 1}}], hidden: ['b', 'c']}})")
    assert hidden == [{"id": "c", "video": False}]  # b is already off
    no_layers = f"m.plan({{tiles: {tiles('a', simulcast=False)}, width: 640, height: 360}})"
    assert js(f"m.changes({{}}, {no_layers})") == []


def test_controller_applies_only_what_changed_in_order() -> None:
    out = run_module("sdk/grid.js", """
      const asked = [];
      const room = {
        subs: new Map([["s1", {id: "s1", participant: "a"}], ["s2", {id: "s2", participant: "b"}]]),
        client: { request: async (msg) => { asked.push(msg); return {}; } },
        layer: async (p, l) => { asked.push({layer: p, to: l}); },
      };
      const g = new m.GridController(room);
      g.update({visible: [{id: "a", layer: 2}, {id: "zz", layer: 0}], hidden: ["b"]});
      await g.update({visible: [{id: "a", layer: 2}], hidden: ["b"]});
      const second = asked.length;
      await g.update({visible: [{id: "b", layer: 0}], hidden: ["a"]});
      const paused = [...room.subs.values()].map((s) => [s.participant, s.paused]);
      return {asked, second, have: g.have, paused};
    """)
    assert out["asked"][:2] == [{"layer": "a", "to": 2}, {"type": "receive", "sub": "s2", "video": False}]
    assert out["second"] == 2  # the same plan again asks nothing
    assert out["asked"][2:] == [{"type": "receive", "sub": "s2", "video": True}, {"layer": "b", "to": 0},
                                {"type": "receive", "sub": "s1", "video": False}]
    assert out["have"] == {"a": {"video": False, "layer": 2}, "b": {"video": True, "layer": 0}}
    assert out["paused"] == [["a", True], ["b", False]]  # what the weak-link adapter leaves alone


def test_the_weak_link_adapter_leaves_a_hidden_tile_alone() -> None:
    out = run_module("sdk/layers.js", """
      const asked = [];
      const pc = { connectionState: "connected", getStats: async () => { asked.push("stats"); return new Map(); } };
      const sub = { id: "s1", participant: "a", pc, paused: true };
      const room = { subs: new Map([["s1", sub]]), feeds: new Map([["a", {simulcast: true}]]),
                     client: { request: async (m) => asked.push(m) }, layer: async () => asked.push("layer") };
      const adapter = new m.LayerAdapter(room, { intervalMs: 3600000 });
      adapter.state.set("s1", { stale: true });
      await adapter.tick();
      const hidden = { asked: [...asked], kept: adapter.state.has("s1") };
      sub.paused = false;
      await adapter.tick();
      adapter.stop();
      return { hidden, shown: asked, state: adapter.state.size };
    """)
    assert out["hidden"] == {"asked": [], "kept": False}  # not measured, its old samples dropped
    assert out["shown"] == ["stats"]  # shown again: measured afresh (the first sample only starts the series)


def test_the_weak_link_adapter_stays_under_the_grid_ceiling() -> None:
    """A simulcast subscription with sub.maxLayer 1 (a mid-sized tile): heavy loss takes it down to 0; a clean
    link brings it back up to 1 and never to 2."""
    out = run_module("sdk/layers.js", """
      let lost = 0, got = 0;
      const pc = { connectionState: "connected", getStats: async () => new Map([["v", {
        type: "inbound-rtp", kind: "video", packetsReceived: got, packetsLost: lost, bytesReceived: got * 1000 }]]) };
      const sub = { id: "s1", participant: "a", pc, maxLayer: 1, layer: 1 };
      const layers = [];
      const room = { subs: new Map([["s1", sub]]), feeds: new Map([["a", {simulcast: true}]]),
                     client: { request: async () => ({}) },
                     layer: async (p, l) => { sub.layer = l; layers.push(l); }, emit: () => {} };
      const adapter = new m.LayerAdapter(room, { intervalMs: 3600000,
        policy: { settleMs: 0, downAfter: 1, upHoldMs: 0, offAfter: 99 } });
      const step = async (lossy) => { got += 100; lost += lossy ? 30 : 0; await adapter.tick(); };
      await step(false); await step(false);  // measured; then the ceiling taken
      await step(true); await step(true);    // heavy loss: down
      const down = [...layers];
      for (let i = 0; i < 6; i++) await step(false);  // clean: back up, to the ceiling only
      adapter.stop();
      return { down, all: layers, last: sub.layer };
    """)
    assert out["down"] == [0]
    assert out["last"] == 1 and max(out["all"]) == 1, out
