"""A userspace link emulator between network namespaces, for real browsers and aiortc peers (no sch_netem).

A "shopper side" network namespace is joined to the caller's namespace (where Janus and Souk run) by two TUN
devices whose file descriptors one emulator process holds; it forwards every IP packet between them through
:class:`~souk.bench.linkem.scheduler.DirectionScheduler` (delay, jitter, random or bursty loss, a bandwidth
cap with a bounded queue, outages), per direction and changeable while it runs. See docs/links.md.

Benchmarks and tests only: product code never imports this package.
"""
