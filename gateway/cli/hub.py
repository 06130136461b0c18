"""`receipt-gateway hub --config FILE`: the reference receipt hub (docs/hub.md).

Stores the gateways' e-receipts (SQLite or PostgreSQL, `[hub] database`), acks them, answers
scan requests, keeps loyalty points and serves the receipt pages on `[hub] listen`.
"""

from __future__ import annotations

import logging
import sys

from gateway.cli import UserError

DEFAULT_CONFIG = "/etc/receipt-gateway/hub.toml"


def add_arguments(p) -> None:
    p.add_argument("--config", default=DEFAULT_CONFIG, help=f"hub config with [mqtt] and [hub] (default {DEFAULT_CONFIG})")
    p.add_argument("--migrate-only", action="store_true", help="create or upgrade the database tables, then exit")


def run(args) -> int:
    try:
        import sqlalchemy  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise UserError(f"the hub needs the `hub` extra ({exc.name} is not installed)",
                        "pip install 'receipt-gateway[hub]' (or scripts/bootstrap)") from None
    from sqlalchemy.exc import SQLAlchemyError

    from gateway.config.hub import load_hub
    from gateway.hub.service import HubService

    cfg = load_hub(args.config)
    logging.basicConfig(level=cfg["hub"]["log_level"].upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        service = HubService(cfg)
        if args.migrate_only:
            version = service.store.migrate()
            print(f"database ready at schema version {version}")
            service.store.close()
            return 0
        service.start()
    except (SQLAlchemyError, OSError) as exc:
        raise UserError(f"cannot open the database {cfg['hub']['database']}: {_first_line(exc)}",
                        "check [hub] database (and that the server runs and this user may create tables)") from None
    url = service.store.engine.url.render_as_string()
    print(f"hub: database {url}; {len(service.consumers)} ingest consumers and the scan responder on "
          f"{service.settings.host}:{service.settings.port}; pages on http://{cfg['hub']['listen']}", flush=True)
    try:
        service.serve()
    except OSError as exc:
        raise UserError(str(exc), "change [hub] listen or stop what uses that port") from None
    finally:
        service.stop()
        ingest = service.stats()["ingest"]
        print(f"hub stopped: {sum(s['stored'] for s in ingest)} receipts stored, "
              f"{sum(s['duplicates'] for s in ingest)} duplicates, {sum(s['rejected'] for s in ingest)} rejected",
              flush=True)
    return 0


def _first_line(exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(exc).__name__])[0]
