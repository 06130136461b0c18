"""`receipt-gateway replay CAPTURE [--printer ADDR|fake|file:PATH]`: play a recording back.

Feeds the till's bytes of a capture (from `run --record DIR`) through the decoder and
prints each receipt's text; with --printer also sends them to a printer.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from gateway.cli import UserError
from gateway.cli.profile_args import add_profile_arguments, over_capture


def add_arguments(p) -> None:
    p.add_argument("capture", help="capture file written by `run --record DIR` (a raw .bin stream also works)")
    p.add_argument("--printer", default=None,
                   help="also print: HOST:PORT (network printer), file:PATH (append), or fake")
    p.add_argument("--timing", action="store_true", help="keep the recorded pauses when printing")
    add_profile_arguments(p, "printer profile (default: the capture's); --code-page adds to the capture's pages")


def _items(path: Path):
    from gateway.printer.record import CaptureError, read_capture, to_items

    try:
        header, lines = read_capture(path)
        return header, to_items(lines)
    except CaptureError:
        data = path.read_bytes()  # a raw print stream: one connection
        t = path.stat().st_mtime
        return {"till": path.stem}, iter([("open", 1, t, str(path)), ("data", 1, t, data),
                                           ("close", 1, t, "end of file")])


def _printer(spec: str | None):
    if not spec:
        return None
    from gateway.printer.links import printer_connector

    if spec == "fake":
        cfg = {"link": "fake"}
    elif spec.startswith("file:"):
        cfg = {"link": "file", "path": spec[5:]}
    else:
        cfg = {"link": "tcp", "address": spec}
    return printer_connector(cfg)()


def run(args) -> int:
    from gateway.printer.capture import Segmenter
    from gateway.printer.copyqueue import CopyQueue
    from gateway.printer.record import CaptureError
    from gateway.printer.transport import LinkClosed, LinkUnavailable

    path = Path(args.capture)
    if not path.is_file():
        raise UserError(f"{args.capture}: no such capture file", "pass a file written by `run --record DIR`")
    header, items = _items(path)
    receipts = []
    try:
        profile = over_capture(args.profile, header)
    except ValueError as exc:
        raise UserError(f"{args.capture}: the header's code_pages: {exc}", "fix or remove them in the first line") from None
    seg = Segmenter(CopyQueue(), header.get("till") or "till", profile=profile, on_receipt=receipts.append)
    try:
        printer = _printer(args.printer)
    except LinkUnavailable as exc:
        raise UserError(str(exc), exc.remedy) from None
    last_t = None
    try:
        for item in items:
            seg.handle(item)
            if printer is not None and item[0] == "data":
                if args.timing and last_t is not None:
                    time.sleep(max(0.0, min(item[2] - last_t, 5.0)))
                last_t = item[2]
                printer.write(item[3])
    except CaptureError as exc:
        raise UserError(str(exc), "the capture is damaged; the receipts before this line were decoded") from None
    except LinkClosed as exc:
        raise UserError(f"printer went away during replay: {exc}") from None
    finally:
        if printer is not None:
            printer.close()
    for n, r in enumerate(receipts, 1):
        sys.stdout.write(f"--- receipt {n} ({len(r.raw)} bytes, ended by {r.ended_by}, "
                         f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(r.started_at))}) ---\n")
        sys.stdout.write(r.text())
    if not receipts:
        print("no receipts in this capture", file=sys.stderr)
    return 0
