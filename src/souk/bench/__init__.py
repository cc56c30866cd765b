"""Benchmarks, load bots and test clients: `souk bench ...` commands. Product code never imports this package."""
