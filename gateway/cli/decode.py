"""`receipt-gateway decode FILE`: turn a captured print stream into text, JSON, HTML or PNG."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from gateway.cli import UserError
from gateway.cli.profile_args import add_profile_arguments

FORMATS = ["text", "doc", "receipt", "html", "png"]

# magic numbers of files people hand us by mistake
_NOT_ESCPOS = [
    (b"\x89PNG", "a PNG image"), (b"%PDF", "a PDF document"), (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip file"), (b"\xff\xd8\xff", "a JPEG image"), (b"\x7fELF", "a program (ELF)"),
    (b"GIF8", "a GIF image"), (b"BM", None), (b"SQLite format 3", "an SQLite database"),
]


def add_arguments(p) -> None:
    p.add_argument("file", help="captured ESC/POS stream ('-' reads standard input)")
    add_profile_arguments(p, "python-escpos printer profile (code page numbering, paper width); "
                          "default: Epson numbering")
    p.add_argument("--format", "-f", default="text", choices=FORMATS, help="output format (default text)")
    p.add_argument("--till-profile", default=None, metavar="NAME|FILE",
                   help="with --format receipt: a till layout profile (built-in name or .toml path)")
    p.add_argument("-o", "--output", default=None, help="write here instead of standard output")


def read_input(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    path = Path(name)
    if path.is_dir():
        raise UserError(f"{name} is a folder, not a capture file", "pass one .bin capture file")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{name}: no such file", "check the path of the capture") from None
    except OSError as exc:
        raise UserError(f"{name}: cannot read: {exc.strerror}") from None


def check_escpos(data: bytes, name: str) -> None:
    if not data:
        raise UserError(f"{name} is empty: there is no print stream to decode",
                        "capture again with `receipt-gateway run --record DIR`")
    for magic, what in _NOT_ESCPOS:
        if what and data.startswith(magic):
            raise UserError(f"{name} is {what}, not an ESC/POS print stream",
                            "pass the raw bytes a till sent to its printer (e.g. a .bin capture)")


def load_document(data: bytes, profile: str | None):
    from gateway.printer.decoder import decode
    from gateway.printer.profiles import UnknownProfile

    try:
        return decode(data, profile=profile)
    except UnknownProfile as exc:
        raise UserError(str(exc), "run with --profile NAME using one of the names above") from None


def run(args) -> int:
    data = read_input(args.file)
    check_escpos(data, args.file)
    doc = load_document(data, args.profile)
    if not any(r.is_blank is False for r in doc.receipts()):
        kinds = {e.kind for e in doc.events}
        if kinds <= {"warning", "reset", "feed", "line"}:
            raise UserError(f"{args.file}: no printable ESC/POS content found "
                            f"({sum(e.kind == 'warning' for e in doc.events)} unknown or broken commands)",
                            "check that this is a printer capture and not another file")
    out: bytes | str
    if args.format == "text":
        from gateway.printer.render_text import render_text
        out = render_text(doc)
    elif args.format == "receipt":
        from gateway.receipt.cli import ereceipts_json
        out = ereceipts_json(doc, data, args.profile, args.till_profile)
    elif args.format == "doc":
        out = json.dumps(doc.to_dict(), ensure_ascii=False, indent=1) + "\n"
    elif args.format == "html":
        from gateway.printer.render_html import render_html
        out = render_html(doc)
    else:
        from gateway.printer.render_png import render_png
        out = render_png(doc)
    write_output(out, args.output)
    return 0


def write_output(out: bytes | str, output: str | None) -> None:
    if output:
        path = Path(output)
        try:
            if isinstance(out, str):
                path.write_text(out, encoding="utf-8")
            else:
                path.write_bytes(out)
        except OSError as exc:
            raise UserError(f"cannot write {output}: {exc.strerror}") from None
        return
    if isinstance(out, str):
        sys.stdout.write(out)
    else:
        if sys.stdout.isatty():
            raise UserError("refusing to write a PNG to the terminal", "add -o receipt.png")
        sys.stdout.buffer.write(out)
