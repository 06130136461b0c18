"""The hub process: storage, ingest consumers, the scan responder, upkeep, and the web app.

    service = HubService(cfg)           # cfg from gateway.config.hub.load_hub
    service.start()                     # migrate, consumers, scan responder, upkeep thread
    service.serve()                     # the web app under uvicorn until SIGINT/SIGTERM
    service.stop()

The web app is `gateway.hub.web:create_app(store, cfg)`. Ingest consumers run in child processes
(gateway.hub.workers) unless `[hub] ingest_processes = false`. Upkeep runs hourly: points that are
due expire (as `expire` ledger rows) and used or expired sign-in tokens are deleted.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from gateway.hub.db import Store
from gateway.hub.ingest import Ingest
from gateway.hub.ledger import Rules
from gateway.hub.scan import ScanResponder
from gateway.mqtt.broker import BrokerSettings

log = logging.getLogger(__name__)


def open_store(cfg) -> Store:
    """The Store of a hub config: the URL's relative SQLite path is against the config file's directory."""
    hub = cfg["hub"]
    base = Path(cfg.path).resolve().parent if getattr(cfg, "path", None) else Path.cwd()
    return Store(hub["database"], base_dir=base, schema=hub.get("database_schema") or None,
                 rules=Rules.from_section(cfg.get("loyalty_rules")))


def ingest_consumer(cfg, store: Store, index: int, gap_check: bool) -> Ingest:
    """Ingest consumer number `index` (0-based) of a hub config."""
    hub = cfg["hub"]
    return Ingest(BrokerSettings.from_section(cfg["mqtt"], getattr(cfg, "path", None)), store, group=hub["group"],
                  client_id=f"{hub['group']}-ingest-{index + 1}", batch_max=hub["batch_max"],
                  batch_wait_s=hub["batch_wait_ms"] / 1000, gap_check=gap_check, gap_wait_s=hub["gap_wait_s"],
                  session_expiry_s=max(cfg["mqtt"].get("session_expiry_s", 3600), 3600))


class HubService:
    def __init__(self, cfg, store: Store | None = None, *, upkeep_every_s: float = 3600):
        self.cfg = cfg
        hub = cfg["hub"]
        self.store = store or open_store(cfg)
        self.settings = BrokerSettings.from_section(cfg["mqtt"], getattr(cfg, "path", None))
        if hub.get("ingest_processes", True):
            from gateway.hub.workers import IngestProcess

            self.consumers = [IngestProcess(cfg, i, gap_check=(i == 0)) for i in range(hub["consumers"])]
        else:
            self.consumers = [ingest_consumer(cfg, self.store, i, gap_check=(i == 0)) for i in range(hub["consumers"])]
        self.scan = ScanResponder(self.settings, self.store, group=hub["group"], client_id=f"{hub['group']}-scan-1",
                                  unknown_mode=hub["unknown_card_mode"])
        self.upkeep_every_s = upkeep_every_s
        self._stop = threading.Event()
        self._upkeep: threading.Thread | None = None
        self.server = None

    def start(self) -> None:
        version = self.store.migrate()
        log.info("database %s at schema version %d", self.store.engine.url.render_as_string(), version)
        for c in self.consumers:
            c.start()
        self.scan.start()
        self._upkeep = threading.Thread(target=self._upkeep_loop, name="hub-upkeep", daemon=True)
        self._upkeep.start()

    def _upkeep_loop(self) -> None:
        while not self._stop.wait(self.upkeep_every_s):
            self.upkeep()

    def upkeep(self) -> dict:
        try:
            expired = self.store.expire_points()
            purged = self.store.purge_login_tokens()
        except Exception:  # noqa: BLE001 - tried again at the next round
            log.exception("upkeep failed")
            return {}
        if expired or purged:
            log.info("upkeep: %d points expired, %d sign-in tokens removed", expired, purged)
        return {"expired_points": expired, "purged_tokens": purged}

    def web_app(self):
        """The Starlette app from gateway.hub.web, or None when that module is not installed."""
        try:
            from gateway.hub.web import create_app
        except ModuleNotFoundError as exc:
            if exc.name != "gateway.hub.web":
                raise
            return None
        return create_app(self.store, self.cfg)

    def serve(self, app=None) -> None:
        """Run the web app under uvicorn on [hub] listen until SIGINT/SIGTERM (or stop())."""
        import uvicorn

        from gateway.config import parse_address

        host, port = parse_address(self.cfg["hub"]["listen"])
        app = app if app is not None else self.web_app()
        if app is None:
            log.warning("gateway.hub.web is not installed: no web pages; ingest and scans run")
            self._wait_for_signal()
            return
        config = uvicorn.Config(app, host=host, port=port, log_level=self.cfg["hub"]["log_level"],
                                access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.server._captured_signals = _Forgetful()  # stop on SIGTERM, but return: the hub exits 0
        self.server.run()
        if not self.server.started:
            raise OSError(f"cannot listen on {host}:{port} (in use, or not an address of this machine)")

    def _wait_for_signal(self) -> None:
        import signal

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self._stop.set())
        self._stop.wait()

    def stop(self) -> None:
        self._stop.set()
        if self.server is not None:
            self.server.should_exit = True
        self.scan.stop()
        for c in self.consumers:
            c.stop()
        self.store.close()

    def stats(self) -> dict:
        return {"ingest": [c.stats() for c in self.consumers], "scan": self.scan.stats()}


class _Forgetful(list):
    """uvicorn re-raises the signal that stopped it once it is down (the process then dies of it);
    the hub shuts its consumers down and exits 0 instead, so nothing is remembered."""

    def append(self, _signal) -> None:
        pass
