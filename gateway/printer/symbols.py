"""Draw the barcodes and 2D codes of a document as real, scannable bitmaps.

Shared by the PNG and HTML renderers. Every function returns a Pillow image in
mode "1" (black = 0) at printer resolution: one pixel per dot, sized the way
the printer sizes the symbol (GS w module width, GS h height, QR module size),
without quiet zones (the paper around the symbol is the quiet zone).

1D symbols are encoded with python-barcode (a python-escpos dependency); QR
codes with `qrcode`. Symbols neither can draw (UPC-E, Code 93, PDF417,
DataMatrix, Aztec, MaxiCode, GS1 DataBar) are drawn with zxing-cpp when it is
installed. When nothing can draw a symbol the functions return None and the
renderers show a labelled placeholder with the data instead.
"""

from __future__ import annotations

import base64
import io
import re

from PIL import Image, ImageDraw

from gateway.printer.document import Barcode, Code2D

try:  # optional: draws the symbologies python-barcode and qrcode cannot
    import zxingcpp
except ImportError:  # pragma: no cover - depends on the machine
    zxingcpp = None

# python-barcode name and constructor options per normalised ESC/POS symbology name
_PYBARCODE = {
    "ean13": ("ean13", {}),
    "jan13": ("ean13", {}),
    "ean8": ("ean8", {}),
    "jan8": ("ean8", {}),
    "upca": ("upca", {}),
    "code39": ("code39", {"add_checksum": False}),
    "itf": ("itf", {"narrow": 2, "wide": 5}),
    "codabar": ("codabar", {"narrow": 2, "wide": 5}),
    "nw7": ("codabar", {"narrow": 2, "wide": 5}),
    "code128": ("code128", {}),
    "code128auto": ("code128", {}),
    "gs1128": ("gs1_128", {}),
}
# python-barcode patterns whose units are half a module (narrow bar = 2 units)
_HALF_UNITS = {"itf", "codabar"}

# zxing-cpp format names per normalised symbology (1D fallbacks and 2D symbols)
_ZXING = {
    "upce": "UPCE",
    "code93": "Code93",
    "pdf417": "PDF417",
    "micropdf417": "MicroPDF417",
    "datamatrix": "DataMatrix",
    "aztec": "Aztec",
    "maxicode": "MaxiCode",
    "gs1databar": "DataBar",
    "gs1databaromni": "DataBar",
    "gs1databaromnidirectional": "DataBar",
    "gs1databartruncated": "DataBar",
    "gs1databarlimited": "DataBarLtd",
    "gs1databarexpanded": "DataBarExp",
    "qr": "QRCode",
    "microqr": "MicroQRCode",
}


def normalise(symbology: str) -> str:
    """'UPC-A', 'upc_a', 'EAN 13' -> 'upca', 'ean13'."""
    return re.sub(r"[^a-z0-9]", "", symbology.lower())


def barcode_text(event: Barcode) -> str:
    """The human-readable (HRI) text the printer prints under or over the bars.

    The decoder already turns CODE128 code-set escapes into the encoded text;
    EAN/UPC gain the check digit the printer computes.
    """
    name = normalise(event.symbology)
    data = event.data
    if name in ("ean13", "jan13", "ean8", "jan8", "upca"):
        try:
            return _pybarcode(name, data).get_fullcode()
        except Exception:  # noqa: BLE001 - python-barcode raises many kinds
            return data
    return data


def _pybarcode(name: str, data: str):
    import barcode

    pyname, options = _PYBARCODE[name]
    if name == "code39":
        data = data.strip("*")
    elif name in ("ean13", "jan13", "upca", "ean8", "jan8"):
        digits = {"ean13": 12, "jan13": 12, "upca": 11, "ean8": 7, "jan8": 7}[name]
        data = data[:digits]  # the printer computes the check digit itself
    return barcode.get_barcode_class(pyname)(data, **options)


def _bars(pattern: str, unit: float, height: int) -> Image.Image:
    width = max(1, round(len(pattern) * unit))
    img = Image.new("1", (width, max(1, height)), 1)
    draw = ImageDraw.Draw(img)
    for run in re.finditer("1+", pattern):
        x0 = round(run.start() * unit)
        x1 = max(round(run.end() * unit), x0 + 1)
        draw.rectangle((x0, 0, x1 - 1, img.height - 1), fill=0)
    return img


_FULL_LENGTH = {"ean13": 13, "jan13": 13, "upca": 12, "ean8": 8, "jan8": 8}


def barcode_problem(event: Barcode) -> str | None:
    """Why a printer would not print this barcode as sent (None when it would)."""
    name = normalise(event.symbology)
    if not event.data:
        return "no data"
    full = _FULL_LENGTH.get(name)
    if full and len(event.data) == full and event.data.isdigit():
        expected = barcode_text(event)[-1:]
        if expected and expected != event.data[-1]:
            return f"check digit {event.data[-1]} should be {expected}: printers skip it"
    return None


def barcode_image(event: Barcode) -> Image.Image | None:
    """The bars of a 1D barcode (no HRI text), or None when it cannot be drawn."""
    name = normalise(event.symbology)
    if barcode_problem(event):
        return None
    module = min(8, max(1, event.module))  # GS w 1..6 (clones: up to 8)
    height = min(2000, max(1, event.height))
    if name in _PYBARCODE:
        try:
            pattern = "".join(_pybarcode(name, event.data).build())
        except Exception:  # noqa: BLE001 - invalid data for the symbology
            pattern = ""
        if pattern:
            unit = module / 2 if name in _HALF_UNITS else module
            return _bars(pattern, unit, height)
    img = _zxing(name, event.data)
    if img is None:
        return None
    row = img.crop((0, img.height // 2, img.width, img.height // 2 + 1))
    return row.resize((img.width * module, height), Image.NEAREST)


def _zxing(name: str, data: str | bytes, **options) -> Image.Image | None:
    fmt = _ZXING.get(name)
    if zxingcpp is None or fmt is None or not data:
        return None
    try:
        symbol = zxingcpp.create_barcode(data, getattr(zxingcpp.BarcodeFormat, fmt), **options)
        bitmap = symbol.to_image(scale=1, add_quiet_zones=False)
    except Exception:  # noqa: BLE001 - data the symbology cannot hold
        return None
    height, width = bitmap.shape[:2]
    return Image.frombytes("L", (width, height), bytes(memoryview(bitmap))).point(
        lambda v: 255 if v > 127 else 0).convert("1")


_QR_EC = {"L": 1, "M": 0, "Q": 3, "H": 2}  # qrcode.constants.ERROR_CORRECT_*
_QR_EC_BYTE = {48: "L", 49: "M", 50: "Q", 51: "H"}  # GS ( k <fn 69> n


def _option(options: dict, *names, default=None):
    for n in names:
        if n in options and options[n] is not None:
            return options[n]
    return default


def qr_image(data: str | bytes, module: int = 3, ec: str = "L") -> Image.Image | None:
    """A QR code, `module` dots per module, error correction L/M/Q/H; None if too long."""
    import qrcode

    level = str(ec).upper()[:1]
    qr = qrcode.QRCode(border=0, box_size=1, error_correction=_QR_EC.get(level, 1))
    try:
        qr.add_data(data, optimize=0)
        qr.make(fit=True)
    except Exception:  # noqa: BLE001 - data over QR capacity
        return None
    matrix = qr.get_matrix()
    size = len(matrix)
    img = Image.new("1", (size, size), 1)
    img.putdata([0 if cell else 1 for row in matrix for cell in row])
    module = max(1, int(module))
    return img.resize((size * module, size * module), Image.NEAREST)


def code2d_image(event: Code2D) -> Image.Image | None:
    """The symbol of a GS ( k event at printer size, or None when it cannot be drawn."""
    name = normalise(event.symbology)
    opts = event.options or {}
    payload: str | bytes = event.raw or event.data
    module = min(16, int(_option(opts, "module", "size", "module_size", default=3) or 3))
    if name in ("qr", "qrcode", "qrmodel2", "qrmodel1"):
        ec = _option(opts, "error_correction", "ec", "level", default="L")
        img = qr_image(payload, module, _QR_EC_BYTE.get(ec, "L") if isinstance(ec, int) else ec)
        if img is not None:
            return img
    extra = {}
    columns = _option(opts, "columns", default=0)
    if name == "pdf417" and isinstance(columns, int) and 1 <= columns <= 30:
        extra["columns"] = columns  # GS ( k <fn 65>: data columns; 0 = automatic
    img = _zxing(name, event.data or payload, **extra) or _zxing(name, event.data or payload)
    if img is None:
        return None
    return img.resize((img.width * module, img.height * module), Image.NEAREST)


def png_data_uri(img: Image.Image) -> str:
    """An image as a data: URI for HTML."""
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
