"""Where an audience viewer of a live room goes: the origin node while it has room, then edge nodes.

Pure: the cascade (:mod:`souk.media.cascade`) gathers the counts and asks :func:`place_viewer`.

Rules, in order:

1. ``forced`` (a node id the caller insists on) wins when that node is known, up and not excluded.
2. The room's origin node (where its VideoRoom lives) while it serves fewer than ``per_node`` viewers of
   the room: no relay, no extra hop.
3. Otherwise an up edge node, best first by: still under ``per_node`` viewers of this room; in the viewer's
   region (the origin's region when the viewer gave none); fewest audience viewers in total; node id.
4. No edge at all (one node, or every other node down or excluded): the origin, over its share.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from souk.core.errors import Unavailable


@dataclass(frozen=True, slots=True)
class Candidate:
    node_id: str
    region: str
    up: bool = True


def place_viewer(*, origin: str, nodes: Sequence[Candidate], room_viewers: Mapping[str, int],
                 node_viewers: Mapping[str, int], per_node: int, region: str | None = None,
                 forced: str | None = None, exclude: Collection[str] = ()) -> str:
    """The node id for one more viewer. ``room_viewers``: viewers of this room per node; ``node_viewers``:
    audience viewers of every room per node. Raises Unavailable when no node can take the viewer."""
    usable = {n.node_id: n for n in nodes if n.up and n.node_id not in exclude}
    if forced is not None and forced in usable:
        return forced
    if origin in usable and room_viewers.get(origin, 0) < per_node:
        return origin
    by_id = {n.node_id: n for n in nodes}
    want = region if region is not None else (by_id[origin].region if origin in by_id else None)
    edges = [n for n in usable.values() if n.node_id != origin]
    if not edges:
        if origin in usable:
            return origin
        raise Unavailable("no media node can take this viewer (origin and edges down)", code="no_media_node")
    best = min(edges, key=lambda n: (room_viewers.get(n.node_id, 0) >= per_node, n.region != want,
                                      node_viewers.get(n.node_id, 0), n.node_id))
    return best.node_id
