"""`receipt-gateway run --config FILE [--record DIR]`: the service (gateway.app.Gateway).

SIGTERM/SIGINT stop it; SIGHUP (`systemctl reload receipt-gateway`) reads the config file again
(gateway.reload: live keys at once, the others wait for a restart; an invalid file changes nothing).
"""

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
    wake, asked = threading.Event(), set()   # the signal handlers only note what was asked

    def on_signal(signum, _frame) -> None:
        asked.add("reload" if signum == signal.SIGHUP else "stop")
        wake.set()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
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
    while "stop" not in asked:
        wake.wait(interval)
        wake.clear()
        if "reload" in asked and "stop" not in asked:
            asked.discard("reload")
            _reload(gw)
        if interval is not None and gw.alive:  # a dead till pump stops the pings: systemd restarts us
            sdnotify.watchdog()
    sdnotify.stopping()
    logging.getLogger("gateway").info("stopping")
    gw.stop()
    return 0


def _reload(gw) -> None:
    """SIGHUP (`systemctl reload receipt-gateway`): read the config again, as the reload_config command."""
    from gateway.app import reload_refused
    from gateway.config import ConfigError

    sdnotify.reloading()
    try:
        gw.reload_config()   # logs what was applied and what waits for a restart
    except ConfigError as exc:
        logging.getLogger("gateway").error("%s", reload_refused(exc))
    except Exception:  # noqa: BLE001 - a reload bug must not stop the service
        logging.getLogger("gateway").exception("config reload failed; the service runs on as before")
    finally:
        sdnotify.ready()


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
