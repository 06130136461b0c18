"""The demo: a whole shop on this machine, no hardware (`make demo`, `receipt-gateway demo`).

- a real mosquitto broker on a free port (when installed; without it the gateway's outbox
  keeps every receipt, which is what a shop with a dead broker gets);
- the gateway service itself (`gateway.app.Gateway`, as `receipt-gateway run` runs it), with
  the loyalty desk, a USB serial card scanner (a pty pair) and the customer display drawing
  its screens as PNG files;
- a virtual printer behind it that draws each page it cuts as a PNG (receipts and QR stubs);
- a simulated till: python-escpos's `Network` client printing realistic NL/FR/DE/EN
  receipts (`gateway.samples.generator`) to the gateway over TCP;
- customers scanning loyalty cards before some receipts (gateway.demo_shop): one wants a QR
  stub, one nothing, one paper; a receipt with a warranty line is printed anyway;
- the hub (gateway.demo_hub): the reference hub when its extra is installed (answers the
  scans, stores the receipts, serves the page the QR code opens, keeps the points), else a
  stand-in answering the scans; and the `listen` consumer printing each e-receipt as it
  arrives.

It ends by itself (about 10 s), says where the pictures are, and exits 0 when every receipt
was captured, the printer got what each customer asked for and, with a broker, the hub got
every receipt once.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import shutil
import time
from pathlib import Path

from gateway.demo_shop import CUSTOMERS, VISITS, WARRANTY_AT

log = logging.getLogger("gateway.demo")

LANGS = ["nl", "fr", "de", "en"]
OUTCOME = {"paper": "printed", "qr": "a QR stub printed", "none": "nothing printed"}


def till_receipts(n: int) -> list:
    """n realistic receipts in four languages, as python-escpos prints them (receipt
    WARRANTY_AT is an electronics shop's, with a warranty line)."""
    from gateway.demo_shop import warranty_receipt
    from gateway.samples.generator import make_sample

    with contextlib.redirect_stdout(io.StringIO()):  # python-escpos names its barcode renderer
        out = [make_sample(1000 + i, lang=LANGS[i % len(LANGS)]) for i in range(n)]
    if n >= WARRANTY_AT:
        s = out[WARRANTY_AT - 1]
        s.data, s.lang, s.width = warranty_receipt(), "nl", 42
        s.truth = {"merchant": {"name": "ELECTRO VAN DAMME"}, "totals": {"gross": "56.49"}}
    return out


def demo_config(out: Path, till_port: int, mqtt_url: str, *, scanner: str | None = None,
                key_file: Path | None = None, qr_template: str = "https://receipts.example.com/r/{token}"):
    from gateway.config.schema import resolve
    from gateway.config.sections import SECTIONS

    raw = {
        "gateway": {"id": "gw-demo", "store_id": "store-demo", "till_id": "till-1",
                    "data_dir": str(out / "gateway-data"), "log_level": "warning"},
        "till": {"link": "tcp", "listen": f"127.0.0.1:{till_port}", "idle_split_s": 2.0},
        "printer": {"link": "fake", "profile": "TM-T88V", "reconnect_max_s": 1.0, "keep_for_reprint": 200},
        "mqtt": {"url": mqtt_url, "topic_prefix": "receipts/v1", "keepalive_s": 10, "health_interval_s": 5,
                 "reconnect_max_s": 2, "session_expiry_s": 600},
        "outbox": {"republish_after_s": 10},
        "qr": {"url_template": qr_template},
    }
    if scanner and key_file:
        raw["scanner"] = {"source": "serial", "device": scanner}
        raw["loyalty"] = {"hmac_key_file": str(key_file), "key_id": "k1"}
        raw["policy"] = {"default": "paper"}
        raw["display"] = {"output": "png", "png_dir": str(out / "display")}
    cfg = resolve(raw, SECTIONS)
    cfg.path = None
    return cfg


def run_demo(out: Path, *, receipts: int = 8, pause_s: float = 0.4, broker: bool = True, hub: bool = True,
             serve: bool = False, say=print) -> int:
    from gateway.demo_shop import hub_installed, write_card_key
    from gateway.mqtt import local_broker
    from gateway.printer.virtual import VirtualPrinter

    out = Path(out).resolve()  # the broker and the hub resolve paths from their own directories
    from gateway.scanner.fake_serial import PtyScanner

    out.mkdir(parents=True, exist_ok=True)
    for sub in ("gateway-data", "paper", "e-receipts", "broker", "display", "hub"):
        shutil.rmtree(out / sub, ignore_errors=True)   # a fresh shop each run
    say("receipt-gateway demo: a shop on this machine, no hardware\n")
    mosquitto = _start_broker(out, broker, say)
    mqtt_url = mosquitto.url if mosquitto else f"mqtt://127.0.0.1:{local_broker.free_port()}"
    key_file = write_card_key(out)
    the_hub = consumer = gw = None
    scanner = PtyScanner()
    printer = VirtualPrinter(out / "paper", profile="TM-T88V")
    try:
        if mosquitto is not None:
            the_hub = _start_hub(out, mqtt_url, key_file, hub and hub_installed(), say)
            consumer = _start_consumer(mqtt_url, out, say, ack=not the_hub.acks)
        till_port = local_broker.free_port()
        cfg = demo_config(out, till_port, mqtt_url, scanner=scanner.name, key_file=key_file,
                          qr_template=the_hub.url_template if the_hub else "https://receipts.example.com/r/{token}")
        gw = _start_gateway(cfg, printer, out, say, quiet=consumer is None)
        say(f"  gateway   listening for the till on 127.0.0.1:{till_port}; virtual printer draws into {out / 'paper'}")
        say(f"  scanner   a USB serial card scanner on {scanner.name}; card key {key_file} (mode 0600)")
        say(f"  display   the customer display draws its screens into {out / 'display'}")
        say("")
        sent = till_receipts(receipts)
        _run_till(gw, scanner, sent, till_port, pause_s, say)
        _wait(lambda: gw.captured + gw.refused >= len(sent), 10)
        if consumer is not None:
            _wait(lambda: gw.outbox.depth == 0, 10)
        if the_hub is not None and the_hub.acks:
            _wait(lambda: the_hub.stored() >= len(sent), 5)
        gw.stop()
        printer.close()
        code = _summary(out, sent, gw, printer, consumer, the_hub, say)
        if serve and the_hub is not None and the_hub.base:
            _serve(the_hub, gw.outcomes, out, say)
        return code
    finally:
        if gw is not None:
            with contextlib.suppress(Exception):
                gw.stop()
        printer.close()
        scanner.close()
        for part in (consumer, the_hub, mosquitto):
            if part is not None:
                part.stop()


def _start_gateway(cfg, printer, out: Path, say, quiet: bool):
    from gateway.app import Gateway

    gw = Gateway(cfg, fake=printer, client_kwargs={"reconnect_first_s": 0.2})
    (out / "e-receipts").mkdir()
    gw.outcomes = []
    gw.receipt_listeners.append(lambda e: _save(out / "e-receipts", e))
    gw.receipt_listeners.append(lambda e: _tell_outcome(gw, e, say))
    if quiet:  # no hub lines: show the captures instead
        gw.receipt_listeners.append(lambda e: say(
            f"  gateway   captured #{e['sequence']} {e['merchant']['name'] or ''}: total "
            f"{e['totals']['gross'] or '?'} {e['currency'] or ''}, kept in the outbox"))
    gw.start()
    return gw


def _tell_outcome(gw, e: dict, say) -> None:
    from gateway.printer.stub import qr_url

    mode, reason = e["delivery"]["mode"], e["delivery"]["reason"]
    url = qr_url(gw.qr_template, e) if mode != "paper" else None
    gw.outcomes.append((e["sequence"], mode, url))
    if reason.startswith("store default"):
        return
    say(f"  gateway   receipt #{e['sequence']}: {OUTCOME[mode]} ({reason})"
        + (f"; its e-receipt: {url}" if url else ""))


def _run_till(gw, scanner, sent: list, till_port: int, pause_s: float, say) -> None:
    from escpos.printer import Network

    from gateway.demo_shop import CardAnswers

    answers = CardAnswers(gw.desk)
    for i, sample in enumerate(sent, 1):
        who = CUSTOMERS.get(VISITS.get(i, ""))
        if who is not None:
            before = len(answers)
            scanner.scan(who.card)
            e = answers.wait(before)
            if e is None or e["event"] != "card_accepted":
                say(f"  scanner   {who.name} scans card {who.masked}: no answer ({(e or {}).get('reason', 'timeout')})")
            elif e["source"] == "default":
                say(f"  scanner   {who.name} scans card {who.masked}: no answer from the hub, "
                    f"the store default ({e['mode']})")
            else:
                say(f"  scanner   {who.name} scans card {who.masked}: {e.get('greeting') or 'no greeting'}, "
                    f"wants {e['mode']} ({e['source']})"
                    + ("" if e.get("points_balance") is None else f", {e['points_balance']} points"))
        till = Network("127.0.0.1", till_port, timeout=10)
        with contextlib.redirect_stdout(io.StringIO()):
            till.open()
        till._raw(sample.data)
        till.close()
        say(f"  till      printed receipt {i}: {sample.truth['merchant']['name']} "
            f"({sample.lang}, {sample.width} columns, total {sample.truth['totals']['gross']})")
        time.sleep(pause_s)


def _serve(hub, outcomes: list, out: Path, say) -> None:
    """Keep the hub's pages up until Ctrl-C, for a browser."""
    say("")
    say(f"the hub's pages stay up at {hub.base} until Ctrl-C:")
    for seq, mode, url in outcomes:
        if mode != "paper":
            say(f"  receipt #{seq} ({mode}): {url}")
    say(f"  sign in at {hub.base}/signin as ann@example.com; the sign-in mails land in {out / 'hub' / 'mail'}/")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        say("stopped")


def _start_hub(out: Path, mqtt_url: str, key_file: Path, reference: bool, say):
    from gateway.demo_hub import ReferenceHub, StandInHub

    hub = ReferenceHub(out / "hub", mqtt_url, key_file) if reference else StandInHub(mqtt_url)
    hub.start()
    say(f"  hub       {hub.name}" + (f" on {hub.base} (config {hub.config_path})" if hub.base else ""))
    _wait(hub.ready, 5)
    return hub


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


def _start_consumer(url: str, out: Path, say, *, ack: bool):
    """`receipt-gateway listen`: a line per e-receipt as it arrives; it acks them only when no hub does."""
    from gateway.mqtt.broker import BrokerSettings
    from gateway.mqtt.listen import Listener
    from gateway.mqtt.topics import receipt_filter

    settings = BrokerSettings.from_section({"url": url, "topic_prefix": "receipts/v1"})
    consumer = Listener(settings, out / "broker" / "listen.db", reconnect_max_s=1.0, ack=ack,
                        on_receipt=lambda line: say(f"  listen    {line}"))
    consumer.start()
    _wait(lambda: consumer.connected, 5)
    say(f"  consumer  `receipt-gateway listen` subscribed to {receipt_filter('receipts/v1', 'listen')}"
        + ("" if ack else " (watching; the hub acks)"))
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


def _summary(out: Path, sent: list, gw, printer, consumer, hub, say) -> int:
    outcomes = sorted(gw.outcomes)
    modes = [m for _, m, _ in outcomes]
    pages = sorted((out / "paper").glob("page-*.png"))
    expected_pages = sum(m != "none" for m in modes)
    say("")
    say(f"  printer   {len(pages)} pages: {modes.count('paper')} receipts on paper, {modes.count('qr')} QR stub(s); "
        f"{modes.count('none')} receipt(s) not printed (in the customer's account)")
    say(f"  gateway   {gw.captured} of {len(sent)} receipts captured in the outbox"
        + (f", {gw.refused} refused" if gw.refused else ""))
    ok = gw.captured == len(sent) and len(pages) == expected_pages
    if consumer is not None:
        s = consumer.stats()
        say(f"  listen    {s['stored']} e-receipts received once each ({s['duplicates']} duplicates removed), "
            f"{gw.outbox.depth} waiting for an ack")
        ok = ok and s["stored"] == len(sent) and gw.outbox.depth == 0
    else:
        say(f"  outbox    {gw.outbox.depth} receipts wait in {out / 'gateway-data' / 'outbox.db'}; "
            "they go out when a broker is reachable")
    if hub is not None and hub.base:
        ok = _hub_summary(hub, outcomes, len(sent), say) and ok
    say("")
    say(f"pictures of the paper ({len(pages)}): {(out / 'paper').resolve()}/")
    page = iter(pages)
    for seq, mode, url in outcomes:
        if mode != "none":
            path = next(page, None)
            if mode == "qr" and path is not None:
                say(f"  the QR stub of receipt #{seq}: {path.resolve()} (its QR code opens {url})")
    screens = sorted((out / "display").glob("*.png"))
    say(f"customer display screens ({len(screens)}): {(out / 'display').resolve()}/")
    say(f"e-receipts (JSON):       {(out / 'e-receipts').resolve()}/")
    say(f"service status:          {(out / 'gateway-data' / 'status.json').resolve()}")
    if not ok:
        say("the demo did NOT work as it should: run it again with -v to see the gateway's log")
    return 0 if ok else 1


def _hub_summary(hub, outcomes: list, n: int, say) -> bool:
    stored = hub.stored()
    say(f"  hub       {stored} of {n} e-receipts stored in {hub.store.engine.url.database}")
    ok = stored == n
    for customer, count, points in hub.accounts():
        say(f"  hub       {customer.name}'s account ({customer.email}, wants {customer.mode}): "
            f"{count} receipt(s), {points} points")
    for _seq, mode, url in outcomes:
        if mode == "qr":
            try:
                status, page = hub.fetch(url)
            except OSError as exc:
                say(f"  hub       GET {url}: {exc}")
                return False
            say(f"  hub       GET {url} -> {status}: the receipt page ({len(page)} bytes) a phone opens from the stub")
            ok = ok and status == 200
    return ok
