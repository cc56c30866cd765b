"""The asynchronous client (hand-written; the _sync package is generated from it)."""
