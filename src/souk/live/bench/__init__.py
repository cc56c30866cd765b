"""`souk bench live`: the live-show media benchmark (see :mod:`souk.live.bench.live`)."""

from souk.live.bench.live import register

__all__ = ["register"]
