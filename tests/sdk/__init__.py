"""Tests of the Python SDK (sdk/python) against a real Souk."""
