"""`receipt-gateway run --config FILE [--record DIR]`: the service (gateway.app.Gateway)."""

from __future__ import annotations

import contextlib
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


def run(args) -> int:
    from gateway.app import Gateway
    from gateway.config.sections import load

    cfg = load(args.config)
    level = cfg["gateway"].get("log_level", "info").upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with _user_errors(args.config):
        gw = Gateway(cfg, record_dir=args.record)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    gw.start_printer()
    links = f"till {gw.till_id} via {cfg['till']['link']}, printer via {cfg['printer']['link']}"
    sdnotify.ready(links)  # the till can print now; the outbox and MQTT come right after
    try:
        with _user_errors(args.config):
            gw.start_delivery()
    except BaseException:
        gw.stop()
        raise
    logging.getLogger("gateway").info("receipt-gateway running: %s, broker %s, data in %s",
                                      links, cfg["mqtt"]["url"], gw.data_dir)
    interval = sdnotify.watchdog_interval()
    while not stop.wait(interval):
        if gw.alive:  # a dead till pump stops the pings: systemd restarts us
            sdnotify.watchdog()
    sdnotify.stopping()
    logging.getLogger("gateway").info("stopping")
    gw.stop()
    return 0


@contextlib.contextmanager
def _user_errors(config_path: str):
    """Start-up failures a technician can fix, as a message and a remedy (never a traceback)."""
    from gateway.config import ConfigError
    from gateway.display.framebuffer import DisplayError
    from gateway.mqtt.outbox import OutboxError
    from gateway.printer.transport import LinkUnavailable
    from gateway.scanner.source import ScannerError

    try:
        yield
    except (ScannerError, DisplayError) as exc:  # the scanner or display device cannot be used
        raise UserError(exc.message, exc.remedy) from None
    except LinkUnavailable as exc:
        raise UserError(str(exc), exc.remedy) from None
    except OutboxError as exc:
        raise UserError(str(exc), exc.remedy or None) from None
    except ConfigError:
        raise  # file, section and key named by main() (e.g. a scanner without the [loyalty] card key)
    except ValueError as exc:  # e.g. an unusable broker setting
        raise UserError(f"cannot start: {exc}", f"fix the config file {config_path}") from None
    except OSError as exc:
        raise UserError(f"cannot start: {exc}", "is another receipt-gateway already running on this port?") from None
