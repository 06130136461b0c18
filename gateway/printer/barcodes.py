"""1D barcode (GS k) and 2D symbol (GS ( k) details: names and data decoding."""

from __future__ import annotations

# GS k m: form A (NUL-terminated) m = 0..6, form B (length byte) m = 65..79
FORM_A = {0: "upc-a", 1: "upc-e", 2: "ean13", 3: "ean8", 4: "code39", 5: "itf", 6: "codabar"}
FORM_B = {65: "upc-a", 66: "upc-e", 67: "ean13", 68: "ean8", 69: "code39", 70: "itf",
          71: "codabar", 72: "code93", 73: "code128", 74: "gs1-128", 75: "gs1-databar-omni",
          76: "gs1-databar-truncated", 77: "gs1-databar-limited", 78: "gs1-databar-expanded",
          79: "code128-auto"}

# GS ( k cn
SYMBOLS_2D = {48: "pdf417", 49: "qr", 50: "maxicode", 51: "gs1-databar", 52: "composite",
              53: "aztec", 54: "datamatrix"}

HRI = {0: "none", 1: "above", 2: "below", 3: "both", 48: "none", 49: "above", 50: "below", 51: "both"}


def _latin(raw: bytes) -> str:
    return raw.decode("latin-1")


def code128_text(raw: bytes) -> str:
    """The content of an Epson CODE128 payload: "{A"/"{B"/"{C" select code sets, "{{" is "{".

    In code set C each byte is a number 0..99 printed as two digits. Function codes
    ({1}..{4}, {S}) carry no text.
    """
    out: list[str] = []
    codeset = "B"
    i, n = 0, len(raw)
    while i < n:
        b = raw[i]
        if b == 0x7B and i + 1 < n:  # "{"
            c = raw[i + 1]
            i += 2
            if c in b"ABC":
                codeset = chr(c)
            elif c == 0x7B:
                out.append("{")
            continue  # {1} {2} {3} {4} {S}: function/shift codes
        if codeset == "C":
            out.append(f"{b:02d}" if b < 100 else "")
        else:
            out.append(chr(b) if b >= 0x20 else "")
        i += 1
    return "".join(out)


def barcode_text(symbology: str, raw: bytes) -> str:
    if symbology in ("code128", "gs1-128"):
        return code128_text(raw)
    return _latin(raw)


# digit counts EAN/UPC are sent without their check digit, which the printer computes and prints
_CHECKED = {"ean13": 12, "upc-a": 11, "ean8": 7}


def gs1_check_digit(body: str) -> int:
    """GS1 mod-10 check digit of `body` (the digits before the check digit)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def hri_text(symbology: str, data: str) -> str:
    """The digits the printer prints under (or over) the bars: EAN-13, EAN-8 and UPC-A sent
    without their check digit get it, as the printer computes it; everything else as sent."""
    if len(data) != _CHECKED.get(symbology) or not data.isdigit():
        return data
    return data + str(gs1_check_digit(data))


def symbol_text(raw: bytes) -> str:
    """2D symbol data as text: UTF-8 when it is, else Latin-1 (nothing lost, `raw` is kept too)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return _latin(raw)
