"""Commerce domain: catalog, customers, orders, shipping, policies. Pure Python, no I/O."""
