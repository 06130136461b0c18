"""`receipt-gateway status [--config FILE] [--json]`: what the running service is doing.

Reads `{data_dir}/status.json` (the service rewrites it every 2 s) and the outbox
SQLite file in data_dir, both read-only: links, printer state, broker, outbox depth,
last receipts. Says plainly when the service is not running or its status is stale.
Exit 0 when the service runs and nothing is wrong, 1 otherwise.
"""

from __future__ import annotations

import json
import sqlite3
import time

DEFAULT_CONFIG = "/etc/receipt-gateway/gateway.toml"
NOT_RUNNING_FIX = "`systemctl status receipt-gateway`; start it with `sudo systemctl start receipt-gateway`"


def add_arguments(p) -> None:
    p.add_argument("--config", "-c", default=DEFAULT_CONFIG, help=f"config file (default {DEFAULT_CONFIG})")
    p.add_argument("--json", action="store_true", help="print what was read as JSON")


def run(args) -> int:
    from gateway.cli.report import Report
    from gateway.config import load
    from gateway.diagnostics.service_status import read_status

    cfg = load(args.config)
    data_dir = cfg["gateway"]["data_dir"]
    report = Report(json_mode=args.json)
    state = read_status(data_dir)
    s = state.status
    report.heading(f"receipt-gateway {cfg['gateway']['id']} (till {cfg['gateway']['till_id']})")
    if state.running:
        report.ok("service", f"running (pid {s.get('pid')}, {_uptime(s.get('started_at'))}"
                  f"version {s.get('version', '?')}); status {state.age_s:.0f} s old")
        _links(report, s)
    else:
        report.fail("service", state.problem, NOT_RUNNING_FIX)
    _outbox(report, data_dir, s.get("mqtt") or {}, state.running)
    if state.running:
        _receipts(report, s.get("receipts") or {})
        if isinstance(s.get("disk_free_mb"), int | float):
            report.check("ok" if s["disk_free_mb"] >= 200 else "warn", "disk", f"{s['disk_free_mb']:,.0f} MB free",
                         "free space in data_dir (old captures), `journalctl --vacuum-size=50M`")
    if args.json:
        print(json.dumps({"running": state.running, "problem": state.problem or None, "status_age_s": state.age_s,
                          "status": s, "checks": report.results}, indent=2, default=str))
    return report.exit_code


def _uptime(started) -> str:
    if isinstance(started, str):
        from datetime import datetime

        try:
            started = datetime.fromisoformat(started).timestamp()
        except ValueError:
            return ""
    if not isinstance(started, int | float):
        return ""
    up = max(0, int(time.time() - started))
    return f"up {up // 3600}h {up % 3600 // 60:02d}m, "


def _links(report, s: dict) -> None:
    till = s.get("till") or {}
    peer = f" (peer {till['peer']})" if till.get("peer") else ""
    if till.get("connected"):
        report.ok("till", f"{till.get('link', '?')}: connected{peer}")
    else:
        report.info("till", f"{till.get('link', '?')}: waiting for the till{peer}")
    printer = s.get("printer") or {}
    flags = [k.replace("_", " ") for k in ("paper_out", "cover_open", "error") if printer.get(k)]
    if printer.get("online") and not flags:
        near = printer.get("near_end")
        report.check("warn" if near else "ok", "printer", f"{printer.get('link', '?')}: online"
                     + (", paper near end" if near else ""), "change the paper roll soon")
    else:
        report.fail("printer", f"{printer.get('link', '?')}: {', '.join(flags) or 'offline'}",
                    "`receipt-gateway doctor` says why: paper, cover, cable, power")
    mqtt = s.get("mqtt") or {}
    if mqtt.get("connected"):
        report.ok("broker", f"{mqtt.get('url', '?')}: connected")
    else:
        report.fail("broker", f"{mqtt.get('url', '?')}: not connected (receipts wait in the outbox)",
                    "`receipt-gateway doctor` checks the broker and the credentials")


def _outbox(report, data_dir: str, mqtt: dict, running: bool) -> None:
    from gateway.diagnostics.service_status import outbox_counts

    try:
        counts = outbox_counts(data_dir)
    except (sqlite3.Error, OSError) as exc:
        report.fail("outbox", f"cannot read {data_dir}/outbox.db: {exc}",
                    "run as root or receipt-gw (`sudo receipt-gateway status`)")
        return
    if counts is None:
        report.info("outbox", f"no outbox in {data_dir} yet (no receipt captured)")
        return
    oldest = counts["oldest_unconfirmed_s"]
    detail = (f"{counts['depth']} receipt{'s' * (counts['depth'] != 1)} waiting for the hub "
              f"({counts['pending']} not yet sent, {counts['published']} sent, not yet acknowledged); "
              f"{counts['confirmed']} confirmed kept")
    if oldest is not None:
        detail += f"; oldest waiting {_age(oldest)}"
    stuck = oldest is not None and oldest > 600
    report.check("warn" if stuck else "ok", "outbox", detail,
                 "nothing is lost; check the broker (`receipt-gateway doctor`) and that the hub is acking",
                 **counts)


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _receipts(report, receipts: dict) -> None:
    last = receipts.get("last") or []
    report.info("receipts", f"{receipts.get('count', 0)} since start" + ("; last:" if last else ""))
    for r in last[-5:]:
        report.line(f"{r.get('at', '?')}  {r.get('receipt_id', '?')}  total {r.get('total') or '?'}  "
                    f"{r.get('lines', '?')} lines  {r.get('delivery', '?')}")
