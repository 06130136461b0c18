"""Kiosk node entry point: load config.json, build the board and the link, run the loop.

A crash shows the error on the display, waits, and resets the board; the watchdog
resets it when the loop hangs.
"""

import sys
import time

sys.path.append("/lib")

from kiosk import VERSION  # noqa: E402
from kiosk import config as kconfig  # noqa: E402
from kiosk.node import Node  # noqa: E402
from kiosk.transport import MqttLink, SerialLink  # noqa: E402


def load_config(path="config.json"):
    with open(path) as f:
        return kconfig.loads(f.read())


def make_link(cfg, board):
    if cfg["link"] == "serial":
        return SerialLink(cfg, board.serial_read, board.serial_write, VERSION, board.name)
    import random

    def rand(n):
        return random.getrandbits(16) % n

    return MqttLink(cfg, board.wifi, lambda: board.mqtt_client(cfg), VERSION, board.name, rand)


def main():
    import board as hw

    try:
        cfg = load_config()
    except (OSError, kconfig.ConfigError) as exc:
        print("kiosk: config.json:", exc)
        print("kiosk: fix it with: receipt-gateway firmware config --port PORT ...")
        return
    b = hw.Board(cfg)
    if b.safe_mode():
        b.show(["Safe mode", "REPL is free"])
        return
    try:
        Node(cfg, b, make_link(cfg, b)).run()
    except Exception as exc:  # noqa: BLE001 - last resort: show, wait, reset
        sys.print_exception(exc) if hasattr(sys, "print_exception") else print(exc)
        b.show(["Kiosk error:", str(exc)[:16], str(exc)[16:32], "restarting..."])
        time.sleep(5)
        b.reset()


if __name__ == "__main__":
    main()
