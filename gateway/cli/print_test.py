"""`receipt-gateway print-test [--config FILE] [--save FILE] [--force]`: a test page on the configured printer.

Asks the printer for its status (DLE EOT), prints the page (code page check line with
€ é ü, bold, underline, double size, an EAN-13 barcode, a QR code, a cut) when it is
ready, and asks again after. Exit 0 when the page went out and the printer is still
fine, 1 otherwise. Stop the service first on a network or serial printer that serves
one connection at a time: `sudo systemctl stop receipt-gateway`.
"""

from __future__ import annotations

from pathlib import Path

from gateway.cli import UserError

DEFAULT_CONFIG = "/etc/receipt-gateway/gateway.toml"


def add_arguments(p) -> None:
    p.add_argument("--config", "-c", default=DEFAULT_CONFIG, help=f"config file (default {DEFAULT_CONFIG})")
    p.add_argument("--save", metavar="FILE", help="also write the page's ESC/POS bytes to FILE (decode it)")
    p.add_argument("--force", action="store_true", help="print even when the printer reports a problem")
    p.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for the printer's answers")


def run(args) -> int:
    from gateway.cli.report import Report
    from gateway.config import load
    from gateway.printer.links import printer_connector
    from gateway.printer.profiles import configured
    from gateway.printer.testpage import test_page
    from gateway.printer.transport import LinkUnavailable

    cfg = load(args.config)
    printer = cfg["printer"]
    link = printer["link"]
    page = test_page(cfg["gateway"]["id"], profile=configured(printer), link=link)  # with [printer] code_pages
    if args.save:
        _save(args.save, page)
    if link == "none":
        raise UserError("[printer] link = none: this gateway prints nothing, so there is nothing to test",
                        "set [printer] link to how the real printer is reached (tcp, serial, usb)")
    report = Report()
    report.heading(f"Test page through [printer] link = {link}")
    if link == "file":
        printer_connector(printer)().write(page)
        report.ok("print", f"{len(page)} bytes appended to {printer['path']}")
        return 0
    try:
        with report.step("connecting to the printer"):
            transport = printer_connector(printer)()
    except LinkUnavailable as exc:
        report.fail("printer", str(exc), exc.remedy or None)
        return 1
    try:
        return _print(report, transport, page, args)
    finally:
        transport.close()


def _print(report, transport, page: bytes, args) -> int:
    from gateway.printer.probe import describe
    from gateway.printer.transport import LinkClosed

    before = _status(report, transport, "before", args.timeout)
    if before is None:
        return 1
    if describe(before)[0] == "fail" and not args.force:
        report.line("not printing (use --force to print anyway)")
        return 1
    try:
        with report.step(f"sending the test page ({len(page)} bytes)"):
            transport.write(page)
    except LinkClosed as exc:
        report.fail("print", f"the link broke while printing: {exc}", "check the cable and the printer's power")
        return 1
    report.ok("print", f"test page sent ({len(page)} bytes): check the code page line reads € é ü")
    _status(report, transport, "after", args.timeout)
    return report.exit_code


def _status(report, transport, when: str, timeout: float):
    """Ask for status on the open link and report it; None when the printer does not answer."""
    from gateway.printer.probe import NoAnswer, describe, query_status

    try:
        with report.step(f"asking the printer for its status ({when})"):
            status = query_status(transport, timeout)
    except NoAnswer as exc:
        report.fail(when, str(exc), exc.remedy)
        return None
    kind, text, remedy = describe(status)
    report.check(kind, when, text, remedy)
    return status


def _save(path: str, page: bytes) -> None:
    try:
        Path(path).write_bytes(page)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror}", "choose a writable --save path") from None
