"""The demo: a whole shop on this machine, no hardware (`make demo`, `receipt-gateway demo`).

- a real mosquitto broker on a free port (when installed; without it the gateway's outbox
  keeps every receipt, which is what a shop with a dead broker gets);
- the gateway service itself (`gateway.app.Gateway`, as `receipt-gateway run` runs it);
- a virtual printer behind it that draws each page it cuts as a PNG;
- a simulated till: python-escpos's `Network` client printing realistic NL/FR/DE/EN
  receipts (`gateway.samples.generator`) to the gateway over TCP;
- the `listen` consumer (the hub's small cousin), printing a line per e-receipt as it
  arrives and acking it, so the gateway's outbox empties.

It ends by itself (about 10 s), says where the pictures are, and exits 0 when the printer
got exactly what the till sent and every receipt was captured (and, with a broker,
received once).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import shutil
import time
from pathlib import Path

log = logging.getLogger("gateway.demo")

LANGS = ["nl", "fr", "de", "en"]
# receipts before which a customer scans a loyalty card at the kiosk (see simulate_scan)
SCANS = {3: "2900 0000 0042 7", 6: "2900 0000 0099 1"}


def simulate_scan(gw, card_number: str) -> str | None:
    """Hook: a customer scans a loyalty card at the kiosk before the till prints.

    A no-op until the loyalty package lands; then it hands `card_number` to the gateway's
    loyalty session for its till (which asks the hub and may hold the next receipt, so the
    printer gets a QR stub or nothing) and returns what the customer chose ("paper", "qr",
    "none"), for the demo to say. None: no scan happened.
    """
    return None


def till_receipts(n: int) -> list:
    """n realistic receipts in four languages, as python-escpos prints them."""
    from gateway.samples.generator import make_sample

    with contextlib.redirect_stdout(io.StringIO()):  # python-escpos names its barcode renderer
        return [make_sample(1000 + i, lang=LANGS[i % len(LANGS)]) for i in range(n)]


def demo_config(out: Path, till_port: int, mqtt_url: str):
    from gateway.config.schema import Config

    cfg = Config({
        "gateway": {"id": "gw-demo", "store_id": "store-demo", "till_id": "till-1",
                    "data_dir": str(out / "gateway-data"), "log_level": "warning"},
        "till": {"link": "tcp", "listen": f"127.0.0.1:{till_port}", "idle_split_s": 2.0},
        "printer": {"link": "fake", "profile": "TM-T88V", "reconnect_max_s": 1.0, "keep_for_reprint": 200},
        "mqtt": {"url": mqtt_url, "topic_prefix": "receipts/v1", "keepalive_s": 10, "health_interval_s": 5,
                 "reconnect_max_s": 2, "session_expiry_s": 600},
        "outbox": {"republish_after_s": 10},
    })
    cfg.path = None
    return cfg


def run_demo(out: Path, *, receipts: int = 8, pause_s: float = 0.4, broker: bool = True, say=print) -> int:
    from escpos.printer import Network

    from gateway.app import Gateway
    from gateway.mqtt import local_broker
    from gateway.printer.virtual import VirtualPrinter

    out.mkdir(parents=True, exist_ok=True)
    for sub in ("gateway-data", "paper", "e-receipts", "broker"):
        shutil.rmtree(out / sub, ignore_errors=True)   # a fresh shop each run
    say("receipt-gateway demo: a shop on this machine, no hardware\n")
    mosquitto = _start_broker(out, broker, say)
    mqtt_url = mosquitto.url if mosquitto else f"mqtt://127.0.0.1:{local_broker.free_port()}"
    till_port = local_broker.free_port()
    printer = VirtualPrinter(out / "paper", profile="TM-T88V")
    gw = Gateway(demo_config(out, till_port, mqtt_url), fake=printer,
                 client_kwargs={"reconnect_first_s": 0.2})
    (out / "e-receipts").mkdir()
    gw.receipt_listeners.append(lambda e: _save(out / "e-receipts", e))
    consumer = _start_consumer(mqtt_url, out, say) if mosquitto else None
    if consumer is None:  # no hub lines: show the captures instead
        gw.receipt_listeners.append(lambda e: say(
            f"  gateway   captured #{e['sequence']} {e['merchant']['name'] or ''}: total "
            f"{e['totals']['gross'] or '?'} {e['currency'] or ''}, kept in the outbox"))
    gw.start()
    say(f"  gateway   listening for the till on 127.0.0.1:{till_port}; virtual printer draws into {out / 'paper'}")
    say("")
    sent = till_receipts(receipts)
    try:
        for i, sample in enumerate(sent, 1):
            if i in SCANS:
                choice = simulate_scan(gw, SCANS[i])
                if choice is not None:
                    say(f"  kiosk     card scanned before receipt {i}: the customer wants {choice}")
            till = Network("127.0.0.1", till_port, timeout=10)
            with contextlib.redirect_stdout(io.StringIO()):
                till.open()
            till._raw(sample.data)
            till.close()
            say(f"  till      printed receipt {i}: {sample.truth['merchant']['name']} "
                f"({sample.lang}, {sample.width} columns, total {sample.truth['totals']['gross']})")
            time.sleep(pause_s)
        _wait(lambda: gw.captured + gw.refused >= len(sent), 10)
        if consumer is not None:
            _wait(lambda: gw.outbox.depth == 0, 10)
    finally:
        gw.stop()
        printer.close()
        if consumer is not None:
            consumer.stop()
        if mosquitto is not None:
            mosquitto.stop()
    return _summary(out, sent, gw, printer, consumer, say)


def _start_broker(out: Path, wanted: bool, say):
    from gateway.mqtt import local_broker

    if not wanted:
        say("  broker    none (--no-broker): the gateway's outbox keeps the receipts")
    elif not local_broker.available():
        say("  broker    mosquitto is not installed (sudo apt-get install mosquitto, or scripts/bootstrap);\n"
            "            the gateway's outbox keeps the receipts until a broker is reachable")
    else:
        try:
            broker = local_broker.Mosquitto(out / "broker").start()
        except RuntimeError as exc:
            say(f"  broker    mosquitto did not start ({str(exc).splitlines()[0]}); the outbox keeps the receipts")
        else:
            say(f"  broker    mosquitto on {broker.url} (a real broker, started for the demo)")
            return broker
    logging.getLogger("gateway.mqtt").setLevel(logging.ERROR)  # no broker: retries are expected
    return None


def _start_consumer(url: str, out: Path, say):
    from gateway.mqtt.broker import BrokerSettings
    from gateway.mqtt.listen import Listener
    from gateway.mqtt.topics import receipt_filter

    settings = BrokerSettings.from_section({"url": url, "topic_prefix": "receipts/v1"})
    consumer = Listener(settings, out / "broker" / "listen.db", reconnect_max_s=1.0,
                        on_receipt=lambda line: say(f"  hub       {line}"))
    consumer.start()
    say(f"  consumer  `receipt-gateway listen` subscribed to {receipt_filter('receipts/v1', 'listen')}")
    return consumer


def _save(folder: Path, e_receipt: dict) -> None:
    path = folder / f"receipt-{e_receipt['sequence']:03d}.json"
    path.write_text(json.dumps(e_receipt, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _summary(out: Path, sent: list, gw, printer, consumer, say) -> int:
    expected = b"".join(s.data for s in sent)
    same = bytes(printer.printed) == expected
    say("")
    say(f"  printer   {len(printer.printed)} bytes printed, "
        f"{'identical to' if same else 'DIFFERENT from'} what the till sent")
    say(f"  gateway   {gw.captured} of {len(sent)} receipts captured in the outbox"
        + (f", {gw.refused} refused" if gw.refused else ""))
    ok = same and gw.captured == len(sent)
    if consumer is not None:
        s = consumer.stats()
        say(f"  hub       {s['stored']} e-receipts received once each ({s['duplicates']} duplicates removed), "
            f"{gw.outbox.depth} waiting for an ack")
        ok = ok and s["stored"] == len(sent)
    else:
        say(f"  outbox    {gw.outbox.depth} receipts wait in {out / 'gateway-data' / 'outbox.db'}; "
            "they go out when a broker is reachable")
    say("")
    pages = sorted((out / "paper").glob("*.png"))
    say(f"pictures of the paper ({len(pages)}): {(out / 'paper').resolve()}/")
    say(f"e-receipts (JSON):       {(out / 'e-receipts').resolve()}/")
    say(f"service status:          {(out / 'gateway-data' / 'status.json').resolve()}")
    if not ok:
        say("the demo did NOT work as it should: run it again with -v to see the gateway's log")
    return 0 if ok else 1
