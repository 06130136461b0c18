"""The gateway's config sections (contract: ../shared/design/ARCHITECTURE.md).

Only [gateway], [till], [printer] and [mqtt] are required. Each feature adds its
options here, next to the others, so `check-config` can show them all.
"""

from __future__ import annotations

from gateway.config.schema import Option, Section

TILL_LINKS = ("tcp", "serial", "usb-gadget")
PRINTER_LINKS = ("tcp", "serial", "usb", "file", "fake", "none")
FLOW = ("none", "rtscts", "dsrdtr", "xonxoff")
PARITY = ("none", "even", "odd", "mark", "space")


def _needs(link_key: str, table: dict[str, tuple[str, ...]]):
    """Cross-check: link = X requires the keys listed for X."""

    def check(values: dict):
        link = values.get(link_key)
        problems = []
        for key in table.get(link, ()):
            if not values.get(key):
                problems.append((None, f"{link_key} = \"{link}\" needs the option {key}",
                                 f"add `{key} = ...` to this section"))
        return problems

    return check


def _mqtt_pairs(values: dict):
    """Options that exclude or need each other in [mqtt]."""
    problems = []
    if values.get("password") and values.get("password_file"):
        problems.append(("password", "both password and password_file are set", "keep only password_file"))
    if bool(values.get("cert_file")) != bool(values.get("key_file")):
        problems.append(("cert_file" if values.get("cert_file") else "key_file", "cert_file and key_file go together",
                         "set both (this gateway's certificate and its private key) or neither"))
    if (values.get("cert_file") or values.get("key_file")) and not values.get("url", "").startswith("mqtts://"):
        problems.append(("url", "a client certificate needs TLS", "use an mqtts:// URL"))
    return problems


def _serial_options() -> dict[str, Option]:
    return {
        "device": Option("path", "", "serial device, e.g. /dev/ttyUSB0 or /dev/serial/by-id/..."),
        "baudrate": Option("int", 9600, "serial speed", minval=300, maxval=921600),
        "bytesize": Option("int", 8, "data bits", minval=5, maxval=8),
        "parity": Option("str", "none", "parity", choices=PARITY),
        "stopbits": Option("float", 1.0, "stop bits (1, 1.5 or 2)", minval=1, maxval=2),
        "flow": Option("str", "none", "flow control", choices=FLOW),
    }


def _code_pages(table: dict) -> dict[int, str]:
    from gateway.printer.codepages import code_page_table

    return code_page_table(table)


def _card_rules(values: dict):
    """Patterns must compile and prefixes must read as digits or ranges."""
    from gateway.scanner.cards import rules_from_config

    try:
        rules_from_config(values)
    except ValueError as exc:
        key = "patterns" if "pattern" in str(exc) else "prefixes"
        return [(key, str(exc), "fix or remove that entry")]
    return []


GATEWAY = Section("gateway", {
    "id": Option("str", help="this box's id, also the MQTT client id", pattern=r"[A-Za-z0-9_.\-]{1,64}"),
    "store_id": Option("str", help="the shop's id", pattern=r"[A-Za-z0-9_.\-]{1,64}"),
    "till_id": Option("str", help="the till this box serves", pattern=r"[A-Za-z0-9_.\-]{1,64}"),
    "data_dir": Option("path", "/var/lib/receipt-gateway", "where the outbox and captures live"),
    "log_level": Option("str", "info", "log level", choices=("debug", "info", "warning", "error")),
}, required=True, help="the box's identity: id, store_id, till_id")

TILL = Section("till", {
    "link": Option("str", "tcp", "how the till reaches us", choices=TILL_LINKS),
    "listen": Option("address", "0.0.0.0:9100", "tcp: address:port to listen on"),
    **_serial_options(),
    "idle_split_s": Option("float", 2.0, "serial/usb: an idle gap this long ends a receipt", minval=0.05, maxval=600),
}, required=True, help="how the till reaches us: link = tcp | serial | usb-gadget",
    checks=[_needs("link", {"serial": ("device",), "usb-gadget": ("device",)})])

PRINTER = Section("printer", {
    "link": Option("str", "tcp", "how we reach the real printer", choices=PRINTER_LINKS),
    "address": Option("address", "", "tcp: printer host:port"),
    **_serial_options(),
    "path": Option("path", "", "file: the file receipts are appended to"),
    "usb_vendor": Option("int", 0, "usb: vendor id (e.g. 0x04b8 for Epson); 0: the first USB printer found", minval=0, maxval=0xFFFF),
    "usb_product": Option("int", 0, "usb: product id", minval=0, maxval=0xFFFF),
    "profile": Option("str", "default", "python-escpos printer profile name, e.g. TM-T88V"),
    "code_pages": Option("table", {}, "the real printer's ESC t numbers where they differ from the profile's, "
                         "e.g. { 2 = \"CP858\", 7 = \"CP1253\" } (number 0-255 = code page; docs/decoder.md)",
                         check=_code_pages),
    "reconnect_max_s": Option("float", 10.0, "longest wait between reconnect attempts", minval=0.1, maxval=300),
    "keep_for_reprint": Option("int", 200, "keep the last N receipts' bytes in data_dir/recent.db for the reprint "
                               "and print_qr commands (0 = keep none)", minval=0, maxval=100_000),
}, required=True, help="how we reach the real printer: link = tcp | serial | usb | file | fake | none",
    checks=[_needs("link", {"tcp": ("address",), "serial": ("device",), "file": ("path",)})])

MQTT = Section("mqtt", {
    "url": Option("url", "mqtt://localhost:1883", "broker URL: mqtt://host:port or mqtts://host:port",
                  pattern=r"mqtts?://[^\s/]+(:\d+)?/?"),
    "topic_prefix": Option("str", "receipts/v1", "topic prefix", pattern=r"[^#+\s]+"),
    "username": Option("str", "", "broker user name"),
    "password_file": Option("path", "", "file holding the broker password (mode 0600)"),
    "password": Option("str", "", "inline password: refused when the config is world-readable"),
    "ca_file": Option("path", "", "mqtts: CA certificate"),
    "cert_file": Option("path", "", "mqtts: this gateway's client certificate"),
    "key_file": Option("path", "", "mqtts: this gateway's client key"),
    "keepalive_s": Option("int", 30, "MQTT keepalive", minval=5, maxval=3600),
    "health_interval_s": Option("float", 30, "how often {p}/health is published", minval=1, maxval=3600),
    "reconnect_max_s": Option("float", 60, "longest wait between reconnect attempts (jittered)", minval=1, maxval=3600),
    "session_expiry_s": Option("int", 3600, "broker keeps this gateway's session (acks, commands) this long",
                               minval=0, maxval=7 * 86400),
}, required=True, help="the retailer's broker: url = mqtt://host:1883", checks=[lambda v: _mqtt_pairs(v)])

OUTBOX = Section("outbox", {
    "retention_s": Option("float", 7 * 86400, "keep confirmed receipts this long (for resend), then purge",
                          minval=0, maxval=366 * 86400),
    "max_receipts": Option("int", 100_000, "unconfirmed receipts kept at most; beyond, receipts are refused "
                           "(paper still prints) and the state says outbox_full", minval=10, maxval=10_000_000),
    "max_mb": Option("float", 1024, "largest outbox file (MB); 0 = until the disk is full", minval=0, maxval=1_000_000),
    "republish_after_s": Option("float", 60, "republish a receipt the hub has not acked after this long",
                                minval=1, maxval=86400),
}, help="durable outbox in data_dir")

SCANNER = Section("scanner", {
    "source": Option("str", "none", "where card scans come from", choices=("evdev", "serial", "kiosk", "none")),
    "device": Option("path", "", "evdev: /dev/input/by-id/...-event-kbd; serial: /dev/serial/by-id/... "
                     "(or /dev/receipt-gateway/...); kiosk over USB: /dev/receipt-gateway/kiosk"),
    "baudrate": Option("int", 9600, "serial scanner speed", minval=300, maxval=921600),
    "layout": Option("str", "us", "evdev keymap: the layout the scanner types in (AZERTY be/fr sends digits "
                     "as shifted keys)", choices=("us", "be", "fr", "de")),
    "patterns": Option("list", [], "regular expressions a card number must match (any)"),
    "prefixes": Option("list", [], "card number prefixes (\"2401\") or ranges (\"2400-2499\"); any must match"),
    # docs/scanners.md
    "partial_timeout_s": Option("float", 0.5, "a half-typed code is dropped after this pause between characters",
                                minval=0.05, maxval=10),
    "max_length": Option("int", 128, "longest code; longer input is dropped as noise", minval=8, maxval=4096),
    "kiosk_link": Option("str", "wifi", "kiosk node link: wifi (MQTT on the box's own broker) or serial "
                         "(JSON lines on device)", choices=("wifi", "serial")),
    "kiosk_broker": Option("url", "mqtt://127.0.0.1:1883", "kiosk wifi: the box's own broker the nodes talk to "
                           "(never the retailer's)", pattern=r"mqtts?://[^\s/]+(:\d+)?/?"),
    "kiosk_username": Option("str", "", "kiosk wifi: the gateway's user on the local broker"),
    "kiosk_password_file": Option("path", "", "kiosk wifi: file holding that user's password (mode 0600)"),
    "kiosk_topic_prefix": Option("str", "", "kiosk wifi: topic prefix of the node's config.json; "
                                 "empty = [mqtt] topic_prefix", pattern=r"[^#+\s]*"),
}, help="loyalty card scanner: source = evdev | serial | kiosk | none",
    checks=[_card_rules, _needs("source", {"evdev": ("device",), "serial": ("device",)}),
            lambda v: [] if v.get("source") != "kiosk" or v.get("kiosk_link") != "serial" or v.get("device")
            else [("kiosk_link", 'kiosk_link = "serial" needs the option device',
                   "add `device = \"/dev/receipt-gateway/kiosk\"` (the node's USB port)")]])

LOYALTY = Section("loyalty", {
    "hmac_key_file": Option("path", help="retailer secret for card HMACs, mode 0600"),
    "key_id": Option("str", "k1", "id of the HMAC key, for rotation"),
}, help="card hashing key")

POLICY = Section("policy", {
    "default": Option("str", "paper", "what a receipt gets when no card was scanned", choices=("paper", "qr", "none")),
    "card_window_s": Option("float", 180, "a scan applies to the next receipt within this window", minval=5, maxval=3600),
    "country": Option("str", "", "built-in always-print rules for a country", choices=("", "be", "fr", "de", "nl", "lu")),
    "always_print": Option("list", [], "extra regular expressions: a receipt whose text matches is always printed"),
}, help="delivery policy")

QR = Section("qr", {
    "url_template": Option("str", "https://receipts.example.com/r/{token}", "link in the QR stub; must contain {token}",
                           pattern=r".*\{token\}.*"),
}, help="QR stub link")

DECODER = Section("decoder", {
    "raw_bytes": Option("bool", False, "include the raw print stream (base64) in each e-receipt"),
    "till_profile": Option("str", "", "till layout profile for extraction (built-in name or .toml path)"),
    "currency": Option("str", "EUR", "ISO 4217 currency of receipts that print none (a warning says it "
                       "was assumed); a printed €, EUR, £, GBP, CHF or $ wins", pattern=r"[A-Z]{3}"),
}, help="decoding and extraction")

DISPLAY = Section("display", {   # docs/display.md
    "output": Option("str", "none", "where the customer screens go",
                     choices=("none", "framebuffer", "luma", "png", "kiosk")),
    "language": Option("str", "en", "screen language", choices=("en", "nl", "fr", "de")),
    "currency": Option("str", "EUR", "currency of the total on the 'receipt sent' screen", pattern=r"[A-Z]{3}"),
    "width": Option("int", 320, "panel width in pixels (framebuffer file, luma, png)", minval=64, maxval=1920),
    "height": Option("int", 240, "panel height in pixels", minval=48, maxval=1200),
    "device": Option("path", "/dev/fb1", "framebuffer: /dev/fbN (geometry from sysfs) or a regular file "
                     "(then width/height/fb_bpp)"),
    "fb_bpp": Option("int", 16, "framebuffer file: bits per pixel (16 = RGB565, 32 = BGRA)", minval=16, maxval=32),
    "png_dir": Option("path", "", "png: folder the screens are written to"),
    "luma_driver": Option("str", "st7789", "luma: panel controller",
                          choices=("st7789", "ili9341", "ili9486", "st7735", "ssd1351", "ssd1331", "ssd1306", "sh1106")),
    "spi_port": Option("int", 0, "luma: SPI bus", minval=0, maxval=6),
    "spi_device": Option("int", 0, "luma: SPI chip select", minval=0, maxval=3),
    "gpio_dc": Option("int", 24, "luma: data/command GPIO (BCM number)", minval=0, maxval=53),
    "gpio_rst": Option("int", 25, "luma: reset GPIO (BCM number)", minval=0, maxval=53),
    "rotate": Option("int", 0, "luma: rotation in quarter turns", minval=0, maxval=3),
}, help="customer display: output = none | framebuffer | luma | png | kiosk",
    checks=[_needs("output", {"png": ("png_dir",)})])

SECTIONS: dict[str, Section] = {s.name: s for s in (GATEWAY, TILL, PRINTER, MQTT, OUTBOX, SCANNER, LOYALTY, POLICY, QR, DECODER, DISPLAY)}


def load(path) -> dict:
    """Load and check a gateway config file."""
    from gateway.config.schema import load_file

    return load_file(path, SECTIONS)
