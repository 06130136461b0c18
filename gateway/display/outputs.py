"""Display outputs besides the framebuffer: PNG files, luma.lcd/luma.oled panels, the kiosk node.

Each output has `size` (pixels it wants, or None for any), `show(screen, image)` and `close()`.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from gateway.display.framebuffer import DisplayError
from gateway.display.screens import Screen


class PngOutput:
    """Writes each screen to DIR/<screen name>.png (tests, docs, `display-test --output png`)."""

    size = None

    def __init__(self, folder: str | Path, prefix: str = "display-"):
        self.folder = Path(folder)
        self.prefix = prefix
        self.folder.mkdir(parents=True, exist_ok=True)
        self.written: list[Path] = []

    def show(self, screen: Screen, image: Image.Image) -> None:
        path = self.folder / f"{self.prefix}{screen.label}.png"
        image.save(path, optimize=True)
        self.written.append(path)

    def close(self) -> None:
        pass


LUMA_DRIVERS = {
    # name: (package, module)
    "st7789": ("luma.lcd", "luma.lcd.device"), "ili9341": ("luma.lcd", "luma.lcd.device"),
    "ili9486": ("luma.lcd", "luma.lcd.device"), "st7735": ("luma.lcd", "luma.lcd.device"),
    "ssd1351": ("luma.oled", "luma.oled.device"), "ssd1331": ("luma.oled", "luma.oled.device"),
    "ssd1306": ("luma.oled", "luma.oled.device"), "sh1106": ("luma.oled", "luma.oled.device"),
}


def luma_device(driver: str, *, width: int, height: int, spi_port: int = 0, spi_device: int = 0,
                gpio_dc: int = 24, gpio_rst: int = 25, rotate: int = 0):
    """A luma.lcd / luma.oled device on SPI; a clear error when the package is missing."""
    if driver not in LUMA_DRIVERS:
        raise DisplayError(f"unknown luma driver {driver!r}", "one of: " + ", ".join(LUMA_DRIVERS))
    package, module = LUMA_DRIVERS[driver]
    try:
        import importlib

        from luma.core.interface.serial import spi
        devices = importlib.import_module(module)
    except ImportError:
        raise DisplayError(f"the {driver} panel needs the Python package {package}, which is not installed",
                           f"pip install 'receipt-gateway[display]' (or pip install {package})") from None
    try:
        interface = spi(port=spi_port, device=spi_device, gpio_DC=gpio_dc, gpio_RST=gpio_rst)
        return getattr(devices, driver)(interface, width=width, height=height, rotate=rotate)
    except Exception as exc:  # luma raises its own DeviceNotFoundError, DevicePermissionError, ...
        raise DisplayError(f"cannot open the {driver} panel on SPI {spi_port}.{spi_device}: {exc}",
                           "enable SPI (raspi-config), check the wiring and the gpio_dc/gpio_rst pins") from None


class LumaOutput:
    """Any luma.core device (luma.lcd, luma.oled, or luma.core's in-memory `dummy`)."""

    def __init__(self, device):
        self.device = device
        self.size = tuple(device.size)

    def show(self, screen: Screen, image: Image.Image) -> None:
        if image.size != self.size:
            image = image.resize(self.size, Image.LANCZOS)
        self.device.display(image.convert(self.device.mode))

    def close(self) -> None:
        cleanup = getattr(self.device, "cleanup", None)
        if cleanup:
            cleanup()


class KioskOutput:
    """The kiosk node's display: text lines in a `screen` message (its panel shows text only)."""

    size = None
    wants_image = False

    def __init__(self, link):
        self.link = link            # gateway.scanner.kiosk.KioskSerial | KioskMqtt

    def show(self, screen: Screen, image: Image.Image | None) -> None:
        self.link.send_screen(screen.kiosk_lines(), screen.timeout_s)

    def close(self) -> None:
        pass
