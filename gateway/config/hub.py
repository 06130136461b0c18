"""The hub's config sections: `[mqtt]` (as the gateway's), `[hub]` and `[loyalty_rules]` (docs/hub.md).

    [hub]
    listen = "127.0.0.1:8080"
    database = "sqlite:///hub.db"          # relative to this file's directory; or postgresql://...
"""

from __future__ import annotations

from gateway.config.schema import Option, Section
from gateway.config.sections import MQTT


def _rules_check(values: dict):
    from gateway.hub.ledger import parse_campaign, parse_category

    problems = []
    names = set()
    for text in values.get("categories", []):
        try:
            names.add(parse_category(text)[0])
        except ValueError as exc:
            problems.append(("categories", str(exc), 'write "name:regular expression", e.g. "tobacco:(?i)tabak"'))
    for text in values.get("campaigns", []):
        try:
            parse_campaign(text)
        except ValueError as exc:
            problems.append(("campaigns", str(exc), 'e.g. "2025-12-01..2025-12-24 x2" or "2025-06-01..2025-06-30 x3 toys"'))
    for name in values.get("excluded_categories", []):
        if name not in names:
            problems.append(("excluded_categories", f"category {name!r} is not defined in categories",
                             f'add "{name}:regular expression" to categories'))
    return problems


HUB = Section("hub", {
    "listen": Option("address", "127.0.0.1:8080", "host:port of the receipt pages and the API"),
    "database": Option("str", "sqlite:///hub.db",
                       "sqlite:///rel/path.db (relative to this config file's directory), sqlite:////abs/path.db, "
                       "or postgresql://user@host:5432/dbname",
                       pattern=r"(sqlite|postgresql)(\+\w+)?://.*"),
    "database_schema": Option("str", "", "PostgreSQL: the schema that holds the hub's tables (default: search_path)",
                              pattern=r"([A-Za-z_][A-Za-z0-9_]{0,62})?"),
    "consumers": Option("int", 2, "ingest consumers (shared subscription)", minval=1, maxval=16),
    "ingest_processes": Option("bool", True, "each ingest consumer in its own process (a core each; scans and "
                               "pages not slowed by ingest); false: threads of the hub process"),
    "group": Option("str", "hub", "shared-subscription group of the ingest and scan consumers",
                    pattern=r"[A-Za-z0-9_\-]{1,64}"),
    "batch_max": Option("int", 500, "receipts committed in one transaction at most", minval=1, maxval=10_000),
    "batch_wait_ms": Option("int", 50, "longest a received receipt waits for its commit (and ack)", minval=1,
                            maxval=5000),
    "gap_wait_s": Option("float", 10, "a sequence gap open this long is asked for with resend", minval=0.5,
                         maxval=86400),
    "unknown_card_mode": Option("str", "paper", "scan answer for a card no account has", choices=("paper", "qr", "none")),
    "log_level": Option("str", "info", "log level", choices=("debug", "info", "warning", "error")),
    # the web pages and the API (gateway.hub.web); relative paths are from this file's directory
    "public_url": Option("str", "", "the address customers reach the hub at, e.g. https://receipts.example.com "
                         "(links in mails; https makes the session cookie Secure)", pattern=r"(https?://\S+)?"),
    "secret_file": Option("path", "", "secret that signs session cookies and card codes (mode 0600); "
                          "empty: a random one each start (everyone is signed out on restart)"),
    "mail_dir": Option("path", "", "sign-in mails are written here as .eml files; empty: to the log"),
    "mail_from": Option("str", "receipts@localhost", "From: address of sign-in mails"),
    "card_key_file": Option("path", "", "the retailer's card HMAC key (as the gateways' [loyalty] "
                            "hmac_key_file): enables sign-in by card number + code"),
    "card_key_id": Option("str", "k1", "id of that key"),
    "api_keys_file": Option("path", "", "ERP API keys, one `NAME KEY` or `NAME sha256:HEX` a line; "
                            "empty: the API answers 401"),
}, required=True, help='the hub: listen = "127.0.0.1:8080", database = "sqlite:///hub.db"')

LOYALTY_RULES = Section("loyalty_rules", {
    "points_per_euro": Option("float", 1.0, "points per euro spent", minval=0, maxval=1000),
    "categories": Option("list", [], '"name:regular expression" on line descriptions, first match wins'),
    "excluded_categories": Option("list", [], "categories that earn no points (e.g. tobacco, lottery)"),
    "campaigns": Option("list", [], '"YYYY-MM-DD..YYYY-MM-DD xN [category,...]": points x N on those days'),
    "signup_bonus": Option("int", 0, "points for a new account", minval=0, maxval=1_000_000),
    "expiry_days": Option("int", 365, "points expire this many days after the receipt (0: never)", minval=0,
                          maxval=3650),
    "reminder_days": Option("int", 30, "list customers whose points expire within this many days", minval=1,
                            maxval=365),
}, help="loyalty points rules", checks=[_rules_check])

HUB_SECTIONS: dict[str, Section] = {s.name: s for s in (MQTT, HUB, LOYALTY_RULES)}


def load_hub(path) -> dict:
    """Load and check a hub config file ([mqtt] and [hub] required)."""
    from gateway.config.schema import load_file

    return load_file(path, HUB_SECTIONS)
