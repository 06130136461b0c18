"""Two more independent ESC/POS generators -> decoder -> text, checked against what they printed.

receipt-printer-encoder (npm, @point-of-sale, successor of esc-pos-encoder: its own code page
encoder and per-printer-model ESC t numbering) and node-thermal-printer (npm; its Epson, Tanca
and Custom types speak ESC/POS). scripts/bootstrap installs both into .cache/; tests/npm_clients.js
drives them from JSON specs. The specs are made here from fixed seeds: accented text and euros,
bold/underline/invert/sizes/alignment, tables, rules, EAN-13/Code 128, QR, images, cuts.

The truth for receipt-printer-encoder is the encoder's own account of each line it printed
(its text and padding spaces); for node-thermal-printer the layout is computed here from its
documented rules (leftRight, table, tableCustom pad with spaces; ESC a aligns on the printer).
"""

from __future__ import annotations

import base64
import json
import math
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from gateway.printer.decoder import decode
from gateway.printer.document import Barcode, Code2D, Image, TextLine, Warning
from gateway.printer.render_text import receipt_lines

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "tests" / "npm_clients.js"
PACKAGES = {"rpe": ("receipt-printer-encoder", "@point-of-sale/receipt-printer-encoder"),
            "ntp": ("node-thermal-printer", "node-thermal-printer")}


def node_path(lib: str) -> str | None:
    cache, name = PACKAGES[lib]
    base = ROOT / ".cache" / cache / "node_modules"
    return str(base) if (base / name).is_dir() else None


def missing(lib: str) -> str | None:
    if shutil.which("node") is None:
        return "node is absent (apt-get install nodejs; scripts/bootstrap then installs the package)"
    if node_path(lib) is None:
        return f"the {PACKAGES[lib][1]} npm package is absent (scripts/bootstrap installs it into .cache/)"
    return None


def run(specs: list[dict]) -> list[dict]:
    """Print the specs through the npm generators: [{data: bytes, lines, error}]."""
    paths = [p for p in (node_path("rpe"), node_path("ntp")) if p]
    env = dict(os.environ, NODE_PATH=os.pathsep.join(paths))
    proc = subprocess.run(["node", str(DRIVER)], input=json.dumps(specs).encode(), capture_output=True,
                          env=env, timeout=120, check=True)
    out = json.loads(proc.stdout)
    for r in out:
        if "data" in r:
            r["data"] = base64.b64decode(r["data"])
    return out


needs_rpe = pytest.mark.skipif(missing("rpe") is not None, reason=missing("rpe") or "")
needs_ntp = pytest.mark.skipif(missing("ntp") is not None, reason=missing("ntp") or "")

# ------------------------------------------------------------------ content
WORDS = ["Café", "crème", "brûlée", "Bière", "pâté", "Größe", "Brötchen", "Kaß", "Weißwurst", "façade",
         "Über", "naïve", "Ærø", "øl", "São", "Ñandú", "jambon", "fromage", "koffie", "appeltaart", "frites",
         "Zoë", "déjà-vu", "Noël", "Müsli", "Äpfel", "crêpe", "garçon", "señor", "thé"]


def phrase(rng: random.Random, n: int, chars: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(n))
    return text[:chars].rstrip()


def money(rng: random.Random) -> str:
    return f"{rng.randint(0, 99)},{rng.randint(0, 99):02d}"


def ean13(rng: random.Random) -> str:
    digits = [rng.randint(0, 9) for _ in range(12)]
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return "".join(map(str, digits)) + str(check)


def printed(doc) -> list[list[str]]:
    """Each non-blank receipt as its text lines, trailing spaces and blank lines dropped."""
    out = []
    for r in doc.receipts():
        if r.is_blank:
            continue
        out.append([ln.rstrip() for ln in receipt_lines(r, doc.cell)])
    return out


def clean(receipts: list[list[str]]) -> list[list[str]]:
    out = []
    for lines in receipts:
        lines = [ln.rstrip() for ln in lines]
        while lines and not lines[-1]:
            lines.pop()
        if lines:
            out.append(lines)
    return out


def pictures(doc) -> list:
    """Each picture as one Pillow image: the strips or pieces that follow one another stacked."""
    from PIL import Image as Pil

    groups: list[list] = []
    prev = None
    for e in doc.events:
        if isinstance(e, Image):
            if prev is not None and prev.source == e.source and groups[-1][0].image.size[0] == e.image.size[0]:
                groups[-1].append(e)
            else:
                groups.append([e])
            prev = e
        elif not (isinstance(e, TextLine) and not e.spans):
            prev = None
    out = []
    for g in groups:
        pic = Pil.new("1", (g[0].image.size[0], sum(e.image.size[1] for e in g)), 1)
        y = 0
        for e in g:
            pic.paste(e.image, (0, y))
            y += e.image.size[1]
        out.append(pic)
    return out


def pattern_black(x: int, y: int, w: int, h: int, seed: int) -> bool:
    """The picture tests/npm_clients.js draws (its pattern())."""
    return ((x >> 2) + (y >> 2) + seed) % 3 == 0 or x == 0 or y == h - 1


def image_sizes(doc) -> list[tuple[int, int]]:
    """(width, height) of each picture: strips that follow one another make one picture (ESC *
    prints 24 dots a strip; receipt-printer-encoder sends GS v 0 in pieces of 255 rows)."""
    sizes: list[list[int]] = []
    prev = None
    for e in doc.events:
        if isinstance(e, Image):
            w, h = e.image.size
            if prev is not None and prev.source == e.source and sizes[-1][0] == w:
                sizes[-1][1] += h
            else:
                sizes.append([w, h])
            prev = e
        elif not (isinstance(e, TextLine) and not e.spans):  # a strip's own line feed
            prev = None
    return [tuple(s) for s in sizes]


def warnings(doc) -> list[str]:
    return [e.message for e in doc.events if isinstance(e, Warning)]


# ------------------------------------------------------------------ receipt-printer-encoder
# The encoder's printer models (ESC/POS language) -> its code page numbering, and the decoder
# profile a technician sets for that printer. Epson numbering (the default profile) covers
# every Western page these models use except where EXCEPTIONS says.
RPE_MODELS = {
    "epson-tm-t88vi": "default", "epson-tm-t20iii": "default", "epson-tm-t88ii": "default",
    "epson-tm-t70": "default", "epson-tm-m30iii": "default", "epson-tm-p20ii": "default",
    "bixolon-srp350iii": "default", "bixolon-srp350": "default", "citizen-ct-s310ii": "default",
    "metapace-t1": "default", "pos-5890": "default", "pos-8360": "default",
    "fujitsu-fp1000": "CT-S651",  # ESC t 8 = PC857 as on Citizen's CT-S651; Western pages as Epson
    "sunmi-p3mix": "default", "xprinter-xp-n160ii": "default",
    "youku-58t": "RP326",  # ESC t 44 = ISO-8859-15 as on Rongta's RP326; 16 CP1252 and 19 CP858 as Epson
    "hp-a779": "TH230",  # HP numbering: 1 CP850, 6 CP858, 8 CP1252 (python-escpos's TH230 is the same)
    "star-escpos": "default",  # a Star printer in ESC/POS emulation: the encoder's 'star' numbering
}


def rpe_options(model: str) -> dict:
    if model == "star-escpos":  # no such model in the encoder: its ESC/POS language with Star's page numbers
        return {"lib": "rpe", "language": "esc-pos", "codepageMapping": "star", "columns": 48}
    return {"lib": "rpe", "printerModel": model}
# pages with the euro the specs choose from, per model family (the encoder refuses a page the model lacks)
EURO_PAGES = ["cp858", "windows1252", "iso8859-15"]
# (model, page): the encoder numbers the page in a way no python-escpos profile does, so no
# --profile decodes it: (ESC t number, what the euro comes out as, the page to configure for
# that number with [printer] code_pages / decode --code-page; docs/decoder.md).
EXCEPTIONS = {
    ("citizen-ct-s310ii", "cp858"): (2, "ı", "CP858"),  # python-escpos's Citizen CT-S651: ESC t 2 = CP850
    ("xprinter-xp-n160ii", "windows1253"): (7, "Ç", "CP1253"),  # Epson numbering: 7 undefined (read as CP437)
    ("pos-8360", "windows1253"): (7, "Ç", "CP1253"),
}
# models whose 'auto' code page reaches one of those for the euro
AUTO_EXCEPTIONS = {"citizen-ct-s310ii", "xprinter-xp-n160ii", "pos-8360"}


def rpe_receipt(rng: random.Random, cols: int, page: str, *, qr: bool, image_mode: str | None,
                font_b: bool, auto: bool) -> list:
    item_w = cols - 18
    ops = [
        ["codepage", page],
        ["line", phrase(rng, 2, cols // 2 - 1), {"align": "center", "width": 2, "height": 2, "bold": True}],
        ["line", phrase(rng, 3, cols), {"align": "center"}],
        ["line", f"{phrase(rng, 2, cols - 10)} {money(rng)} €", {"align": "right", "underline": True}],
        ["rule"],
        ["table", [{"width": item_w, "marginRight": 2}, {"width": 4, "align": "right"},
                   {"width": 12, "align": "right"}],
         [[phrase(rng, 2, item_w), str(rng.randint(1, 9)), f"{money(rng)} €"] for _ in range(rng.randint(2, 5))]],
        ["table", [{"width": 10}, {"width": 12, "align": "right"}],  # box-drawing borders: CP437 between the cells
         [["TVA", f"{money(rng)} €"], ["Net", f"{money(rng)} €"]], {"border": "single", "outline": "single"}],
        ["box", {"style": "double", "width": min(cols, 30)}, f"Merci {phrase(rng, 2, 16)} €"],
        ["rule", {"style": "double"}],
        ["line", f"TOTAL {money(rng)} €", {"width": 2, "bold": True}],
        ["line", phrase(rng, 12, 3 * cols), {"invert": rng.random() < 0.5}],  # wraps: the encoder cuts it
        ["newline"],
        ["text", "Ticket "], ["text", str(rng.randint(1000, 9999)), {"bold": True}], ["text", " - merci"],
        ["newline"],
    ]
    if font_b:
        ops += [["font", "B"], ["line", phrase(rng, 4, cols), {"italic": True}], ["font", "A"]]
    if auto:  # the encoder picks the page per piece of text, among all its model has
        ops += [["codepage", "auto"], ["line", f"auto: {phrase(rng, 3, cols - 8)} €"], ["codepage", page]]
    ops.append(["pulse"])
    if rng.random() < 0.5:
        ops.append(["barcode", ean13(rng), "ean13", {"text": rng.choice(["below", "none"]), "height": 50}])
    else:
        ops.append(["barcode", f"T{rng.randint(10**6, 10**7)}", "code128", {"text": "none", "height": 40}])
    if qr:
        ops.append(["qrcode", f"https://r.example.com/{rng.getrandbits(40):010x}", {"size": 4}])
    if image_mode:
        ops.append(["image", rng.choice([64, 96, 128]), rng.choice([24, 40, 48, 300]), rng.randint(0, 2), image_mode])
    ops.append(["cut"])
    return ops


def rpe_cases() -> list[tuple[str, int]]:
    return [(m, s) for m in RPE_MODELS for s in range(2)]


def build_rpe(model: str, seed: int, cols: int, info: dict, image_mode: str) -> dict:
    rng = random.Random(f"rpe-{model}-{seed}")
    ops = [["init"]]
    pages = info["pages"]
    for i in range(1 + seed % 2):  # one or two receipts in the stream, each ended by a cut
        ops += rpe_receipt(rng, cols, pages[(seed + i) % len(pages)], qr=info["qr"],
                           image_mode=image_mode if (seed + i) % 2 == 0 else None,
                           font_b=info["font_b"], auto=model not in AUTO_EXCEPTIONS)
    return {**rpe_options(model), "ops": ops}


@pytest.fixture(scope="module")
def rpe_models() -> dict:
    """Per model: columns, euro pages it has, QR support and image mode, asked of the encoder itself."""
    probes = []
    for model in RPE_MODELS:
        for page in EURO_PAGES:
            probes.append({**rpe_options(model), "ops": [["codepage", page], ["line", "€"]]})
        probes.append({**rpe_options(model), "ops": [["qrcode", "x"]]})
        probes.append({**rpe_options(model), "ops": [["font", "B"]]})
    res = iter(run(probes))
    out = {}
    for model in RPE_MODELS:
        pages = [p for p in EURO_PAGES if "error" not in next(res) and (model, p) not in EXCEPTIONS]
        qr = "error" not in next(res)
        out[model] = {"pages": pages, "qr": qr, "font_b": "error" not in next(res)}
    return out


@needs_rpe
@pytest.mark.parametrize("model,seed", rpe_cases(), ids=[f"{m}-{s}" for m, s in rpe_cases()])
def test_receipt_printer_encoder_text_is_exact(model, seed, rpe_models):
    info = rpe_models[model]
    assert info["pages"], f"{model} has no euro code page"
    cols = run([{**rpe_options(model), "ops": [["rule"]]}])[0]["lines"][0][0]
    spec = build_rpe(model, seed, len(cols), info, ["column", "raster"][seed % 2])
    out = run([spec])[0]
    assert "error" not in out, out.get("error")
    data, truth = out["data"], clean(out["lines"])
    doc = decode(data, profile=RPE_MODELS[model])
    assert printed(doc) == truth
    assert warnings(doc) == []
    barcodes = [e for e in doc.events if isinstance(e, Barcode)]
    wanted = [op[1] for op in spec["ops"] if op[0] == "barcode"]
    assert [b.data.lstrip("{B") if b.symbology == "code128" else b.data for b in barcodes] == wanted
    qrs = [e.data for e in doc.events if isinstance(e, Code2D)]
    assert qrs == [op[1] for op in spec["ops"] if op[0] == "qrcode"]
    # the dots are the picture's: black where the pattern is, white padding around it
    for pic, op in zip(pictures(doc), [op for op in spec["ops"] if op[0] == "image"], strict=True):
        w, h, seed = op[1], op[2], op[3]
        px = pic.load()
        assert all((px[x, y] == 0) == (x < w and y < h and pattern_black(x, y, w, h, seed))
                   for y in range(pic.size[1]) for x in range(pic.size[0]))
    # the encoder pads a picture to whole bytes (8 dots) each way, ESC * to whole 24-dot strips
    assert image_sizes(doc) == [(op[1], -(-op[2] // 8) * 8 if op[4] == "raster" else -(-op[2] // 24) * 24)
                                for op in spec["ops"] if op[0] == "image"]


@needs_rpe
@pytest.mark.parametrize("model,page", sorted(EXCEPTIONS))
def test_encoder_numbering_no_profile_has(model, page):
    """What a technician meets: the euro comes out as another character, whatever the profile;
    and the remedy: the printer's own number for the page laid over the profile."""
    from gateway.printer.profiles import ProfileChoice, profile_names

    number, shown, real = EXCEPTIONS[(model, page)]
    out = run([{"lib": "rpe", "printerModel": model, "ops": [["codepage", page], ["line", "12,50 €"]]}])[0]
    assert f"\x1bt{chr(number)}".encode("latin-1") in out["data"]
    assert printed(decode(out["data"], profile=RPE_MODELS[model])) == [[f"12,50 {shown}"]]
    assert not [p for p in profile_names() if printed(decode(out["data"], profile=p)) == [["12,50 €"]]]
    name = None if RPE_MODELS[model] == "default" else RPE_MODELS[model]
    fixed = decode(out["data"], profile=ProfileChoice(name, ((number, real),)))
    assert printed(fixed) == [["12,50 €"]] and warnings(fixed) == []


@needs_rpe
def test_xprinter_iso_8859_1_with_the_technicians_code_page(tmp_path):
    """Xprinter's ESC t 6 = ISO-8859-1 (Epson's 6 is another page): wrong without the override,
    right with `decode --code-page 6=ISO-8859-1` and with the gateway config's table."""
    from gateway.config.schema import load_text
    from gateway.config.sections import SECTIONS
    from gateway.printer.profiles import configured

    capture = encoder_capture(tmp_path, "xprinter-xp-n160ii",
                              [["codepage", "iso8859-1"], ["line", "Café crème 3,50"], ["cut"]])
    data = capture.read_bytes()
    assert b"\x1bt\x06" in data
    wrong = decode(data)  # Epson numbering: 6 has no table, read as CP437
    assert printed(wrong) == [["CafΘ crΦme 3,50"]] and warnings(wrong) == ["ESC t 6: code page Unknown has no table; decoding as CP437"]
    ok = decode_cli(capture, "--code-page", "6=ISO-8859-1")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == "Café crème 3,50\n"
    cfg = load_text('[printer]\nlink = "none"\ncode_pages = { 6 = "iso-8859-1" }\n', {"printer": SECTIONS["printer"]})
    assert printed(decode(data, profile=configured(cfg["printer"]))) == [["Café crème 3,50"]]


# ------------------------------------------------------------------ node-thermal-printer
NTP_TYPES = ["epson", "tanca", "custom"]  # its ESC/POS types (star: Star Line mode; daruma, brother: their own)
# character set the printer is set to -> what the text may hold (node-thermal-printer switches pages
# by itself, ESC t in the middle of a line, for a character the set lacks)
NTP_SETS = ["PC858_EURO", "WPC1252", "PC850_MULTILINGUAL", "ISO8859_15_LATIN9", None]


def ntp_table(cells: list[str], width: int) -> str:
    """printer.table: equal cells of width / n columns (a float), each padded with spaces."""
    cw = width / len(cells)
    return "".join(c + " " * max(0, math.ceil(cw - len(c))) for c in cells).rstrip()


def ntp_custom(cells: list[dict]) -> str:
    out = ""
    for c in cells:
        cw, t = c["cols"], c["text"]
        if c.get("align") == "RIGHT":
            out += " " * (cw - len(t)) + t
        elif c.get("align") == "CENTER":
            half = (cw - len(t)) / 2
            out += " " * math.ceil(half) + t + " " * max(0, math.ceil(half - 1))
        else:
            out += t + " " * (cw - len(t))
    return out


def build_ntp(kind: str, seed: int) -> tuple[dict, list[list[str]], list[str], list[str]]:
    """(spec, expected receipts' lines, barcode data, QR data)."""
    rng = random.Random(f"ntp-{kind}-{seed}")
    width = rng.choice([32, 42, 48])
    charset = NTP_SETS[seed % len(NTP_SETS)]
    # the character set goes out first (the constructor sends ESC t); cut() ends with ESC @, which
    # sets the printer back to page 0 without node-thermal-printer knowing: its users send the
    # set again for the next receipt (clear() does), as here
    ops: list = []
    receipts: list[list[str]] = []
    codes, qrs = [], []
    for _ in range(1 + seed % 2):
        lines: list[str] = []
        name = phrase(rng, 2, width // 2 - 2)
        ops.append(["println", name, {"align": "center", "double": True, "bold": True}])
        lines.append(name)
        for style in ({"align": "right", "underline": True}, {"invert": True}, {"size": [1, 0]}, {}):
            text = phrase(rng, 3, width)
            ops.append(["println", text, style])
            lines.append(text)
        ops.append(["drawLine"])
        lines.append("-" * width)
        for _ in range(rng.randint(2, 4)):
            left, right = phrase(rng, 2, width - 12), f"{money(rng)} €"
            ops.append(["leftRight", left, right])
            lines.append(left + " " * (width - len(left) - len(right)) + right)
        cells = [phrase(rng, 1, width // 3 - 1), str(rng.randint(1, 9)), f"{money(rng)} €"]
        ops.append(["table", cells])
        lines.append(ntp_table(cells, width))
        custom = [{"text": phrase(rng, 1, width - 22), "align": "LEFT", "cols": width - 20},
                  {"text": str(rng.randint(1, 99)), "align": "CENTER", "cols": 8},
                  {"text": f"{money(rng)} €", "align": "RIGHT", "cols": 12, "bold": True}]
        ops.append(["tableCustom", custom])
        lines.append(ntp_custom(custom).rstrip())
        ops.append(["drawLine", "="])
        lines.append("=" * width)
        if rng.random() < 0.5:
            digits = ean13(rng)
            # JAN13 without its check digit: the printer adds it and prints 13 digits
            sent = digits if rng.random() < 0.5 else digits[:12]
            ops.append(["barcode", sent, 67, {"hriPos": 2, "height": 50}])
            codes.append(sent)
            lines.append(digits)
        else:
            data = f"T{rng.randint(10**6, 10**7)}"
            ops.append(["barcode", data, 73, {"hriPos": 0, "height": 40}])
            codes.append(data)
        ops.append(["newLine"])
        lines.append("")
        url = f"https://r.example.com/{rng.getrandbits(40):010x}"
        ops.append(["qr", url, {"cellSize": 4}])
        qrs.append(url)
        ops.append(["image", rng.choice([60, 64, 100]), rng.choice([20, 33]), rng.randint(0, 2)])
        bye = phrase(rng, 2, width)
        ops.append(["println", bye, {"align": "center"}])
        lines.append(bye)
        ops.append(["cut" if rng.random() < 0.5 else "partialCut"])
        if charset:
            ops.append(["charset", charset])
        receipts.append(lines)
    spec = {"lib": "ntp", "type": kind, "width": width, "ops": ops}
    if charset:
        spec["characterSet"] = charset
    return spec, receipts, codes, qrs


# Custom prints images as ESC * strips, each followed by ESC 3 0 and the LF that prints it
NTP_CASES = [(k, s) for k in NTP_TYPES for s in range(5)]


@needs_ntp
@pytest.mark.parametrize("kind,seed", NTP_CASES, ids=[f"{k}-{s}" for k, s in NTP_CASES])
def test_node_thermal_printer_text_is_exact(kind, seed):
    spec, receipts, codes, qrs = build_ntp(kind, seed)
    out = run([spec])[0]
    assert "error" not in out, out.get("error")
    doc = decode(out["data"])
    assert printed(doc) == clean(receipts)
    assert warnings(doc) == []
    assert [e.data for e in doc.events if isinstance(e, Barcode)] == codes
    assert [e.data for e in doc.events if isinstance(e, Code2D)] == qrs
    strips = kind == "custom"  # ESC * in 24-dot strips; the others GS v 0
    if not strips:  # (Custom's own strips read its pixels with the padded width: a skewed picture)
        for pic, op in zip(pictures(doc), [op for op in spec["ops"] if op[0] == "image"], strict=True):
            px = pic.load()
            assert all((px[x, y] == 0) == (x < op[1] and pattern_black(x, y, op[1], op[2], op[3]))
                       for y in range(pic.size[1]) for x in range(pic.size[0]))
    assert image_sizes(doc) == [(-(-op[1] // 8) * 8, -(-op[2] // 24) * 24 if strips else op[2])
                                for op in spec["ops"] if op[0] == "image"]


@needs_ntp
@pytest.mark.parametrize("kind", NTP_TYPES)
def test_node_thermal_printer_other_commands(kind):
    """Status, line spacing, font B, upside down, PDF417 are understood without a warning;
    the drawer kick is the one command it sends malformed (see the comments)."""
    ops = [["lineSpacing", 40], ["fontB"], ["println", "petite"], ["fontA"], ["resetLineSpacing"],
           ["upsideDown", True], ["println", "à l'envers"], ["upsideDown", False],
           ["pdf417", "PDF-417 Bon 42"], ["println", "fin"]]
    if kind != "tanca":  # Tanca has no status request
        ops.insert(0, ["status"])
    if kind == "epson":  # Tanca's beep sends ESC B 5 1 and then its own n t: two stray bytes
        ops.insert(0, ["beep"])
    out = run([{"lib": "ntp", "type": kind, "width": 42, "characterSet": "PC858_EURO", "ops": ops}])[0]
    doc = decode(out["data"])
    assert printed(doc) == [["petite", "à l'envers", "fin"]]
    assert warnings(doc) == []
    assert [e.kind for e in doc.events if e.kind in ("status_request", "beep")] == (
        {"epson": ["beep", "status_request"], "custom": ["status_request"], "tanca": []}[kind])
    assert [(e.symbology, e.data) for e in doc.events if isinstance(e, Code2D)] == [("pdf417", "PDF-417 Bon 42")]
    styles = {ev.spans[0].text: ev.spans[0].style for ev in doc.events if isinstance(ev, TextLine) and ev.spans}
    assert styles["petite"].font == 1 and styles["à l'envers"].upside_down

    # openCashDrawer sends ESC p 0 and ESC p 1 without their two timing bytes: a printer reads
    # the second command's ESC p as the first one's times and then a stray 0x01, as the decoder does
    out = run([{"lib": "ntp", "type": kind, "width": 42, "ops": [["drawer"], ["println", "ok"]]}])[0]
    doc = decode(out["data"])
    assert out["data"].startswith(b"\x1bp\x00\x1bp\x01")
    assert [e.kind for e in doc.events if e.kind == "drawer_kick"] == ["drawer_kick"]
    assert warnings(doc) == ["control byte 0x01 ignored"] and printed(doc) == [["ok"]]


@needs_rpe
def test_cli_decodes_an_encoder_stream_with_the_profile_a_technician_sets(tmp_path):
    """receipt-gateway decode FILE --profile NAME: an HP A779 numbers its pages like python-escpos's TH230."""
    capture = encoder_capture(tmp_path, "hp-a779", [
        ["init"], ["codepage", "cp858"], ["line", "Crème brûlée   4,50 €"], ["codepage", "windows1252"],
        ["line", "Bière          3,00 €"], ["cut"], ["codepage", "cp850"], ["line", "Größe: L"], ["cut"]])
    ok = decode_cli(capture, "--format", "text", "--profile", "TH230")
    assert ok.returncode == 0, ok.stderr
    # receipts apart by a blank line; the second starts with the line feed the encoder sends after a cut
    assert ok.stdout == "Crème brûlée   4,50 €\nBière          3,00 €\n\n\nGröße: L\n"
    wrong = decode_cli(capture, "--format", "text")  # Epson numbering
    assert wrong.returncode == 0 and "€" not in wrong.stdout


def encoder_capture(tmp_path, model: str, ops: list) -> Path:
    """A capture file of what receipt-printer-encoder sends for `ops` to a printer `model`."""
    capture = tmp_path / f"{model}.bin"
    capture.write_bytes(run([{"lib": "rpe", "printerModel": model, "ops": ops}])[0]["data"])
    return capture


def decode_cli(capture: Path, *args: str) -> subprocess.CompletedProcess:
    """`receipt-gateway decode CAPTURE ARGS...` as a technician runs it."""
    import sys

    return subprocess.run([sys.executable, "-m", "gateway", "decode", str(capture), *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)


@needs_rpe
def test_cli_decodes_a_citizen_stream_with_the_code_page_a_technician_sets(tmp_path):
    """Citizen's ESC t 2 = CP858 where every profile says CP850: `--code-page 2=CP858` gives the euro."""
    capture = encoder_capture(tmp_path, "citizen-ct-s310ii", [
        ["init"], ["codepage", "cp858"], ["line", "Crème brûlée   4,50 €"], ["cut"]])
    ok = decode_cli(capture, "--profile", "CT-S651", "--code-page", "2=CP858")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == "Crème brûlée   4,50 €\n"
    wrong = decode_cli(capture, "--profile", "CT-S651")
    assert wrong.returncode == 0 and wrong.stdout == "Crème brûlée   4,50 ı\n"
    receipt = decode_cli(capture, "--profile", "CT-S651", "--code-page", "2=cp858", "--format", "receipt")
    assert receipt.returncode == 0, receipt.stderr
    assert json.loads(receipt.stdout)["source"]["printer_profile"] == "CT-S651"


@needs_rpe
@needs_ntp
def test_generator_streams_decode_the_same_in_any_chunking(rpe_models):
    """The proxy feeds the decoder what the socket gives: byte by byte, odd sizes, all at once."""
    from gateway.printer.decoder import Decoder

    streams = []
    for model, seed in [("epson-tm-t88vi", 0), ("xprinter-xp-n160ii", 1), ("hp-a779", 0)]:
        cols = len(run([{**rpe_options(model), "ops": [["rule"]]}])[0]["lines"][0][0])
        streams.append((build_rpe(model, seed, cols, rpe_models[model], "column"), RPE_MODELS[model]))
    streams += [(build_ntp(kind, 1)[0], "default") for kind in NTP_TYPES]
    outs = run([spec for spec, _ in streams])
    for (spec, profile), out in zip(streams, outs, strict=True):
        data = out["data"]
        whole = [e.to_dict() for e in decode(data, profile=profile).events]
        rng = random.Random(len(data))
        for sizes in ([1], [7], [rng.randint(1, 300) for _ in range(64)]):
            dec, got, pos, i = Decoder(profile), [], 0, 0
            while pos < len(data):
                step = sizes[i % len(sizes)]
                got += dec.feed(data[pos:pos + step])
                pos, i = pos + step, i + 1
            got += dec.close()
            assert [e.to_dict() for e in got] == whole, (spec.get("printerModel") or spec.get("type"), sizes[:3])
