"""Core: settings, errors, logging, ids, clock and task helpers. Imports nothing else of Souk."""
