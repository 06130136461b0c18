"""Draw a Screen with Pillow at the display's size (320x240, 480x320, or any other).

Layout: a coloured header with the title, the message below in large type, and on the
"sent" screen the QR code on the left with the total beside it. Text is wrapped and shrunk
until it fits; the QR code is drawn with whole pixels per module so phones read it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from gateway.display.screens import Screen

FONTS = Path(__file__).resolve().parent / "fonts"
TONES = {"info": (0, 92, 150), "ok": (0, 128, 72), "wait": (90, 90, 100), "error": (190, 30, 30)}
INK = (20, 20, 20)
QR_MASK = 2
PAPER = (255, 255, 255)


@lru_cache(maxsize=64)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


def wrap(text: str, fnt: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break `text` at spaces into lines no wider than `width` pixels (a longer word is cut)."""
    out: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in para.split():
            while fnt.getlength(word) > width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and fnt.getlength(word[:cut]) > width:
                    cut -= 1
                if line:
                    out.append(line)
                    line = ""
                out.append(word[:cut])
                word = word[cut:]
            trial = f"{line} {word}".strip()
            if fnt.getlength(trial) <= width:
                line = trial
            else:
                out.append(line)
                line = word
        out.append(line)
    return [x for x in out if x]


def fit(texts: list[str], box: tuple[int, int], start: int, *, bold: bool = False, least: int = 10):
    """(font, lines) with the largest size <= start at which `texts` fit in box (w, h)."""
    w, h = box
    size = start
    while True:
        fnt = font(size, bold)
        lines = [ln for t in texts for ln in wrap(t, fnt, w)]
        if size <= least or len(lines) * line_height(fnt) <= h:
            return fnt, lines
        size -= 1


def line_height(fnt: ImageFont.FreeTypeFont) -> int:
    asc, desc = fnt.getmetrics()
    return int((asc + desc) * 1.12)


def draw_lines(draw: ImageDraw.ImageDraw, lines: list[str], fnt, box: tuple[int, int, int, int],
               fill=INK, align: str = "center") -> None:
    x0, y0, x1, y1 = box
    lh = line_height(fnt)
    y = y0 + max(0, (y1 - y0 - lh * len(lines)) // 2)
    for ln in lines:
        x = x0 if align == "left" else x0 + (x1 - x0 - int(fnt.getlength(ln))) // 2
        draw.text((x, y), ln, font=fnt, fill=fill)
        y += lh


def qr_image(data: str, side: int) -> Image.Image:
    """The QR code at the largest whole number of pixels per module that fits in `side`."""
    # A fixed mask pattern: the library's search for the "best" one costs ~30 ms on this machine
    # (most of a screen's render time); on a crisp screen any mask reads (tested with zxing-cpp).
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=QR_MASK)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()          # includes the quiet zone (border)
    n = len(matrix)
    scale = max(1, side // n)
    small = Image.new("1", (n, n), 1)
    small.putdata([0 if cell else 1 for row in matrix for cell in row])
    return small.resize((n * scale, n * scale), Image.NEAREST).convert("RGB")


def render(screen: Screen, size: tuple[int, int] = (320, 240)) -> Image.Image:
    w, h = size
    img = Image.new("RGB", size, PAPER)
    draw = ImageDraw.Draw(img)
    pad = max(4, h // 30)
    header = int(h * 0.24)
    draw.rectangle((0, 0, w, header), fill=TONES.get(screen.tone, TONES["info"]))
    tf, tl = fit([screen.title], (w - 2 * pad, header - pad), int(header * 0.55), bold=True)
    draw_lines(draw, tl, tf, (pad, 0, w - pad, header), fill=PAPER)
    body = (pad, header + pad, w - pad, h - pad)
    if screen.qr:
        side = body[3] - body[1]
        code = qr_image(screen.qr, side)
        img.paste(code, (pad, body[1] + (side - code.size[1]) // 2))
        body = (pad * 2 + code.size[0], body[1], w - pad, body[3])
    bw, bh = body[2] - body[0], body[3] - body[1]
    if screen.big:
        bf, bl = fit([screen.big], (bw, bh // 2), int(h * 0.16), bold=True)
        big_h = line_height(bf) * len(bl)
        draw_lines(draw, bl, bf, (body[0], body[1], body[2], body[1] + big_h + pad))
        body = (body[0], body[1] + big_h + pad, body[2], body[3])
        bh = body[3] - body[1]
    if screen.lines:
        lf, ll = fit(list(screen.lines), (bw, bh), int(h * (0.085 if screen.qr else 0.11)))
        draw_lines(draw, ll, lf, body)
    return img
