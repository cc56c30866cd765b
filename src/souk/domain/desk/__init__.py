"""The customer-service desk: pure routing, timelines and metrics (no I/O)."""
