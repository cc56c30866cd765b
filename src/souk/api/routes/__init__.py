"""Route modules. Each exposes ``router``; the services they call are built by souk.api.bootstrap."""
