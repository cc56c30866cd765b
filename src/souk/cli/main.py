"""Entry point of the ``souk`` command.

Sub-commands live in one module per area (server, media, agent, rtm, live); each module exposes
``register(sub, bench)`` adding its parsers, with ``func`` set to a callable taking the parsed
arguments and the Settings and returning an exit code. The ``souk bench ...`` commands come from
:mod:`souk.bench.cli`: this is the one module outside ``souk.bench`` that imports it (product code never
does; tests/unit/test_bench_apart.py checks).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from souk.core.errors import SoukError
from souk.core.logging import configure_logging
from souk.core.secrets_filter import register_settings_secrets
from souk.core.settings import load_settings

AREAS = ("souk.cli.server", "souk.cli.media", "souk.cli.agent", "souk.cli.rtm", "souk.cli.live",
         "souk.storage.commands", "souk.cli.merchants", "souk.cli.catalog",
         "souk.cli.privacy")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="souk", description="Souk: real-time commerce platform")
    parser.add_argument("--config", help="TOML settings file (or SOUK_CONFIG)")
    parser.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING...")
    parser.add_argument("--log-format", choices=("json", "text"), default=None,
                        help="JSON lines or text (default [logging] format: text in a terminal, else JSON)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    bench = sub.add_parser("bench", help="benchmarks that print JSON figures").add_subparsers(
        dest="bench", required=True, metavar="BENCH"
    )
    # the bench parsers only: each bench imports its own code when it runs
    from souk.bench.cli import register as register_benches

    register_benches(bench)
    for name in AREAS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub, bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config)
        log_cfg = settings.logging.model_copy(update={"format": args.log_format}) if args.log_format else (
            settings.logging)
        configure_logging(args.log_level or settings.log_level, log_cfg)
        register_settings_secrets(settings)  # every SecretStr of the settings masked in every log line
        if settings.privacy.redact_logs:  # e-mails, phones, cards, addresses out of every log line
            from souk.privacy.logs import install_log_redaction

            install_log_redaction()
        return int(args.func(args, settings) or 0)
    except SoukError as exc:
        print(f"souk: {exc.code}: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
