"""`receipt-gateway fake-printer [--listen ADDR] [--paper-out] ...`: a network printer for bench tests.

Answers status queries like a TM-T88 and appends what it printed to --output.
"""

from __future__ import annotations

import logging
import signal
import threading


def add_arguments(p) -> None:
    p.add_argument("--listen", default="127.0.0.1:9101", help="address:port to listen on (default 127.0.0.1:9101)")
    p.add_argument("--output", "-o", default=None, help="append the printed bytes to this file")
    for flag in ("paper-out", "near-end", "cover-open", "error"):
        p.add_argument(f"--{flag}", action="store_true", help=f"report {flag.replace('-', ' ')}")


def run(args) -> int:
    from gateway.cli import UserError
    from gateway.printer.fake_printer import FakeNetworkPrinter, FakePrinter

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    fake = FakePrinter(path=args.output, keep=False)
    fake.set_state(paper_out=args.paper_out, near_end=args.near_end, cover_open=args.cover_open,
                   error=args.error)
    try:
        server = FakeNetworkPrinter(fake, args.listen)
    except OSError as exc:
        raise UserError(f"cannot listen on {args.listen}: {exc.strerror}", "choose another --listen port") from None
    logging.info("fake printer on %s (%s)%s", server.address, fake.status.summary(),
                 f", printing to {args.output}" if args.output else "")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.close()
    return 0
