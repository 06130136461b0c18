"""Print rows of cells through python-escpos's `Dummy` printer, three ways.

A row is a list of (column, text) cells. `spaces` pads with spaces, `tabs` sets
tab stops (ESC D) and sends HT, `absolute` moves with ESC $ (dots = column x cell).
`lines` keeps the text each row should print, columns kept with spaces.
"""

from __future__ import annotations

from escpos.printer import Dummy

from gateway.printer.barcodes import hri_text

CELL = 12  # Font A: dots per column


class Out:
    def __init__(self, width: int, columns: str = "spaces", codepage: str = "magic"):
        self.width, self.columns, self.codepage = width, columns, codepage
        self.p = Dummy()
        self.lines: list[str] = []
        self.p._raw(b"\x1b@")
        if codepage != "magic":
            self.p.charcode(codepage)

    def encodable(self, text: str) -> bool:
        if self.codepage == "magic":
            return True
        try:
            text.encode(self.codepage.lower())
            return True
        except UnicodeEncodeError:
            return False

    def row(self, cells: list[tuple[int, str]], *, bold: bool = False, tall: bool = False,
            wide: bool = False) -> None:
        cells = [(c, t) for c, t in cells if t]
        placed: list[tuple[int, str]] = []
        for col, text in cells:  # a cell never touches the one before it
            if placed:
                col = max(col, placed[-1][0] + len(placed[-1][1]) + 1)
            placed.append((col, text))
        cells = placed
        if bold or tall or wide:
            self.p.set(bold=bold, double_height=tall, double_width=wide)
        if wide and len(cells) > 1:
            raise ValueError("double-width rows hold one cell")
        plain = ""
        for col, text in cells:
            plain = plain.ljust(col) + text
        self.lines.append(plain.rstrip())
        if self.columns == "spaces" or len(cells) <= 1:
            self.p.text(plain + "\n")
        elif self.columns == "tabs":
            stops = bytes(c for c, _ in cells[1:] if 0 < c < 255)
            self.p._raw(b"\x1bD" + stops + b"\x00")
            first_col, first = cells[0]
            self.p.text(" " * first_col + first + "".join("\t" + t for _, t in cells[1:]) + "\n")
        else:  # absolute
            for i, (col, text) in enumerate(cells):
                if i or col:
                    dots = col * CELL
                    self.p._raw(b"\x1b$" + bytes((dots % 256, dots // 256)))
                self.p.text(text)
            self.p.text("\n")
        if bold or tall or wide:
            self.p.set_with_default()

    def text(self, text: str, *, align: str = "left", bold: bool = False, tall: bool = False,
             wide: bool = False) -> None:
        """One line of plain text; centred by the printer (ESC a) when align = center."""
        if align != "left":
            self.p.set(align=align)
        self.row([(0, text)], bold=bold, tall=tall, wide=wide)
        if align != "left":
            self.p.set(align="left")

    def blank(self) -> None:
        self.row([])

    def rule(self, char: str = "-") -> None:
        self.row([(0, char * self.width)])

    def qr(self, data: str) -> None:
        self.p.qr(data, native=True, size=4)

    def barcode(self, digits: str, hri: bool) -> None:
        self.p.barcode(digits, "EAN13", pos="BELOW" if hri else "OFF")
        if hri:  # the printer prints the digits with the check digit it computes
            self.lines.append(hri_text("ean13", digits))

    def cut(self) -> bytes:
        self.p.cut()
        return self.p.output
