"""Route modules. Each exposes ``router`` and optionally ``async def start(ctx, stack)``."""
