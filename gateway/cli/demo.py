"""`receipt-gateway demo`: the product end to end on this machine, no hardware."""

from __future__ import annotations

import logging
from pathlib import Path


def add_arguments(p) -> None:
    p.add_argument("--out", default="demo-output", help="where the pictures and texts go (default ./demo-output)")
    p.add_argument("-v", "--verbose", action="store_true", help="show the gateway's log lines")


def run(args) -> int:
    from gateway.demo import run_demo

    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s: %(message)s")
    return run_demo(Path(args.out))
