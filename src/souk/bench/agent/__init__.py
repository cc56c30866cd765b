"""``souk bench agent``: drive the voice pipeline over its WebSocket with synthesized speech, as a browser would."""
