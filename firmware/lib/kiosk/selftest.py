"""Self checks of the pure logic; run on the device (`import kiosk.selftest as t; t.run()`)
or by `receipt-gateway firmware check` on CPython. Prints one line per failure."""

from kiosk import backoff, debounce, lines, protocol, screen, ticks, validate

CFG = {"node_id": "n1", "till": "t1", "mqtt": {"prefix": "p", "store": "s", "gateway": "g"}}


def _checks():
    yield "ean13 ok", validate.check_ok("4006381333931", "ean13")
    yield "ean13 bad digit", not validate.check_ok("4006381333932", "ean13")
    yield "ean8 ok", validate.check_ok("96385074", "ean8")
    yield "upca ok", validate.check_ok("036000291452", "upca")
    yield "upce ok", validate.check_ok("04252614", "upce")
    yield "luhn ok", validate.check_ok("79927398713", "luhn")
    yield "pattern", validate.pattern_ok("2400123", "24##*") and not validate.pattern_ok("2500", "24##*")
    yield "aim prefix", validate.clean("]E04006381333931\r\n") == "4006381333931"
    yield "ticks wrap", ticks.diff(5, ticks.PERIOD - 5) == 10
    d = debounce.Debouncer(30)
    yield "debounce", [d.update(1, 0), d.update(1, 29), d.update(1, 30)] == [None, None, "press"]
    b = backoff.Backoff(100, 1000)
    waits = [b.failed(0) for _ in range(6)]
    yield "backoff", waits == [100, 200, 400, 800, 1000, 1000]
    r = lines.LineReader(8)
    yield "lines", r.feed(b"ab\r\ncd\n123456789\nx\r") == [b"ab", b"cd", b"x"]
    yield "topic", protocol.topic(CFG, "scan") == "p/s/g/kiosk/t1/scan"
    yield "decode", protocol.decode('{"mode":"qr"}', "result")["kind"] == "result"
    yield "wrap", screen.wrap("No paper receipt today", 16) == ["No paper receipt", "today"]


def run(verbose=False):
    failed = []
    for name, ok in _checks():
        if not ok:
            failed.append(name)
            print("FAIL", name)
        elif verbose:
            print("ok  ", name)
    return failed
