"""Loyalty figures: `python3 benchmarks/bench_loyalty.py [--n 200]`.

1. cut -> first stub byte at the printer: a held receipt (card scanned, preference "qr")
   is sent over TCP by a till, then its cut; the time from sending the cut to the first
   byte of the stub arriving at a TCP printer. Includes decoding, the e-receipt
   (extraction, ULID, token) and the stub (python-escpos, native QR). Target p99 < 50 ms.
2. scan -> preference decided, through a real mosquitto: with a hub answering, and with
   no hub (the 300 ms deadline, then the cache or the default).
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.loyalty.cardkey import CardKey  # noqa: E402
from gateway.loyalty.desk import CardDesk  # noqa: E402
from gateway.loyalty.policy import Policy  # noqa: E402
from gateway.loyalty.preference import PreferenceLookup  # noqa: E402
from gateway.loyalty.session import Sessions  # noqa: E402
from gateway.printer.link_tcp import connect_printer  # noqa: E402
from gateway.scanner.cards import CardRules  # noqa: E402
from tests.integration.loyalty_rig import PROFILE, receipt_job  # noqa: E402
from tests.integration.proxy_helpers import Gateway  # noqa: E402


def pct(xs: list[float], p: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(len(xs) * p))]


def summary(xs: list[float]) -> str:
    return f"p50 {pct(xs, 0.5):.1f} ms, p99 {pct(xs, 0.99):.1f} ms, max {max(xs):.1f} ms (n={len(xs)})"


class ArrivalPrinter:
    """A TCP printer that timestamps every chunk it receives."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.arrivals: list[tuple[float, int]] = []
        self.received = bytearray()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        conn, _ = self.sock.accept()
        while True:
            data = conn.recv(65536)
            if not data:
                return
            self.arrivals.append((time.perf_counter(), len(data)))
            self.received += data

    def first_after(self, t0: float, timeout: float = 2.0) -> float | None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for t, _ in reversed(self.arrivals):
                if t >= t0:
                    return t
            time.sleep(0.0005)
        return None


def desk(answer: dict | None) -> CardDesk:
    return CardDesk("till-1", key=CardKey(b"k" * 32, "k1"), rules=CardRules(), policy=Policy("paper"),
                    sessions=Sessions(180), lookup=PreferenceLookup(lambda *a: answer, str, None, "paper", 0.3),
                    qr_template="https://receipts.example.com/r/{token}", profile=PROFILE,
                    source_fields={"store_id": "s", "till_id": "till-1", "gateway_id": "gw"})


def cut_to_stub(n: int, stub_out: str | None = None) -> list[float]:
    printer = ArrivalPrinter()
    d = desk({"mode": "qr", "greeting": None, "points_balance": 10})
    d.warm_up()
    gw = Gateway(lambda: connect_printer(printer.address), till_id="till-1", profile=PROFILE)
    gw.proxy.claims = d.claim
    gw.proxy.printer.wait_up(3)
    items = [f"{name:<30}{price:>6}" for name, price in
             [("Bruin brood", "3.20"), ("Appeltaart", "9.20"), ("Croissant x4", "4.40"), ("Koffie", "2.80")] * 5]
    raw, _ = receipt_job(*items, query=False)
    body, cut = raw[:-3], raw[-3:]
    assert cut.startswith(b"\x1dV")
    out = []
    for _ in range(n):
        d.scan_card({"hmac": "ab" * 32, "key_id": "k1"}).wait_preference(1)
        till = gw.till()
        till.sendall(body)
        time.sleep(0.01)  # the till's body is held; now the cut
        t0 = time.perf_counter()
        till.sendall(cut)
        t1 = printer.first_after(t0)
        till.close()
        if t1 is not None:
            out.append((t1 - t0) * 1e3)
        gw.proxy.drain(2)
    gw.close()
    if stub_out:  # the last stub exactly as the printer got it (for docs/images via `decode --format png`)
        Path(stub_out).write_bytes(bytes(printer.received[printer.received.rfind(b"\x1b@"):]))
    return out


def scan_to_decided(n: int, broker_conf: str = "") -> tuple[list[float], list[float]]:
    from tests.integration.loyalty_rig import Hub
    from tests.integration.mqtt_rig import gateway
    from tests.mosquitto import Mosquitto

    with tempfile.TemporaryDirectory() as tmp, Mosquitto(Path(tmp) / "broker", extra_conf=broker_conf) as broker:
        client = gateway(broker.url, Path(tmp) / "data")
        time.sleep(0.5)
        results = []
        for with_hub in (True, False):
            hub = Hub(broker.url) if with_hub else None
            if hub:  # the hub sends its small answers at once too
                hub.client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            d = desk(None)
            d.lookup = PreferenceLookup(client.request, client.topics.scan, None, "paper", 0.3)
            times = []
            for i in range(n if with_hub else max(5, n // 20)):
                t0 = time.perf_counter()
                session = d.scan_card({"hmac": f"{i:064x}", "key_id": "k1"})
                session.wait_preference(2)
                times.append((time.perf_counter() - t0) * 1e3)
            results.append(times)
            if hub:
                hub.close()
        client.stop()
        client.outbox.close()
    return results[0], results[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--stub-out", help="write the last stub the printer received to this file")
    args = ap.parse_args()
    print(f"cut -> first stub byte at the printer: {summary(cut_to_stub(args.n, args.stub_out))}")
    hub, nohub = scan_to_decided(args.n)
    print(f"scan -> preference decided, hub answering, mosquitto defaults: {summary(hub)}")
    fast, _ = scan_to_decided(args.n, "set_tcp_nodelay true")
    print(f"scan -> preference decided, hub answering, mosquitto set_tcp_nodelay true: {summary(fast)}")
    print(f"scan -> preference decided, no hub (deadline 300 ms): {summary(nohub)}")


def test_decision_at_the_cut(benchmark):
    """pytest-benchmark (`make bench`): the work the pump does at a held receipt's cut."""
    from gateway.printer.decoder import Decoder
    from gateway.printer.hold import HoldFilter

    d = desk({"mode": "qr", "greeting": None, "points_balance": 10})
    d.warm_up()
    raw, _ = receipt_job(*[f"Item {i:02d}{' ' * 20}{i}.50" for i in range(20)], query=False)

    def one():
        d.scan_card({"hmac": "ab" * 32, "key_id": "k1"}).wait_preference(1)
        claim = d.claim()
        hold = HoldFilter(claim.mode, claim.stub, Decoder(PROFILE), claim.decide)
        hold.feed(raw[:-3])
        return hold.feed(raw[-3:])

    out, rest = benchmark(one)
    assert b"receipts.example.com/r/" in out and rest == b""


if __name__ == "__main__":
    main()
