"""Operations: call-quality telemetry (browser reports, Janus's media events), the ops dashboard's figures and
quality alerts (docs/quality.md)."""
