"""Real-time messaging: envelope types, broker base + memory/Redis backends, per-process hub.

Knows nothing of commerce. Public entry points:

- :class:`souk.rtm.envelope.Message` and the wire frames (msgspec, versioned)
- :class:`souk.rtm.broker.Broker` (protocol) with :class:`souk.rtm.memory.MemoryBroker` and
  :class:`souk.rtm.redis_broker.RedisBroker`
- :class:`souk.rtm.hub.Hub`: per-process fan-out with per-tick batching and bounded per-connection queues
- :class:`souk.rtm.service.RtmService`: publish/history/moderation used by sessions and the REST routes
- :class:`souk.rtm.server.RtmServer`: the dedicated picows WebSocket listener
"""
