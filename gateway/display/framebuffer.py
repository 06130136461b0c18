"""Linux framebuffer output (/dev/fbN): the screen as RGB565 or 32-bit BGRA pixels.

The geometry (size, bits per pixel, line length) comes from /sys/class/graphics/fbN/; tests
and technicians without a panel pass an `FbGeometry` and write to a regular file, which then
holds exactly the bytes the panel would get.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops

from gateway.display.screens import Screen


class DisplayError(Exception):
    def __init__(self, message: str, remedy: str | None = None):
        self.message, self.remedy = message, remedy
        super().__init__(message)


@dataclass(frozen=True)
class FbGeometry:
    width: int
    height: int
    bpp: int = 16                 # 16 (RGB565), 24 (BGR) or 32 (BGRA / XRGB8888)
    stride: int = 0               # bytes per line; 0 = width * bpp / 8

    @property
    def line_bytes(self) -> int:
        return self.stride or self.width * self.bpp // 8

    @classmethod
    def from_sysfs(cls, device: str, root: str = "/sys/class/graphics") -> FbGeometry:
        folder = Path(root) / Path(device).name
        try:
            w, h = (int(x) for x in (folder / "virtual_size").read_text().strip().split(","))
            bpp = int((folder / "bits_per_pixel").read_text())
            stride = int((folder / "stride").read_text()) if (folder / "stride").exists() else 0
        except (OSError, ValueError) as exc:
            raise DisplayError(f"cannot read the framebuffer geometry of {device} from {folder}: {exc}",
                               "check the panel's driver is loaded (ls /sys/class/graphics/), or set "
                               "[display] width/height for a file") from None
        return cls(w, h, bpp, stride)


def to_rgb565(img: Image.Image) -> bytes:
    """RGB -> little-endian RGB565 (the usual SPI-panel framebuffer format), with Pillow only."""
    r, g, b = img.convert("RGB").split()
    low = ImageChops.add(g.point(lambda v: (v << 3) & 0xE0), b.point(lambda v: v >> 3))
    high = ImageChops.add(r.point(lambda v: v & 0xF8), g.point(lambda v: v >> 5))
    return Image.merge("LA", (low, high)).tobytes()


def pixels(img: Image.Image, geo: FbGeometry) -> bytes:
    """The framebuffer's bytes for `img` (resized to the geometry if needed), lines padded to stride."""
    if img.size != (geo.width, geo.height):
        img = img.resize((geo.width, geo.height), Image.LANCZOS)
    if geo.bpp == 16:
        raw = to_rgb565(img)
    elif geo.bpp == 32:
        raw = img.convert("RGBA").tobytes("raw", "BGRA")
    elif geo.bpp == 24:
        raw = img.convert("RGB").tobytes("raw", "BGR")
    else:
        raise DisplayError(f"{geo.bpp} bits per pixel is not supported",
                           "set the panel to 16 or 32 bpp (fbset -depth 16)")
    row = geo.width * geo.bpp // 8
    if geo.line_bytes == row:
        return raw
    pad = b"\0" * (geo.line_bytes - row)
    return b"".join(raw[i:i + row] + pad for i in range(0, len(raw), row))


class FramebufferOutput:
    def __init__(self, device: str = "/dev/fb1", geometry: FbGeometry | None = None):
        self.device = device
        self.geometry = geometry or FbGeometry.from_sysfs(device)
        self.size = (self.geometry.width, self.geometry.height)
        try:
            self.fd = os.open(device, os.O_WRONLY | (os.O_CREAT if geometry is not None else 0), 0o644)
        except FileNotFoundError:
            raise DisplayError(f"no framebuffer {device}", "ls /dev/fb* ; check the panel overlay in "
                               "/boot/firmware/config.txt") from None
        except PermissionError:
            raise DisplayError(f"no permission to write {device}",
                               "add the service user to the `video` group") from None
        except OSError as exc:
            raise DisplayError(f"cannot open the framebuffer {device}: {exc.strerror}",
                               "[display] device must be /dev/fbN (or a file standing in for one)") from None

    def show(self, screen: Screen, image: Image.Image) -> None:
        os.pwrite(self.fd, pixels(image, self.geometry), 0)

    def close(self) -> None:
        os.close(self.fd)
