"""`receipt-gateway hub --config FILE`: the reference receipt hub (docs/hub.md).

Stores the gateways' e-receipts (SQLite or PostgreSQL, `[hub] database`), acks them, answers
scan requests, keeps loyalty points and serves the receipt pages on `[hub] listen`.

    receipt-gateway hub reminders --config FILE [--days N] [--format csv|json]

prints the reminder list: the customers whose points expire within N days (default
[loyalty_rules] reminder_days), with the points and the date, from the hub's database.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys

from gateway.cli import UserError

DEFAULT_CONFIG = "/etc/receipt-gateway/hub.toml"


def add_arguments(p) -> None:
    p.add_argument("--config", default=DEFAULT_CONFIG, help=f"hub config with [mqtt] and [hub] (default {DEFAULT_CONFIG})")
    p.add_argument("--migrate-only", action="store_true", help="create or upgrade the database tables, then exit")
    sub = p.add_subparsers(dest="action", metavar="ACTION", title="actions",
                           description="none: run the hub; reminders: print the points reminder list")
    r = sub.add_parser("reminders", help="list the customers whose points expire soon (CSV or JSON on stdout)",
                       description="The customers whose points expire within N days, with the points and "
                                   "the date (earliest first), from the hub's ledger.")
    r.add_argument("--config", default=argparse.SUPPRESS, help=f"hub config (default {DEFAULT_CONFIG})")
    r.add_argument("--days", type=int, help="within this many days, 1 to 365 (default [loyalty_rules] reminder_days)")
    r.add_argument("--format", choices=("csv", "json"), default="csv", help="output format (default csv)")


def run(args) -> int:
    try:
        import sqlalchemy  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise UserError(f"the hub needs the `hub` extra ({exc.name} is not installed)",
                        "pip install 'receipt-gateway[hub]' (or scripts/bootstrap)") from None
    from gateway.config.hub import load_hub

    cfg = load_hub(args.config)
    if getattr(args, "action", None) == "reminders":
        return reminders(cfg, args.days, args.format)
    return serve(cfg, args)


REMINDER_COLUMNS = ("account_id", "email", "locale", "points", "expires_at")


def reminders(cfg, days: int | None, fmt: str) -> int:
    """Print the reminder list (Store.expiry_reminders) as CSV (one row an account) or JSON."""
    from sqlalchemy.exc import SQLAlchemyError

    from gateway.hub.service import open_store

    if days is not None and not 1 <= days <= 365:
        raise UserError(f"--days {days} is out of range", "give a number of days from 1 to 365")
    try:
        store = open_store(cfg)
        try:
            rows = store.expiry_reminders(days)
        finally:
            store.close()
    except SQLAlchemyError as exc:
        raise UserError(f"cannot read the database {cfg['hub']['database']}: {_first_line(exc)}",
                        "check [hub] database, and that the hub has created its tables "
                        "(receipt-gateway hub --migrate-only)") from None
    if fmt == "json":
        json.dump(rows, sys.stdout, indent=2)
        print()
    else:
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(REMINDER_COLUMNS)
        out.writerows([[r[c] if r[c] is not None else "" for c in REMINDER_COLUMNS] for r in rows])
    return 0


def serve(cfg, args) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from gateway.hub.service import HubService
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
