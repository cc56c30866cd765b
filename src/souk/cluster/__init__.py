"""State shared by the Souk nodes of one deployment: a message bus and a small keyed store with locks.

Two ports, each with a memory backend (one process: the embedded default, and tests that simulate several
nodes in one process) and a Redis backend (``redis_url``: every node of the deployment), and one contract
suite run on both (tests/contract/cluster):

- :mod:`souk.cluster.bus`: fire-and-forget messages on ``<topic>:<merchant>`` channels (consult call
  changes, live-stage changes), delivered to every node that subscribed to the topic, the sender included;
- :mod:`souk.cluster.state`: values by key with optional expiry, prefix scans and cross-node locks
  (the live stage's rooms, which node serves a room, which nodes are alive).

:mod:`souk.cluster.nodes` builds on them: node liveness and the sticky routing of a room's clients to one
node. See docs/multinode.md.
"""
