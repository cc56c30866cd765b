"""``[metrics]`` settings (souk.core.settings.Settings.metrics; docs/operate.md)."""

from __future__ import annotations

from pydantic import BaseModel, SecretStr, field_validator


class MetricsSettings(BaseModel):
    """Prometheus metrics (docs/operate.md). ``GET /metrics`` on the API port takes ``Authorization: Bearer``
    with ``token`` (a scrape-only secret) or the operator token, and answers 404 metrics_disabled while
    neither is set; ``bind`` ("127.0.0.1:9464") also serves them, without a token, on a listener of its own
    (keep that address private: a loopback, a private network or a firewalled port)."""

    enabled: bool = True  # False: nothing recorded, no /metrics
    token: SecretStr = SecretStr("")
    bind: str = ""

    @field_validator("bind")
    @classmethod
    def _check_bind(cls, v: str) -> str:
        if v:
            host, _, port = v.rpartition(":")
            if not host or not port.isdigit() or not 0 <= int(port) < 65536:  # 0: a free port (tests)
                raise ValueError(f"metrics.bind must look like 127.0.0.1:9464, got {v!r}")
        return v
