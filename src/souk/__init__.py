"""Souk: real-time interaction for cross-border commerce."""

__version__ = "0.1.0"
