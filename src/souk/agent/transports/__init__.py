"""Ways a voice session meets its user: WebSocket (souk.api.routes.voice) and WebRTC via Janus (rtc)."""
