"""The document a print stream decodes to: events in print order.

The decoder (`gateway.printer.decoder`) emits these events; a `Document` is a
list of them, split into receipts at each `Cut`. Every event carries `offset`
and `end`: the byte range of the stream that produced it, so the proxy can act
on exact positions (hold a receipt up to its cut, pass a status query at once).

Positions and sizes are in printer dots (1/180 or 1/203 inch, per profile).
Nothing here does I/O.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Style:
    """Character style in force for a span of text."""

    bold: bool = False
    underline: int = 0  # 0 none, 1 thin, 2 thick
    width: int = 1  # character width multiplier 1..8
    height: int = 1  # character height multiplier 1..8
    invert: bool = False  # white on black (GS B)
    font: int = 0  # 0 = Font A, 1 = Font B, 2 = Font C ...
    double_strike: bool = False
    upside_down: bool = False  # ESC {
    rotated: bool = False  # ESC V: 90 degrees clockwise
    italic: bool = False  # ESC 4 on clones
    color: int = 0  # ESC r: 0 black, 1 second colour (red)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) != f.default}


PLAIN = Style()


@dataclass(slots=True)
class Span:
    """Text printed with one style starting at `x` dots from the left edge."""

    text: str
    x: int
    style: Style = PLAIN
    cell: int = 12  # dots one character advances (font width x width + spacing)

    @property
    def end_x(self) -> int:
        return self.x + self.cell * len(self.text)

    def to_dict(self) -> dict:
        d = {"text": self.text, "x": self.x, "cell": self.cell}
        style = self.style.to_dict()
        if style:
            d["style"] = style
        return d


@dataclass(slots=True, kw_only=True)
class Event:
    """Something the stream asked the printer to do, at stream bytes [offset, end)."""

    offset: int = 0
    end: int = 0
    kind: ClassVar[str] = "event"

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"type": self.kind}
        for f in fields(self):
            if f.name in ("offset", "end"):
                continue
            d[f.name] = _jsonable(getattr(self, f.name))
        d["offset"], d["end"] = self.offset, self.end
        return d


def _jsonable(value):
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


@dataclass(slots=True, kw_only=True)
class TextLine(Event):
    """One printed line (ended by LF, CR, a feed, a cut, or a page print)."""

    spans: list[Span] = field(default_factory=list)
    align: str = "left"  # left | center | right
    left: int = 0  # left margin in dots (GS L)
    width: int = 576  # printable width in dots (GS W / profile)
    height: int = 24  # tallest character cell in the line, dots
    feed: int = 30  # paper advanced after the line, dots
    # The line as the till composed it, when the printer changed it: wrapped at the paper's
    # width (this is the first printed piece) or ignored a tab/ESC $ move past the edge.
    # None otherwise. Not part of the printed document: `to_dict` leaves it out.
    till_spans: list[Span] | None = None
    kind: ClassVar[str] = "line"

    def to_dict(self) -> dict:
        d = Event.to_dict(self)
        del d["till_spans"]
        return d

    @property
    def text(self) -> str:
        """The characters of the line, without positioning."""
        return "".join(s.text for s in self.spans)


@dataclass(slots=True, kw_only=True)
class Feed(Event):
    """Paper advanced with nothing printed (ESC d n beyond its first line, ESC J, GS V feed).

    `lines` is how many blank text lines it stands for (ESC d n: n - 1; ESC J: 0).
    An empty LF is a TextLine with no spans, not a Feed.
    """

    dots: int = 0
    lines: int = 0
    kind: ClassVar[str] = "feed"


@dataclass(slots=True, kw_only=True)
class Barcode(Event):
    """A 1D barcode (GS k). `data` is the encoded content as text."""

    symbology: str = ""  # upc-a, upc-e, ean13, ean8, code39, itf, codabar, code93, code128, gs1-128, ...
    data: str = ""
    hri: str = "none"  # none | above | below | both  (human-readable digits printed)
    hri_font: int = 0
    module: int = 3  # GS w
    height: int = 162  # GS h, dots
    align: str = "left"
    kind: ClassVar[str] = "barcode"


@dataclass(slots=True, kw_only=True)
class Code2D(Event):
    """A 2D symbol (GS ( k): QR, PDF417, MaxiCode, DataMatrix, Aztec, GS1 DataBar."""

    symbology: str = "qr"
    data: str = ""
    raw: bytes = b""
    options: dict = field(default_factory=dict)  # size, error correction, columns ...
    align: str = "left"
    kind: ClassVar[str] = "code2d"


@dataclass(kw_only=True)
class Image(Event):
    """A bitmap printed by GS v 0, ESC *, GS ( L / GS 8 L, or a defined NV/downloaded image.

    The decoder keeps the dot data as sliced from the stream (`bits`, `bits_size`,
    `bits_layout`) and builds the Pillow image the first time `image` is read.
    """

    image: Any = None  # PIL.Image.Image, mode "1" (black = 0)
    source: str = "raster"  # raster | column | graphics | downloaded
    align: str = "left"
    scale_x: int = 1
    scale_y: int = 1
    bits: bytes = b""
    bits_size: tuple = (0, 0)  # (bytes per row or column, rows or columns)
    bits_layout: str = ""  # "raster" (row-major) | "column" | "" (image given)
    kind: ClassVar[str] = "image"

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"type": self.kind, "source": self.source, "align": self.align,
                             "scale_x": self.scale_x, "scale_y": self.scale_y}
        if self.image is not None:
            d["width"], d["height"] = self.image.size
            buf = io.BytesIO()
            self.image.save(buf, format="PNG")
            d["png"] = base64.b64encode(buf.getvalue()).decode("ascii")
        d["offset"], d["end"] = self.offset, self.end
        return d


def _image_get(self):
    img = self.__dict__.get("_image")
    if img is None and self.bits_layout:
        from gateway.printer import graphics

        per, count = self.bits_size
        img = (graphics.raster(self.bits, per, count) if self.bits_layout == "raster"
               else graphics.column(self.bits, count, per))
        self.__dict__["_image"] = img
    return img


def _image_set(self, value):
    self.__dict__["_image"] = value


Image.image = property(_image_get, _image_set)  # built on first use: decoding stays cheap


@dataclass(slots=True, kw_only=True)
class StoredImage(Event):
    """A reference to an image kept in the printer (FS p, GS ( L fn 69, GS / ...)."""

    store: str = "nv"  # nv | graphics-nv | graphics-download | downloaded
    key: str = ""
    align: str = "left"
    kind: ClassVar[str] = "stored_image"


@dataclass(slots=True, kw_only=True)
class Cut(Event):
    partial: bool = False
    feed: int = 0  # dots fed before cutting (GS V 65/66 n)
    kind: ClassVar[str] = "cut"


@dataclass(slots=True, kw_only=True)
class DrawerKick(Event):
    pin: int = 2  # connector pin 2 or 5
    on_ms: int = 0
    off_ms: int = 0
    realtime: bool = False  # DLE DC4 1 (vs ESC p)
    kind: ClassVar[str] = "drawer_kick"


@dataclass(slots=True, kw_only=True)
class StatusRequest(Event):
    """A query the printer answers (the proxy must relay the answer at once)."""

    command: str = ""  # "DLE EOT", "DLE ENQ", "GS r", "GS I", "GS a", "ESC u", "ESC v", "GS ( H", "DLE DC4"
    n: int = 0
    raw: bytes = b""
    realtime: bool = False  # processed by the printer as soon as received
    expects_reply: bool = True
    kind: ClassVar[str] = "status_request"


@dataclass(slots=True, kw_only=True)
class Beep(Event):
    times: int = 1
    kind: ClassVar[str] = "beep"


@dataclass(slots=True, kw_only=True)
class Reset(Event):
    """ESC @: the printer was initialised (styles, code page, margins back to defaults)."""

    kind: ClassVar[str] = "reset"


@dataclass(slots=True, kw_only=True)
class Warning(Event):  # noqa: A001 - the document's own name for it
    """Something the decoder could not fully understand; decoding went on."""

    message: str = ""
    kind: ClassVar[str] = "warning"


@dataclass
class Receipt:
    """The events from one receipt's first byte up to and including its cut."""

    events: list[Event]
    start: int = 0  # stream byte offsets
    end: int = 0
    cut: bool = False  # ended by a cut (False: end of stream / connection)

    @property
    def lines(self) -> list[TextLine]:
        return [e for e in self.events if isinstance(e, TextLine)]

    @property
    def is_blank(self) -> bool:
        """True when nothing visible would be printed (no text, codes or images)."""
        for e in self.events:
            if isinstance(e, TextLine) and e.text.strip():
                return False
            if isinstance(e, Barcode | Code2D | Image | StoredImage):
                return False
        return True


class ReceiptSplitter:
    """`Document.receipts()` as the events come: feed events, get the receipts they complete.

    Holds only the events of the receipt not yet cut, so a stream of any length is split in
    bounded memory (see `render_text.TextStream`). feed() all events then close() gives
    exactly `Document(events).receipts()`.
    """

    def __init__(self) -> None:
        self._pending: list[Event] = []  # events after the last cut
        self._any = False  # a receipt was given out

    def feed(self, events: list[Event]) -> list[Receipt]:
        """The receipts whose cut is among `events` (each a slice of the events)."""
        out: list[Receipt] = []
        first = 0
        for i in [i for i, e in enumerate(events) if isinstance(e, Cut)]:  # a slice per receipt
            current = events[first:i + 1]
            if self._pending:
                current[:0] = self._pending
                self._pending = []
            out.append(Receipt(current, current[0].offset, events[i].end, cut=True))
            first = i + 1
        if first < len(events):
            self._pending += events[first:]
        self._any = self._any or bool(out)
        return out

    def close(self) -> list[Receipt]:
        """End of stream: the part after the last cut, when it prints anything or is the only part."""
        current, self._pending = self._pending, []
        if current:
            r = Receipt(current, current[0].offset, current[-1].end, cut=False)
            if not r.is_blank or not self._any:
                self._any = True
                return [r]
        return []


@dataclass
class Document:
    """All events of a stream, in order."""

    events: list[Event] = field(default_factory=list)
    profile: str = "default"
    width: int = 576  # paper width in dots
    cell: int = 12  # Font A character width in dots: one text column

    def receipts(self) -> list[Receipt]:
        """Split on cuts; a trailing part without a cut is a receipt when it prints anything."""
        split = ReceiptSplitter()
        return split.feed(self.events) + split.close()

    def to_dict(self) -> dict:
        return {"profile": self.profile, "width": self.width, "cell": self.cell,
                "events": [e.to_dict() for e in self.events]}


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls for cls in (TextLine, Feed, Barcode, Code2D, Image, StoredImage, Cut,
                              DrawerKick, StatusRequest, Beep, Reset, Warning)
}
