"""`receipt-gateway demo`: the product end to end on this machine, no hardware."""

from __future__ import annotations

import logging
from pathlib import Path

from gateway.cli import UserError


def add_arguments(p) -> None:
    p.add_argument("--out", default="demo-output", help="where the pictures and texts go (default ./demo-output)")
    p.add_argument("--receipts", type=int, default=8, help="how many receipts the till prints (default 8)")
    p.add_argument("--no-broker", action="store_true",
                   help="run without a broker: see the outbox keep the receipts")
    p.add_argument("--no-hub", action="store_true",
                   help="no reference hub: a stand-in answers the card scans, `listen` takes the receipts")
    p.add_argument("--serve", action="store_true",
                   help="keep the hub's receipt pages up after the demo (open the QR links in a browser; Ctrl-C stops)")
    p.add_argument("-v", "--verbose", action="store_true", help="show the gateway's log lines")


def run(args) -> int:
    from gateway.demo import run_demo

    if not 1 <= args.receipts <= 200:
        raise UserError(f"--receipts {args.receipts} is out of range", "pick 1 to 200")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s: %(message)s")
    try:
        return run_demo(Path(args.out), receipts=args.receipts, broker=not args.no_broker, hub=not args.no_hub,
                        serve=args.serve)
    except OSError as exc:
        raise UserError(f"the demo could not run: {exc}", "pass --out DIR to a writable place") from None
