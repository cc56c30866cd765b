"""SQL implementations of the ports in souk.domain.ports, one module per aggregate."""
