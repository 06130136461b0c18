"""The `receipt-gateway` command line.

One module per verb in this package; each exposes `add_arguments(parser)` and
`run(args) -> int`. VERBS maps the verb to its module and one-line help.
Errors a user can fix are raised as `UserError` (or `ConfigError`) and printed
as a message with its remedy and a non-zero exit, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from gateway import __version__

# verb -> (module under gateway.cli, one-line help)
VERBS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "run the whole product on this machine: simulated till, gateway, printer (no hardware)"),
    "decode": ("decode", "decode an ESC/POS capture into text, JSON, an e-receipt, HTML or PNG"),
    "run": ("run", "run the gateway service (till <-> printer proxy) from a config file"),
    "replay": ("replay", "play a capture from `run --record` through the decoder (and a printer)"),
    "fake-printer": ("fake_printer", "a fake network receipt printer (TM-T88 status replies) for bench tests"),
    "firmware": ("firmware", "kiosk node: flash it with mpremote, write its config.json, check its files"),
    "listen": ("listen", "watch receipts arrive over MQTT (stores, deduplicates, acks)"),
    "scanner-test": ("scanner_test", "show card scans live as the gateway decodes and validates them"),
    "display-test": ("display_test", "show each customer display screen (on the panel, or as PNG files)"),
    "check-config": ("check_config", "check a config file: every problem with its fix, or the resolved config"),
    "doctor": ("doctor", "check the box: ports, printer, broker, data dir, clock; each failure with its fix"),
    "print-test": ("print_test", "print a test page (code page, styles, barcode, QR, cut) on the configured printer"),
    "status": ("status", "what the running service is doing: links, printer, outbox, last receipts"),
    "hub": ("hub", "run the reference receipt hub: stores e-receipts, answers scans, serves /r/{token}"),
}


class UserError(Exception):
    """A problem the user can fix; printed without a traceback."""

    def __init__(self, message: str, remedy: str | None = None, code: int = 2):
        self.message, self.remedy, self.code = message, remedy, code
        super().__init__(message)


def print_config_errors(verb: str, exc) -> None:
    """Every problem of a config file, each with its fix, on stderr."""
    problems = getattr(exc, "problems", None) or [exc]
    for problem in problems:
        print(f"receipt-gateway {verb}: config error: {problem.render()}", file=sys.stderr)
    if len(problems) > 1:
        print(f"{len(problems)} problems in the config", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="receipt-gateway", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"receipt-gateway {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for verb, (module, help_text) in VERBS.items():
        p = sub.add_parser(verb, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        _load(module).add_arguments(p)
    return parser


def _load(module: str):
    return importlib.import_module(f"gateway.cli.{module}")


def main(argv: list[str] | None = None) -> int:
    from gateway.config import ConfigError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_module", None):
        parser.print_help()
        return 2
    try:
        return int(_load(args._module).run(args) or 0)
    except UserError as exc:
        print(f"receipt-gateway {args.verb}: error: {exc.message}", file=sys.stderr)
        if exc.remedy:
            print(f"  fix: {exc.remedy}", file=sys.stderr)
        return exc.code
    except ConfigError as exc:
        print_config_errors(args.verb, exc)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
