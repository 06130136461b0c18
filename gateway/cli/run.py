"""`receipt-gateway run --config FILE [--record DIR]`: the service."""

from __future__ import annotations

import logging
import signal
import threading

from gateway import sdnotify
from gateway.cli import UserError

DEFAULT_CONFIG = "/etc/receipt-gateway/gateway.toml"


def add_arguments(p) -> None:
    p.add_argument("--config", "-c", default=DEFAULT_CONFIG, help=f"config file (default {DEFAULT_CONFIG})")
    p.add_argument("--record", metavar="DIR", default=None,
                   help="also write both directions of the till/printer conversation to a capture in DIR")


def log_receipt(receipt) -> None:
    """The default receipt hook until the outbox is wired in: one log line per receipt."""
    first = next((line for line in receipt.text().splitlines() if line.strip()), "")
    logging.getLogger("gateway.receipt").info("receipt from %s: %d bytes, %s, first line %r",
                                              receipt.till_id, len(receipt.raw), receipt.ended_by, first)


def run(args) -> int:
    from gateway.config.sections import load
    from gateway.printer.service import PrinterService
    from gateway.printer.transport import LinkUnavailable

    cfg = load(args.config)
    level = cfg["gateway"].get("log_level", "info").upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        svc = PrinterService(cfg, on_receipt=log_receipt, record_dir=args.record)
    except LinkUnavailable as exc:
        raise UserError(str(exc), exc.remedy) from None
    except OSError as exc:
        raise UserError(f"cannot start: {exc}") from None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    svc.start()
    logging.getLogger("gateway").info("receipt-gateway running: till %s via %s, printer via %s",
                                      svc.till_id, cfg["till"]["link"], cfg["printer"]["link"])
    sdnotify.ready(f"till {svc.till_id} via {cfg['till']['link']}, printer via {cfg['printer']['link']}")
    interval = sdnotify.watchdog_interval()
    while not stop.wait(interval):
        pump = getattr(svc, "_thread", None)
        if pump is None or pump.is_alive():  # a dead till pump stops the pings: systemd restarts us
            sdnotify.watchdog()
    sdnotify.stopping()
    logging.getLogger("gateway").info("stopping")
    svc.stop()
    return 0
