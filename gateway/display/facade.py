"""`Display`: what the loyalty flow calls to show the customer each step.

    display = Display.from_config(cfg, kiosk_link=source)     # or Display([PngOutput(dir)])
    display.show_idle()
    display.show_card("Hello Anna", "qr")
    display.show_sent("https://receipts.example.com/r/TOKEN", "23.85")
    display.show_printing()
    display.show_error("invalid_card")            # invalid_card | paper_out | printer_offline | no_answer

A failing output is logged and skipped: a broken display never holds up a receipt.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from gateway.display import screens
from gateway.display.framebuffer import DisplayError, FbGeometry, FramebufferOutput
from gateway.display.outputs import KioskOutput, LumaOutput, PngOutput, luma_device
from gateway.display.render import render
from gateway.display.screens import Screen

log = logging.getLogger(__name__)


class Display:
    def __init__(self, outputs: list, *, language: str = "en", currency: str = "EUR",
                 size: tuple[int, int] = (320, 240)):
        self.outputs = list(outputs)
        self.language, self.currency, self.size = language, currency, size
        self.last: Screen | None = None
        self.failures = 0
        self._lock = threading.Lock()

    def show(self, screen: Screen) -> Screen:
        with self._lock:
            images = {}
            for out in self.outputs:
                size = out.size or self.size
                try:
                    image = None
                    if getattr(out, "wants_image", True):
                        if size not in images:
                            images[size] = render(screen, size)
                        image = images[size]
                    out.show(screen, image)
                except Exception as exc:   # noqa: BLE001 - any output fault: log, carry on
                    self.failures += 1
                    log.warning("display output %s failed on screen %s: %s", type(out).__name__, screen.name, exc)
            self.last = screen
        return screen

    def show_idle(self) -> Screen:
        return self.show(screens.idle(self.language))

    def show_card(self, greeting: str | None, mode: str) -> Screen:
        return self.show(screens.card(greeting, mode, self.language))

    def show_sent(self, url: str, total, currency: str | None = None) -> Screen:
        return self.show(screens.sent(url, total, self.language, currency or self.currency))

    def show_printing(self) -> Screen:
        return self.show(screens.printing(self.language))

    def show_error(self, kind: str) -> Screen:
        return self.show(screens.error(kind, self.language))

    def close(self) -> None:
        for out in self.outputs:
            try:
                out.close()
            except Exception as exc:  # noqa: BLE001
                log.warning("closing display output %s: %s", type(out).__name__, exc)

    @classmethod
    def from_config(cls, cfg, *, kiosk_link=None, png_dir: str | None = None) -> Display:
        """The [display] section's output; `png_dir` adds PNG files (display-test --output png)."""
        d = cfg.get("display") or {}
        size = (d.get("width", 320), d.get("height", 240))
        outputs = []
        kind = d.get("output", "none")
        if kind == "framebuffer":
            dev = d.get("device") or "/dev/fb1"
            # a real panel (character device) says its geometry in sysfs; a regular file stands in
            # for one with [display] width/height/fb_bpp (tests, technicians without a panel)
            geo = None if Path(dev).is_char_device() else FbGeometry(size[0], size[1], d.get("fb_bpp", 16))
            outputs.append(FramebufferOutput(dev, geo))
        elif kind == "luma":
            outputs.append(LumaOutput(luma_device(d.get("luma_driver", "st7789"), width=size[0], height=size[1],
                                                  spi_port=d.get("spi_port", 0), spi_device=d.get("spi_device", 0),
                                                  gpio_dc=d.get("gpio_dc", 24), gpio_rst=d.get("gpio_rst", 25),
                                                  rotate=d.get("rotate", 0))))
        elif kind == "png":
            outputs.append(PngOutput(d.get("png_dir") or "."))
        elif kind == "kiosk":
            if kiosk_link is None or not hasattr(kiosk_link, "send_screen"):
                raise DisplayError('[display] output = "kiosk" needs the kiosk node as the scanner',
                                   'set [scanner] source = "kiosk", or choose another [display] output')
            outputs.append(KioskOutput(kiosk_link))
        if png_dir:
            outputs.append(PngOutput(png_dir))
        return cls(outputs, language=d.get("language", "en"), currency=d.get("currency", "EUR"), size=size)
