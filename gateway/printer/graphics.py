"""Bitmaps in the print stream -> Pillow images (mode "1", black = 0).

ESC/POS sets a bit for a black dot; Pillow's "1;I" raw mode reads exactly that.
"""

from __future__ import annotations

from PIL import Image

# refuse to build images larger than this many bytes of dot data (the stream is still skipped exactly)
MAX_IMAGE_BYTES = 4 * 1024 * 1024


def raster(data: bytes, width_bytes: int, height: int) -> Image.Image | None:
    """Row-major bitmap: `width_bytes` bytes per row, MSB is the leftmost dot (GS v 0, GS ( L fn 112)."""
    if width_bytes <= 0 or height <= 0:
        return None
    need = width_bytes * height
    if len(data) < need:
        data = data + bytes(need - len(data))
    return Image.frombytes("1", (width_bytes * 8, height), data[:need], "raw", "1;I")


def raster_dots(data: bytes, width_dots: int, height: int) -> Image.Image | None:
    """Row-major bitmap given in dots (rows padded to whole bytes); cropped to the dot width."""
    img = raster(data, (width_dots + 7) // 8, height)
    if img is not None and img.width != width_dots and width_dots > 0:
        img = img.crop((0, 0, width_dots, height))
    return img


def column(data: bytes, columns: int, bytes_per_column: int) -> Image.Image | None:
    """Column-major bitmap: each column is `bytes_per_column` bytes top to bottom (ESC *, GS *, FS q)."""
    if columns <= 0 or bytes_per_column <= 0:
        return None
    need = columns * bytes_per_column
    if len(data) < need:
        data = data + bytes(need - len(data))
    # read each column as a row, then swap axes
    img = Image.frombytes("1", (bytes_per_column * 8, columns), data[:need], "raw", "1;I")
    return img.transpose(Image.Transpose.TRANSPOSE)


def stack(images: list[Image.Image]) -> Image.Image:
    """Images one under the other (column-format stripes printed line by line)."""
    width = max(i.width for i in images)
    height = sum(i.height for i in images)
    out = Image.new("1", (width, height), 1)
    y = 0
    for i in images:
        out.paste(i, (0, y))
        y += i.height
    return out
