"""ASGI API: app factory, routes, auth dependencies, and the one place that maps errors to statuses."""
