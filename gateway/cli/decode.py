"""`receipt-gateway decode FILE`: turn a captured print stream into text, JSON, HTML or PNG."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from gateway.cli import UserError
from gateway.cli.profile_args import add_profile_arguments

FORMATS = ["text", "doc", "receipt", "html", "png"]
# bytes read and decoded at a time for --format text: a few receipts. Each read's events
# are rendered and dropped before the next, so they die young; 64 KiB reads made batches
# whose events outlived Python's young GC generations and cost ~30% more CPU (docs/performance.md)
CHUNK = 1 << 13

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
    with open_input(name) as f:
        return read_or_fail(f.read, name)


@contextlib.contextmanager
def open_input(name: str) -> Iterator[BinaryIO]:
    """The capture as a binary file ('-': standard input); a clear message when it cannot be read."""
    if name == "-":
        yield sys.stdin.buffer
        return
    path = Path(name)
    if path.is_dir():
        raise UserError(f"{name} is a folder, not a capture file", "pass one .bin capture file")
    try:
        f = path.open("rb")
    except FileNotFoundError:
        raise UserError(f"{name}: no such file", "check the path of the capture") from None
    except OSError as exc:
        raise UserError(f"{name}: cannot read: {exc.strerror}") from None
    with f:
        yield f


def read_or_fail(read, name: str) -> bytes:
    try:
        return read()
    except OSError as exc:
        raise UserError(f"{name}: cannot read: {exc.strerror}") from None


def read_chunks(f: BinaryIO, name: str) -> Iterator[bytes]:
    """What has arrived, up to CHUNK bytes at a time (a pipe gives what the writer has sent);
    the first chunk holds at least the bytes check_escpos looks at, unless the input is shorter."""
    read1 = getattr(f, "read1", f.read)
    first = b""
    while len(first) < 16 and (more := read_or_fail(lambda: read1(CHUNK), name)):
        first += more
    if first:
        yield first
    while chunk := read_or_fail(lambda: read1(CHUNK), name):
        yield chunk


def check_escpos(data: bytes, name: str) -> None:
    if not data:
        raise UserError(f"{name} is empty: there is no print stream to decode",
                        "capture again with `receipt-gateway run --record DIR`")
    for magic, what in _NOT_ESCPOS:
        if what and data.startswith(magic):
            raise UserError(f"{name} is {what}, not an ESC/POS print stream",
                            "pass the raw bytes a till sent to its printer (e.g. a .bin capture)")


def get_profile(name: str | None):
    from gateway.printer.profiles import UnknownProfile, get_profile

    try:
        return get_profile(name)
    except UnknownProfile as exc:
        raise UserError(str(exc), "run with --profile NAME using one of the names above") from None


def load_document(data: bytes, profile: str | None):
    from gateway.printer.decoder import decode

    return decode(data, profile=get_profile(profile))


def check_printable(name: str, printed: bool, kinds: set[str], warnings: int) -> None:
    """Refuse a file in which nothing is printed and only lines, feeds, resets and warnings come."""
    if not printed and kinds <= {"warning", "reset", "feed", "line"}:
        raise UserError(f"{name}: no printable ESC/POS content found ({warnings} unknown or broken commands)",
                        "check that this is a printer capture and not another file")


def run_text(args) -> int:
    """--format text, receipt by receipt as the input comes: a capture of any size in bounded
    memory, and each receipt's text written when its cut has arrived.

    Writes exactly `render_text(decode(data))`: see gateway.printer.render_text.TextStream.
    """
    from gateway.printer.decoder import Decoder
    from gateway.printer.render_text import TextStream

    with open_input(args.file) as f, _LazyOutput(args.output, flush=not _is_file(f)) as write:
        reads = read_chunks(f, args.file)
        first = next(reads, b"")
        check_escpos(first, args.file)
        chunks = itertools.chain([first], reads)
        dec = Decoder(get_profile(args.profile))
        text = TextStream(dec.profile.cell(0))
        kinds: set[str] = set()  # what check_printable needs, gathered while nothing is printed
        warnings = 0

        def seen(events) -> None:
            nonlocal warnings
            if not text.printed:
                kinds.update(e.kind for e in events)
                warnings += sum(e.kind == "warning" for e in events)

        for chunk in chunks:
            events = dec.feed(chunk)
            write(text.feed(events))
            seen(events)
        events = dec.close()
        write(text.feed(events) + text.close())
        seen(events)
        check_printable(args.file, text.printed, kinds, warnings)
    return 0


def _is_file(f: BinaryIO) -> bool:
    try:
        return stat.S_ISREG(os.fstat(f.fileno()).st_mode)
    except (OSError, ValueError, io.UnsupportedOperation):  # no descriptor (a test's stdin)
        return False


class _LazyOutput:
    """write(text) to standard output, or to the -o file opened at the first text; on success
    with no text the file is written empty, on an error before any text it is not made."""

    def __init__(self, output: str | None, flush: bool = False):
        self.output, self.file, self.flush = output, None, flush

    def __enter__(self):
        return self.write

    def write(self, text: str) -> None:
        if not text:
            return
        if not self.output:
            sys.stdout.write(text)
            if self.flush:  # input from a pipe: its reader sees each receipt as it is decoded
                sys.stdout.flush()
            return
        try:
            if self.file is None:
                self.file = open(self.output, "w", encoding="utf-8")  # noqa: SIM115 - closed in __exit__
            self.file.write(text)
        except OSError as exc:
            raise UserError(f"cannot write {self.output}: {exc.strerror}") from None

    def __exit__(self, kind, exc, tb) -> None:
        if self.file is not None:
            self.file.close()
        elif kind is None and self.output:
            write_output("", self.output)


def run(args) -> int:
    if args.format == "text":
        return run_text(args)
    data = read_input(args.file)
    check_escpos(data, args.file)
    doc = load_document(data, args.profile)
    check_printable(args.file, any(r.is_blank is False for r in doc.receipts()), {e.kind for e in doc.events},
                    sum(e.kind == "warning" for e in doc.events))
    out: bytes | str
    if args.format == "receipt":
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
