"""The gateway service: printer proxy -> extractor -> durable outbox -> MQTT, in one object.

    gw = Gateway(cfg).start()      # both phases at once (tests, the demo)
    ...
    gw.stop()

`receipt-gateway run` starts in two phases so systemd hears READY=1 as soon as the till
can print: `start_printer()` (till listening, bytes pass through, receipts are copied),
then `start_delivery()` (outbox, MQTT client: paho, TLS, SQLite). Receipts cut before
the second phase wait in the copy queue, never in the till's path.

For each receipt the proxy captures (`CapturedReceipt`, in the segmenter thread):

1. `decide_delivery(captured)` says how the customer got it (the one place where the
   delivery decision is made; the loyalty policy plugs in here, see below);
2. the extractor makes the e-receipt (`gateway.receipt.from_capture`: an extractor
   failure still gives an e-receipt with the text, the raw SHA-256 and a warning);
3. the outbox commits it (fsync): from then on the receipt is *captured* and the MQTT
   client publishes it until the hub acks;
4. its raw bytes and e-receipt are kept for `reprint` / `print_qr` (`RecentReceipts`),
   `receipt_listeners` are told, and the status file is refreshed.

If the outbox refuses a receipt (disk or outbox full) the paper receipt has already been
printed; the refusal is logged, counted in status.json and published in `health`.

Printer status changes go to the retained `{p}/printer/{till}/status`; `health` carries
the printer and till links (the MQTT client adds outbox and disk). `status.json` in
data_dir tells `receipt-gateway status` what the service is doing (docs/status.md).

Loyalty (docs/loyalty.md): `gw.desk` (gateway.loyalty.desk.CardDesk) is asked by the till
pump at each receipt start (`proxy.claims`) and decides held receipts at their cut; it is
also `decide_delivery`: `fn(captured) -> {"mode", "reason", "card"?}`, "card" becoming the
e-receipt's `loyalty.card` (never a card number). A held receipt's e-receipt is built at
its cut (the stub's QR code carries its access token) and comes with the captured receipt
(`captured.decision.e_receipt`). `gw.loyalty` reads the scanner and drives the display.
`Gateway(cfg, delivery=fn)` replaces the delivery decision (tests).

`gw.reload_config()` (the `reload_config` command, SIGHUP in `run`) reads the config file
again: keys safe to change live are applied at once, the others wait for a restart
(gateway.reload, docs/config-reload.md).
"""

from __future__ import annotations

import collections
import logging
import shutil
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from gateway import __version__
from gateway.reload import LiveSettings

log = logging.getLogger("gateway.app")

DeliveryDecider = Callable[[object], dict]


class Gateway:
    def __init__(self, cfg: dict, *, record_dir: str | Path | None = None, fake=None,
                 delivery: DeliveryDecider | None = None, status_interval_s: float = 2.0,
                 client_kwargs: dict | None = None):
        from gateway.printer.service import PrinterService
        from gateway.recent import RecentReceipts
        from gateway.statusfile import StatusWriter

        gw, self.cfg = cfg["gateway"], cfg
        self.till_id, self.gateway_id, self.store_id = gw["till_id"], gw["id"], gw["store_id"]
        self.data_dir = Path(gw["data_dir"])
        self.config_path: str | None = getattr(cfg, "path", None)  # what reload_config reads again
        self._reload_lock = threading.Lock()
        self.printer_profile = cfg["printer"].get("profile") or "default"
        self._take(LiveSettings.from_config(cfg))  # the parts below take the same config as they start
        self.decide_delivery: DeliveryDecider = delivery or self.default_delivery
        self.receipt_listeners: list[Callable[[dict], None]] = []  # told each captured e-receipt
        self.started_at = time.time()
        self.captured = self.refused = 0
        self.last: collections.deque[dict] = collections.deque(maxlen=10)
        self.outbox = self.client = None  # made by start_delivery()
        self._client_kwargs = client_kwargs or {}
        self._delivery = threading.Event()  # set once the outbox takes receipts (or we stop)
        self.printer = PrinterService(cfg, on_receipt=self._on_receipt, record_dir=record_dir, fake=fake)
        self.recent = RecentReceipts(self.data_dir, keep=cfg["printer"].get("keep_for_reprint", 200))
        self.printer.proxy.subscribe(self._on_printer_status)
        self.status_file = StatusWriter(self.data_dir, self.snapshot, status_interval_s)
        try:
            self._start_loyalty(cfg, delivery)
        except BaseException:
            self.recent.close()
            raise

    # ---- lifecycle ------------------------------------------------------------------------
    def _start_loyalty(self, cfg: dict, delivery: DeliveryDecider | None) -> None:
        """Card desk, scanner and display. Raises ConfigError (no card key) or ScannerError."""
        from gateway.loyalty.desk import CardDesk
        from gateway.loyalty.service import LoyaltyService
        from gateway.mqtt.topics import Topics

        topics = Topics(cfg["mqtt"]["topic_prefix"], self.store_id, self.gateway_id)
        self.desk = CardDesk.from_config(cfg, request=self._ask_hub, scan_topic=topics.scan)
        if delivery is None:
            self.printer.proxy.claims = self.desk.claim
            self.decide_delivery = self.desk.delivery_for
        self.desk.print_job = lambda data: self.printer.proxy.print_between_jobs(data, timeout=10)
        source = display = None
        if self.desk.key is not None:
            from gateway.scanner.open import open_source

            source = open_source(cfg)
        if (cfg.get("display") or {}).get("output", "none") != "none":
            from gateway.display.facade import Display

            display = Display.from_config(cfg, kiosk_link=source)
        self.loyalty = LoyaltyService(self.desk, source, display)

    def _ask_hub(self, topic: str, body: dict, timeout: float) -> dict | None:
        """The card desk's scan request; no answer before the MQTT client exists (start phase 1)."""
        client = self.client
        return client.request(topic, body, timeout) if client is not None else None

    def start(self) -> Gateway:
        return self.start_printer().start_delivery()

    def start_printer(self) -> Gateway:
        """Phase 1: the till can print (pass-through), receipts are copied for capture."""
        self.printer.start()
        self.loyalty.start()
        threading.Thread(target=self.desk.warm_up, name="stub-warm-up", daemon=True).start()
        self.status_file.start()
        return self

    def start_delivery(self) -> Gateway:
        """Phase 2: the durable outbox and the MQTT client; captured receipts flow from here."""
        from gateway.mqtt.demo import build

        handlers = {"reprint": self._cmd_reprint, "print_qr": self._cmd_print_qr,
                    "reload_config": self._cmd_reload_config}
        self.outbox, client = build(self.cfg, handlers=handlers, health=self._health, **self._client_kwargs)
        if self.outbox.recovered:
            r = self.outbox.recovered
            log.error("the outbox was corrupt (%s): moved to %s, %d receipts salvaged, a new one was made",
                      r.error, r.moved_to, r.salvaged)
        client.start()
        self.client = client
        self._on_printer_status(self.printer.proxy.status)
        self._delivery.set()
        # load the extractor and the printer profile now, not when the first receipt is waiting
        threading.Thread(target=_warm_up, args=(self.printer_profile,), name="warm-up", daemon=True).start()
        return self

    def stop(self) -> None:
        """Finish the receipts already copied, say offline, write the last status."""
        self.loyalty.stop()
        if self.outbox is None:
            self._delivery.set()  # no outbox ever came: the segmenter must not wait for one
        self.printer.stop()  # the segmenter hands over what it still has before this returns
        if self.client is not None:
            self.client.stop()
        snap = self.snapshot()
        snap["stopped"] = True
        self.status_file.stop(final=snap)
        self.recent.close()
        if self.outbox is not None:
            self.outbox.close()

    @property
    def alive(self) -> bool:
        """False when the till pump died (systemd's watchdog then restarts the service)."""
        pump = getattr(self.printer, "_thread", None)
        return pump is None or pump.is_alive()

    # ---- receipts -------------------------------------------------------------------------
    def default_delivery(self, captured) -> dict:
        """Without a delivery policy: what the printer got (paper unless the proxy held it)."""
        if captured.delivery != "paper":
            return {"mode": captured.delivery, "reason": "held"}
        return {"mode": "paper", "reason": "default"}

    def _on_receipt(self, captured) -> None:
        from gateway.mqtt.outbox import OutboxError
        from gateway.receipt.ereceipt import Source
        from gateway.receipt.from_capture import ereceipt_for

        try:
            delivery = dict(self.decide_delivery(captured))
        except Exception:  # noqa: BLE001 - a policy bug must not lose the receipt
            log.exception("the delivery decision failed; recorded as paper")
            delivery = {"mode": captured.delivery, "reason": "policy error"}
        card = delivery.pop("card", None)
        self._delivery.wait()
        if self.client is None:
            self.refused += 1
            log.error("receipt NOT captured (%d bytes, printed on paper): the service stopped before its "
                      "outbox opened", len(captured.raw))
            return
        source = Source(self.store_id, self.till_id, self.gateway_id, self.printer_profile,
                        datetime.fromtimestamp(captured.ended_at).astimezone())
        e_receipt = getattr(captured.decision, "e_receipt", None)  # a held receipt's, built at its cut
        if e_receipt is not None:
            e_receipt["delivery"] = {"mode": delivery["mode"], "reason": delivery["reason"]}
        else:
            e_receipt = ereceipt_for(captured, source, delivery=delivery, include_raw=self.include_raw,
                                     till_profile=self.till_profile, loyalty_card=card, currency=self.currency)
        try:
            rid, seq = self.client.submit(e_receipt, self.till_id)
        except OutboxError as exc:
            self.refused += 1
            log.error("receipt NOT captured (%d bytes, printed on paper): %s; fix: %s",
                      len(captured.raw), exc, exc.remedy)
            self.status_file.poke()
            return
        e_receipt.update(receipt_id=rid, sequence=seq)
        self.captured += 1
        log.info("captured receipt %d (%s): %d bytes, total %s, %s", seq, rid, len(captured.raw),
                 (e_receipt.get("totals") or {}).get("gross"), delivery["mode"])
        self.recent.add(seq, rid, captured.raw, e_receipt)
        self.last.append({"at": e_receipt["source"]["captured_at"], "receipt_id": rid, "sequence": seq,
                              "total": (e_receipt.get("totals") or {}).get("gross"),
                              "currency": e_receipt.get("currency"), "lines": len(e_receipt.get("lines") or []),
                              "delivery": delivery["mode"]})
        for listener in list(self.receipt_listeners):
            try:
                listener(e_receipt)
            except Exception:  # noqa: BLE001
                log.exception("a receipt listener failed (the receipt is captured)")
        self.status_file.poke()

    # ---- printer status, health, status file ----------------------------------------------
    def _on_printer_status(self, status) -> None:
        body = {k: getattr(status, k) for k in ("online", "paper_out", "near_end", "cover_open", "error",
                                                "reachable")}
        body.update(reason=status.reason or None, ts=datetime.now().astimezone().isoformat(timespec="seconds"))
        if self.client is not None:  # before start_delivery: published by it
            self.client.publish_printer_status(self.till_id, body)
        self.status_file.poke()

    def _printer_dict(self) -> dict:
        s = self.printer.proxy.status
        return {"link": self.cfg["printer"]["link"], "up": self.printer.proxy.printer.up, "online": s.online,
                "paper_out": s.paper_out, "near_end": s.near_end, "cover_open": s.cover_open, "error": s.error,
                "reason": s.reason or None}

    def _till_dict(self) -> dict:
        peer = self.printer.proxy.till_peer
        return {"link": self.cfg["till"]["link"], "connected": peer is not None, "peer": peer}

    def _health(self) -> dict:
        return {"printer": self._printer_dict(), "till": self._till_dict(),
                "receipts": {"captured": self.captured, "refused": self.refused}}

    def snapshot(self) -> dict:
        """The status.json document (docs/status.md)."""
        stats = self.outbox.stats() if self.outbox is not None else {}
        try:
            free_mb = round(shutil.disk_usage(self.data_dir).free / 2**20, 1)
        except OSError:
            free_mb = None
        return {
            "pid": _pid(), "started_at": _iso(self.started_at), "updated_at": _iso(time.time()),
            "version": __version__, "gateway": {"id": self.gateway_id, "store_id": self.store_id,
                                                "till_id": self.till_id},
            "till": self._till_dict(),
            "printer": self._printer_dict(),
            "mqtt": {"url": self.cfg["mqtt"]["url"], "connected": bool(self.client and self.client.connected),
                     "outbox_depth": stats.get("depth"), "oldest_unconfirmed_s": stats.get("oldest_unconfirmed_s"),
                     "alarm": stats.get("alarm"), "last_error": (self.client.last_error or None) if self.client
                     else "starting"},
            "receipts": {"count": self.captured, "refused": self.refused, "last": list(self.last)},
            "disk_free_mb": free_mb,
        }

    # ---- commands (MQTT {p}/cmd/...) -------------------------------------------------------
    def _find(self, args: dict) -> tuple[bytes, dict]:
        from gateway.mqtt.client import CommandError

        rid, seq = args.get("receipt_id"), args.get("sequence")
        try:
            found = self.recent.find(receipt_id=rid, sequence=None if seq is None else int(seq))
        except (TypeError, ValueError):
            raise CommandError(f"sequence must be a number, not {seq!r}") from None
        if found is None:
            which = f"receipt_id {rid}" if rid else f"sequence {seq}" if seq is not None else "any receipt"
            raise CommandError(f"{which} is not among the last {self.recent.keep} receipts kept for reprint "
                               "([printer] keep_for_reprint)")
        return found

    def _print(self, data: bytes, what: str, args: dict) -> None:
        from gateway.mqtt.client import CommandError

        timeout = float(args.get("timeout_s", 10))
        if not self.printer.proxy.print_between_jobs(data, timeout=timeout):
            if not self.printer.proxy.printer.up:
                raise CommandError(f"{what} not printed: the printer is not reachable "
                                   f"({self.printer.proxy.printer.last_error})")
            raise CommandError(f"{what} not printed: the till kept printing for {timeout:.0f} s; try again")

    def _cmd_reprint(self, args: dict) -> dict:
        """Print a kept receipt again, byte for byte (status queries and drawer kicks taken out)."""
        from gateway.printer.reprint import printable_again

        raw, e_receipt = self._find(args)
        data = printable_again(raw, None if self.printer_profile == "default" else self.printer_profile)
        self._print(data, "reprint", args)
        log.info("reprinted receipt %s (%d bytes)", e_receipt.get("receipt_id"), len(data))
        return {"receipt_id": e_receipt.get("receipt_id"), "sequence": e_receipt.get("sequence"), "bytes": len(data)}

    def _cmd_print_qr(self, args: dict) -> dict:
        """Print the QR stub of a kept receipt (the link to its e-receipt)."""
        from gateway.printer.stub import build_stub, qr_url

        _raw, e_receipt = self._find(args)
        url = qr_url(self.qr_template, e_receipt)
        data = build_stub(e_receipt, url, self.live.decoder_profile)  # [printer] code_pages as reloaded
        self._print(data, "QR stub", args)
        log.info("printed the QR stub of receipt %s", e_receipt.get("receipt_id"))
        return {"receipt_id": e_receipt.get("receipt_id"), "url": url, "bytes": len(data)}

    def _cmd_reload_config(self, args: dict) -> dict:
        """Read the config file again: live keys at once, the others wait for a restart (gateway.reload)."""
        from gateway.config import ConfigError
        from gateway.mqtt.client import CommandError

        try:
            return self.reload_config()
        except ConfigError as exc:
            raise CommandError(reload_refused(exc)) from None

    # ---- config reload (reload_config command, SIGHUP) ------------------------------------
    def reload_config(self) -> dict:
        """Check the config file again (as check-config does) and apply the keys that are safe to change
        while running. Returns {"file", "applied": {key: value}, "restart_needed": [key, ...],
        "restart": command | None, "warnings"}; raises ConfigError (all problems) and changes nothing
        when the file is not valid."""
        from gateway import reload
        from gateway.config import ConfigError

        if not self.config_path:
            raise ConfigError("this gateway was started from a config in memory, not from a file: "
                              "there is nothing to read again", remedy="restart the service with --config FILE")
        with self._reload_lock:
            new, warnings = reload.read_new(self.config_path)
            live, later = reload.split(reload.changed(self.cfg, new))
            if live:
                running = reload.merged(self.cfg, new, live)
                self._take(reload.LiveSettings.from_config(running))
                self.cfg = running
            applied = {reload.name(k): reload.value(new, *k) for k in live}
            waiting = [reload.name(k) for k in later]
        log.info("config %s read again: %s; %s", self.config_path,
                    "applied " + ", ".join(f"{k} = {v!r}" for k, v in applied.items()) if applied
                    else "no live key changed",
                    f"waiting for `{reload.RESTART_COMMAND}`: " + ", ".join(waiting) if waiting
                    else "nothing waits for a restart")
        return {"file": self.config_path, "applied": applied, "restart_needed": waiting,
                "restart": reload.RESTART_COMMAND if waiting else None, "warnings": warnings}

    def _take(self, live: LiveSettings) -> None:
        """Use the live settings: at start (before the parts exist) and at each reload."""
        before, self.live = getattr(self, "live", None), live
        self.include_raw, self.till_profile, self.currency = live.include_raw, live.till_profile, live.currency
        self.policy_default, self.qr_template = live.policy.default, live.qr_template
        printer = getattr(self, "printer", None)
        if printer is not None:  # the next till connection's decoder takes [printer] code_pages
            printer.proxy.segmenter.profile = live.decoder_profile
        desk = getattr(self, "desk", None)
        if desk is None:
            return  # at start: `run` set the log level, the desk and display read the same config
        if before is not None and before.log_level != live.log_level:  # as `run` set it at start
            logging.getLogger().setLevel(live.log_level.upper())
        desk.apply(live)
        display = self.loyalty.display
        if display is not None:
            display.language, display.currency = live.display_language, live.display_currency
        if self.client is not None:
            self.client.health_interval_s = live.health_interval_s
        if self.outbox is not None:
            self.outbox.republish_after_s, self.outbox.retention_s = live.republish_after_s, live.retention_s


def reload_refused(exc) -> str:
    """The answer to a reload of an invalid file: every problem as check-config prints it."""
    problems = getattr(exc, "problems", None) or [exc]
    head = (f"config not reloaded, nothing changed: {len(problems)} problem{'s' if len(problems) > 1 else ''} "
            f"(`receipt-gateway check-config FILE` shows the same)")
    return "\n".join([head, *(p.render() for p in problems)])


def _warm_up(profile: str) -> None:
    try:
        import gateway.receipt.extractor  # noqa: F401
        import gateway.receipt.from_capture  # noqa: F401
        from gateway.printer.profiles import get_profile

        get_profile(None if profile == "default" else profile)  # python-escpos's capabilities: ~0.3 s
    except Exception:  # noqa: BLE001 - the first receipt will say what is wrong
        pass


def _pid() -> int:
    import os

    return os.getpid()


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")
