# Generated from the _async package by sdk/python/tools/generate.py: do not edit by hand.
"""The synchronous client (hand-written; the _sync package is generated from it)."""
