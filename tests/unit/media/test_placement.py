"""Audience placement rules (pure): origin first, then edges by capacity, region and load."""

from __future__ import annotations

import pytest

from souk.core.errors import Unavailable
from souk.media.placement import Candidate, place_viewer

NODES = [Candidate("o", "eu"), Candidate("e1", "eu"), Candidate("e2", "us"), Candidate("e3", "eu")]


def place(room: dict[str, int], total: dict[str, int] | None = None, **kw: object) -> str:
    args: dict = {"origin": "o", "nodes": NODES, "room_viewers": room, "node_viewers": total or room,
                  "per_node": 2, **kw}
    return place_viewer(**args)


def test_origin_until_it_serves_its_share() -> None:
    assert place({}) == "o"
    assert place({"o": 1}) == "o"
    assert place({"o": 2}) != "o"


def test_edges_same_region_then_least_loaded() -> None:
    assert place({"o": 2}) == "e1"  # eu like the origin, tie on load broken by id
    assert place({"o": 2}, {"o": 2, "e1": 9, "e3": 1}) == "e3"  # least audience overall
    assert place({"o": 2}, region="us") == "e2"  # the viewer's region first
    assert place({"o": 2}, region="ap") == "e1"  # no node there: any region


def test_a_full_edge_yields_to_another_region_then_overflows() -> None:
    assert place({"o": 2, "e1": 2, "e3": 2}) == "e2"
    full = {"o": 2, "e1": 2, "e2": 2, "e3": 2}
    assert place(full, {"o": 2, "e1": 5, "e2": 2, "e3": 3}) == "e3"  # all full: same region, least loaded


def test_down_and_excluded_nodes_are_skipped() -> None:
    nodes = [Candidate("o", "eu"), Candidate("e1", "eu", up=False), Candidate("e2", "us")]
    assert place({"o": 2}, nodes=nodes) == "e2"
    assert place({"o": 2}, exclude={"e1", "e2", "e3"}) == "o"  # no edge left: origin over its share
    assert place({}, exclude={"o"}) == "e1"  # origin failed for this viewer


def test_forced_node_wins_when_usable() -> None:
    assert place({}, forced="e2") == "e2"
    assert place({"o": 2}, forced="zz") == "e1"  # unknown: ordinary placement
    assert place({}, forced="e2", exclude={"e2"}) == "o"


def test_nothing_usable() -> None:
    with pytest.raises(Unavailable) as err:
        place({}, nodes=[Candidate("o", "eu", up=False)])
    assert err.value.code == "no_media_node"
