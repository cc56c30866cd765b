"""``python -m souk.bench.linkem serve --index N [--profile JSON]``: one emulated link (see forwarder.py)."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from souk.bench.linkem.forwarder import serve
from souk.bench.linkem.profile import profile_from
from souk.core.errors import ConfigError


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)  # unwinds serve(): the holder and both devices go


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m souk.bench.linkem")
    parser.add_argument("mode", choices=["serve"])
    parser.add_argument("--index", type=int, default=0, help="link number n: devices lkc<n>/lks<n>, 10.77.<n>.0/30")
    parser.add_argument("--profile", default="{}", help="the link profile as JSON (souk.bench.linkem.profile)")
    parser.add_argument("--no-realtime", action="store_true",
                        help="stay at normal priority (default: SCHED_FIFO 1 where permitted)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    try:
        profile = profile_from(json.loads(args.profile))
        return serve(args.index, profile, rt=not args.no_realtime)
    except json.JSONDecodeError as exc:
        print(json.dumps({"ok": False, "error": f"--profile is not JSON: {exc.msg}"}), flush=True)
    except ConfigError as exc:
        print(json.dumps({"ok": False, "error": exc.message}), flush=True)
    return 2


if __name__ == "__main__":
    sys.exit(main())
