"""Signaling: one WebSocket per client, browser <-> Souk <-> Janus. Wire types live in ``messages``."""
