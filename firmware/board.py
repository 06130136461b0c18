"""The board layer: the ONLY module that touches machine, network and the USB serial port.

Pico W (RP2040) and ESP32: UART barcode scanner, SSD1306 SPI display (128x64),
two buttons to ground (internal pull-ups), Wi-Fi station. Pins come from
config.json (defaults per board in kiosk/config.py; wiring in hardware/wiring-kiosk.md).
"""

import sys
import time

if not hasattr(time, "ticks_ms"):  # CPython with the fakes (firmware/fakes): tests only
    import utime as time  # type: ignore[no-redef]

import framebuf
import machine
import network


class SSD1306:
    """Minimal SSD1306 over SPI: framebuf text, full refresh."""

    def __init__(self, spi, dc, rst, cs, width=128, height=64):
        self.spi, self.dc, self.rst, self.cs = spi, dc, rst, cs
        self.width, self.height = width, height
        self.buffer = bytearray(width * height // 8)
        self.fb = framebuf.FrameBuffer(self.buffer, width, height, framebuf.MONO_VLSB)
        self.rst.value(1)
        time.sleep_ms(1)
        self.rst.value(0)
        time.sleep_ms(10)
        self.rst.value(1)
        for cmd in (0xAE, 0x20, 0x00, 0x40, 0xA1, 0xA8, height - 1, 0xC8, 0xD3, 0x00,
                    0xDA, 0x12 if height == 64 else 0x02, 0xD5, 0x80, 0xD9, 0xF1, 0xDB, 0x30,
                    0x81, 0xFF, 0xA4, 0xA6, 0x8D, 0x14, 0xAF):
            self._cmd(cmd)

    def _cmd(self, c):
        self.cs.value(1)
        self.dc.value(0)
        self.cs.value(0)
        self.spi.write(bytes((c,)))
        self.cs.value(1)

    def text_lines(self, lines):
        self.fb.fill(0)
        for row, line in enumerate(lines):
            self.fb.text(line, 0, row * 8, 1)
        for c in (0x21, 0, self.width - 1, 0x22, 0, self.height // 8 - 1):
            self._cmd(c)
        self.cs.value(1)
        self.dc.value(1)
        self.cs.value(0)
        self.spi.write(self.buffer)
        self.cs.value(1)


class Wifi:
    def __init__(self, cfg):
        self.ssid = cfg["wifi"]["ssid"]
        self.password = cfg["wifi"]["password"]
        if cfg["wifi"]["country"]:
            try:
                network.country(cfg["wifi"]["country"])
            except (AttributeError, ValueError):
                pass
        self.wlan = network.WLAN(network.STA_IF)
        self.wlan.active(True)

    def isconnected(self):
        return self.wlan.isconnected()

    def connect(self):
        try:
            self.wlan.disconnect()
        except OSError:
            pass
        self.wlan.connect(self.ssid, self.password)

    def status(self):
        return self.wlan.status()


class Board:
    def __init__(self, cfg):
        self.name = cfg["board"]
        s, d, b = cfg["scanner"], cfg["display"], cfg["buttons"]
        self.uart = machine.UART(s["uart"], baudrate=s["baudrate"], tx=machine.Pin(s["tx"]),
                                 rx=machine.Pin(s["rx"]), timeout=0)
        spi = machine.SPI(d["spi"], baudrate=8000000, sck=machine.Pin(d["sck"]), mosi=machine.Pin(d["mosi"]))
        out = machine.Pin.OUT
        self.display = SSD1306(spi, machine.Pin(d["dc"], out), machine.Pin(d["rst"], out),
                               machine.Pin(d["cs"], out), d["width"], d["height"])
        self.text_cols = d["width"] // 8
        self.text_rows = d["height"] // 8
        pull = machine.Pin.PULL_UP if b["active_low"] else machine.Pin.PULL_DOWN
        self.pins = {"paper": machine.Pin(b["paper"], machine.Pin.IN, pull),
                     "no_paper": machine.Pin(b["no_paper"], machine.Pin.IN, pull)}
        self.active_low = b["active_low"]
        self.wdt = machine.WDT(timeout=cfg["watchdog_ms"]) if cfg["watchdog_ms"] else None
        self.wifi = Wifi(cfg) if cfg["link"] == "wifi" else None
        self._poll = None

    def ticks_ms(self):
        return time.ticks_ms()

    def sleep_ms(self, ms):
        time.sleep_ms(ms)

    def read_scanner(self):
        if self.uart.any():
            return self.uart.read()
        return None

    def buttons(self):
        return {name: pin.value() == (0 if self.active_low else 1) for name, pin in self.pins.items()}

    def show(self, lines):
        self.display.text_lines(lines)

    def feed_watchdog(self):
        if self.wdt is not None:
            self.wdt.feed()

    def safe_mode(self):
        """Both buttons held at power-on: stay in the REPL so a technician can fix files."""
        return all(self.buttons().values())

    def reset(self):
        machine.reset()

    # ---- USB serial link (JSON lines on the REPL port) ----------------------
    def serial_read(self):
        import select

        if self._poll is None:
            self._poll = select.poll()
            self._poll.register(sys.stdin, select.POLLIN)
        data = bytearray()
        while len(data) < 512 and self._poll.poll(0):
            data.extend(sys.stdin.buffer.read(1))
        return bytes(data)

    def serial_write(self, data):
        sys.stdout.buffer.write(data)

    def mqtt_client(self, cfg):
        from umqtt.simple import MQTTClient

        m = cfg["mqtt"]
        return MQTTClient(cfg["node_id"], m["host"], port=m["port"], user=m["user"] or None,
                          password=m["password"] or None, keepalive=m["keepalive_s"])
