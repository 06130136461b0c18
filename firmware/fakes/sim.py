"""Run the kiosk node on a laptop: fake board, real time, real MQTT (or the in-memory broker).

    python3 -m firmware.fakes.sim --config node.json
Type a card number and Enter to scan it, `p` / `n` for the paper / no-paper buttons, `q` to quit;
the display's lines are printed whenever they change. The demo drives `SimulatedKiosk` directly.
"""

from __future__ import annotations

import argparse
import json
import select
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent.parent
for _p in (str(_HERE.parent), str(_HERE / "lib"), str(_HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)


class SimulatedKiosk:
    def __init__(self, cfg: dict, real_mqtt: bool = True):
        from firmware import fakes

        self._fakes = fakes
        self.hw = fakes.install(real_mqtt=real_mqtt)
        for name in ("board", "main"):
            sys.modules.pop(name, None)
        import board
        import main
        from kiosk import config
        from kiosk.node import Node

        self.cfg = config.resolve(cfg)
        if self.cfg["link"] == "wifi":
            self.hw["network"].ACCESS_POINTS[self.cfg["wifi"]["ssid"]] = self.cfg["wifi"]["password"]
        self.board = board.Board(self.cfg)
        self.link = main.make_link(self.cfg, self.board)
        self.node = Node(self.cfg, self.board, self.link)
        self._last = time.monotonic()

    def step(self) -> None:
        now = time.monotonic()
        self.hw["utime"].advance(max(1, int((now - self._last) * 1000)))
        self._last = now
        self.node.step()

    def run(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.step()
            time.sleep(0.01)

    def scan(self, code: str) -> None:
        self.hw["machine"].uart(self.cfg["scanner"]["uart"]).inject(code.encode() + b"\r")

    def press(self, button: str, hold_s: float = 0.08) -> None:
        pin = self.hw["machine"].pins[self.cfg["buttons"][button]]
        pin.level = 0 if self.cfg["buttons"]["active_low"] else 1
        self.run(hold_s)
        pin.level = 1 - pin.level
        self.run(hold_s)

    def screen(self) -> list[str]:
        return [r for r in self.board.display.fb.rows() if r]

    def close(self) -> None:
        if self.link.up and getattr(self.link, "client", None) is not None:
            self.link.client.disconnect()
        for name in ("board", "main"):
            sys.modules.pop(name, None)
        self._fakes.uninstall()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", required=True, type=Path, help="the node's config.json (link wifi)")
    args = ap.parse_args(argv)
    kiosk = SimulatedKiosk(json.loads(args.config.read_text()))
    shown: list[str] = []
    try:
        while True:
            kiosk.step()
            if kiosk.screen() != shown:
                shown = kiosk.screen()
                print("[display] " + " | ".join(shown), flush=True)
            if select.select([sys.stdin], [], [], 0.01)[0]:
                line = sys.stdin.readline()
                cmd = line.strip()
                if not line or cmd == "q":
                    return 0
                if cmd in ("p", "n"):
                    kiosk.press("paper" if cmd == "p" else "no_paper")
                elif cmd:
                    kiosk.scan(cmd)
    except KeyboardInterrupt:
        return 0
    finally:
        kiosk.close()


if __name__ == "__main__":
    sys.exit(main())
