"""`receipt-gateway scanner-test --config FILE`: show scans live, as the gateway decodes them.

Each scan is shown with its validation (gateway/scanner/cards.py): a card (number masked
unless --show-numbers) or why it is not one. A scan that is all digits in another keyboard
layout gets a hint to fix [scanner] layout. Half-scanned codes and line noise the scanner
source dropped are reported too.

  --fake FILE     replay a recording instead of the device: for evdev an `evtest` capture
                  (evtest /dev/input/by-id/...-event-kbd > FILE), for serial scanners and the
                  kiosk node over USB the raw bytes (cat /dev/ttyACM0 > FILE)
  --count N       stop after N scans; --timeout S: give up after S seconds

Exit 0 when at least one valid card was read (or stopped with Ctrl-C after scans), 1 when
none was, 2 on a config or device problem.
"""

from __future__ import annotations

import os
import time
from datetime import datetime

from gateway.cli import UserError
from gateway.config import load
from gateway.scanner import Button, ScannerError, SourceGone, keymaps, open_source

try:  # card validation lives beside the scanners (gateway/scanner/cards.py)
    from gateway.scanner import cards
except ImportError:  # pragma: no cover - only before that module is merged
    cards = None

DEFAULT_CONFIG = "/etc/receipt-gateway/gateway.toml"
DROP_WORDS = {"partial": "half-scanned code", "overlong": "over-long input (noise?)",
              "garbage": "line of garbage (wrong baud rate?)", "bad message": "bad kiosk message"}


def add_arguments(p) -> None:
    p.add_argument("--config", default=DEFAULT_CONFIG, help=f"gateway config (default {DEFAULT_CONFIG})")
    p.add_argument("--fake", metavar="FILE", help="replay a recording (evtest capture, or raw serial bytes)")
    p.add_argument("--count", type=int, default=0, help="stop after this many scans (default: run until Ctrl-C)")
    p.add_argument("--timeout", type=float, default=0, help="stop after this many seconds (default: no limit)")
    p.add_argument("--show-numbers", action="store_true", help="show card numbers in full (default: masked)")


def run(args) -> int:
    cfg = load(args.config)
    sc = cfg.get("scanner") or {}
    if sc.get("source", "none") == "none":
        raise UserError(f"no scanner is configured in {args.config}",
                        'add a [scanner] section: source = "evdev" | "serial" | "kiosk" and its device')
    rules = _rules(sc)
    fake_pty = None
    try:
        device, fake_pty = _fake_device(args.fake, sc) if args.fake else (None, None)
        source = open_source(cfg, config_path=args.config, device=device)
    except ScannerError as exc:
        raise UserError(exc.message, exc.remedy) from None
    if fake_pty is not None:
        fake_pty.start()
    print(_header(sc, source, args), flush=True)
    tally = Tally()
    try:
        _loop(source, sc, rules, args, tally)
    except KeyboardInterrupt:
        print()
    finally:
        source.close()
        if fake_pty is not None:
            fake_pty.close()
    print(tally.summary(), flush=True)
    return 0 if tally.valid or (tally.scans and cards is None) else 1


def _rules(sc: dict):
    if cards is None:
        return None
    try:
        return cards.rules_from_config(sc)
    except ValueError as exc:
        raise UserError(f"[scanner] card rules: {exc}", "fix patterns/prefixes under [scanner]") from None


class Tally:
    def __init__(self):
        self.scans = self.valid = self.invalid = self.buttons = 0
        self.drops: dict[str, int] = {}
        self.gone: str | None = None

    def summary(self) -> str:
        parts = [f"{self.scans} scan{'s' if self.scans != 1 else ''}"]
        if cards is not None:
            parts.append(f"{self.valid} valid card{'s' if self.valid != 1 else ''}, {self.invalid} not a card")
        if self.buttons:
            parts.append(f"{self.buttons} button press{'es' if self.buttons != 1 else ''}")
        dropped = sum(self.drops.values())
        if dropped:
            parts.append(f"{dropped} dropped")
        text = "scanner-test: " + "; ".join(parts)
        if self.gone:
            text += f" ({self.gone})"
        return text


def _loop(source, sc, rules, args, tally: Tally) -> None:
    deadline = time.monotonic() + args.timeout if args.timeout else None
    while not args.count or tally.scans < args.count:
        wait = None if deadline is None else deadline - time.monotonic()
        if wait is not None and wait <= 0:
            print(f"no more scans within {args.timeout:g} s", flush=True)
            return
        try:
            event = source.read(wait if wait is not None else 1.0)
        except SourceGone:
            tally.gone = "end of recording" if args.fake else "the scanner went away: unplugged?"
            _report_drops(source, tally)
            return
        _report_drops(source, tally)
        if event is None:
            continue
        stamp = datetime.fromtimestamp(event.ts).strftime("%H:%M:%S")
        if isinstance(event, Button):
            tally.buttons += 1
            ref = f" (answers scan {event.ref})" if event.ref is not None else ""
            print(f"{stamp}  button {event.name} from {event.source}{ref}", flush=True)
            continue
        tally.scans += 1
        print(f"{stamp}  {_describe(event.code, sc, rules, args.show_numbers, tally)}", flush=True)


def _describe(code: str, sc: dict, rules, show: bool, tally: Tally) -> str:
    if cards is None:   # before gateway/scanner/cards.py is there: the raw code
        text = f"scan {code!r}"
    else:
        result = cards.validate(code, rules)
        if result.valid:
            tally.valid += 1
            number = result.number if show else cards.mask(result.number)
            return f"card OK    {number}  ({result.kind})"
        tally.invalid += 1
        text = f"NOT A CARD {code!r}: {result.reason}"
    hint = _layout_hint(code, sc)
    return text + (f"\n          hint: {hint}" if hint else "")


def _layout_hint(code: str, sc: dict) -> str | None:
    if sc.get("source") != "evdev":
        return None
    layout = sc.get("layout", "us")
    others = keymaps.guess_layouts(code, layout)
    if not others:
        return None
    digits = keymaps.retype(code, others[0], layout)
    names = " or ".join(f'"{n}"' for n in others)
    return (f"read as {digits} if the scanner types in layout {names}: set [scanner] layout = {names.split(' or ')[0]} "
            f"(or program the scanner for the {layout} layout)")


def _report_drops(source, tally: Tally) -> None:
    drops = getattr(source, "drops", None)
    if drops is None:
        decoder = getattr(source, "decoder", None)
        drops = decoder.drops if decoder is not None else {}
    for key, n in drops.items():
        new = n - tally.drops.get(key, 0)
        if new > 0:
            print(f"          dropped {new} {DROP_WORDS.get(key, key)}", flush=True)
            tally.drops[key] = n


def _header(sc: dict, source, args) -> str:
    kind = sc["source"]
    what = {"evdev": f"HID scanner {sc.get('device')} (layout {sc.get('layout', 'us')}, grabbed)",
            "serial": f"serial scanner {sc.get('device')} at {sc.get('baudrate')} baud",
            "kiosk": f"kiosk node ({source.name})"}[kind]
    if args.fake:
        what += f", replaying {args.fake}"
    stop = f"; stops after {args.count} scans" if args.count else ""
    return f"scanner-test: {what}{stop}. Scan a card (Ctrl-C to stop)."


def _fake_device(path: str, sc: dict):
    """(device for open_source, a FakeFeeder to start, or None)."""
    if not os.path.isfile(path):
        raise UserError(f"no recording {path}", "pass the file written by evtest (HID) or cat (serial)")
    if sc["source"] == "evdev":
        from gateway.scanner.fake_evdev import FakeInputDevice, load_evtest

        events = load_evtest(path)
        if not events:
            raise UserError(f"{path} holds no evdev events",
                            "record one on the box: evtest /dev/input/by-id/...-event-kbd > FILE, scan, Ctrl-C")
        return FakeInputDevice(events, path=sc.get("device") or path), None
    if sc["source"] == "kiosk" and sc.get("kiosk_link") != "serial":
        raise UserError("--fake replays HID (evtest) and serial recordings; the kiosk over wifi has none",
                        "run the simulated node instead: python3 -m firmware.fakes.sim --config node.json")
    feeder = FakeFeeder(open(path, "rb").read())
    return feeder.port(sc.get("baudrate", 9600)), feeder


class FakeFeeder:
    """Plays a serial recording into a pty, then hangs up once it was read (the source sees
    the device go away, which ends the test)."""

    def __init__(self, data: bytes):
        import tty

        self.data = data
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self.slave)
        self._thread = None

    def port(self, baudrate: int):
        import serial

        return serial.Serial(os.ttyname(self.slave), baudrate, timeout=0)

    def start(self) -> None:
        import threading

        self._thread = threading.Thread(target=self._play, name="fake-serial", daemon=True)
        self._thread.start()

    def _play(self) -> None:
        import fcntl
        import struct
        import termios

        try:
            for i in range(0, len(self.data), 256):
                os.write(self.master, self.data[i:i + 256])
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                pending = struct.unpack("i", fcntl.ioctl(self.slave, termios.FIONREAD, b"\0\0\0\0"))[0]
                if not pending:
                    break
                time.sleep(0.01)
            time.sleep(0.1)
        except OSError:
            pass
        self._close(self.master)
        self.master = -1

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join(6)
        if self.master >= 0:
            self._close(self.master)
        self._close(self.slave)

    @staticmethod
    def _close(fd: int) -> None:
        try:
            os.close(fd)
        except OSError:
            pass
