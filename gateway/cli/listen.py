"""`receipt-gateway listen --config FILE`: watch receipts arrive (a small consumer of the hub's kind).

Subscribes with a shared subscription, stores each receipt in SQLite (deduplicated by
receipt_id), acks it to its gateway, asks for resends when a sequence gap stays open, and
prints one line per receipt. Only the [mqtt] section of FILE is needed (a gateway's or the
hub's config both work); [gateway] data_dir, when present, is where listen.db goes.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

from gateway.cli import UserError
from gateway.config.schema import load_file
from gateway.config.sections import SECTIONS

DEFAULT_CONFIG = "/etc/receipt-gateway/gateway.toml"


def add_arguments(p) -> None:
    p.add_argument("--config", default=DEFAULT_CONFIG, help=f"config file with an [mqtt] section (default {DEFAULT_CONFIG})")
    p.add_argument("--database", default=None, help="SQLite file for what arrives (default: DATA_DIR/listen.db)")
    p.add_argument("--group", default="listen", help="shared-subscription group (default listen)")
    p.add_argument("--client-id", default=None, help="MQTT client id (default listen-GROUP)")
    p.add_argument("--no-ack", action="store_true", help="only watch: do not ack (gateways keep their outbox)")
    p.add_argument("--no-gap-check", action="store_true", help="do not ask gateways to resend missing sequences")
    p.add_argument("--quiet", action="store_true", help="no line per receipt")


def _load(path: str):
    # listen needs only [mqtt]; the other sections are checked when present
    sections = {name: dataclasses.replace(sec, required=(name == "mqtt")) for name, sec in SECTIONS.items()}
    return load_file(path, sections)


def run(args) -> int:
    from gateway.mqtt.broker import BrokerSettings
    from gateway.mqtt.listen import Listener
    from gateway.mqtt.topics import receipt_filter

    cfg = _load(args.config)
    settings = BrokerSettings.from_section(cfg["mqtt"], cfg.path)
    if args.database:
        db = Path(args.database)
    else:
        db = Path((cfg.get("gateway") or {}).get("data_dir") or ".") / "listen.db"
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        listener = Listener(settings, db, group=args.group, client_id=args.client_id, ack=not args.no_ack,
                            gap_check=not args.no_gap_check,
                            on_receipt=None if args.quiet else (lambda line: print(line, flush=True)))
    except OSError as exc:
        raise UserError(f"cannot use the database {db}: {exc.strerror}", "pass --database PATH to a writable place") from None
    except Exception as exc:  # sqlite3 errors: not a database, locked, ...
        raise UserError(f"cannot use the database {db}: {exc}", "pass --database PATH to a new file") from None
    print(f"listening on {settings.host}:{settings.port} for {receipt_filter(settings.topic_prefix, args.group)}, "
          f"storing in {db}{'' if not args.no_ack else ' (no acks)'}; Ctrl-C to stop", flush=True)
    listener.start()
    shown = ""
    try:
        while True:
            time.sleep(0.5)
            if listener.last_error != shown:
                shown = listener.last_error
                if shown:
                    print(f"listen: {shown} (retrying)", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        listener.stop()
        s = listener.stats()
        print(f"stopped: {s['stored']} receipts stored, {s['duplicates']} duplicates removed, "
              f"{s['resend_requests']} resend requests", flush=True)
    return 0
