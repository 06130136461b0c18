"""`receipt-gateway display-test --config FILE [--output png DIR]`: show each customer screen.

Shows every screen in turn on the configured display ([display] output): idle, card accepted
(qr, none, paper), receipt sent (QR code and total), printing, and each error. With
`--output png DIR` the screens are (also) written as PNG files. Exit 0 when every screen
reached every output, 1 when an output failed, 2 on a config or device problem.
"""

from __future__ import annotations

import time

from gateway.cli import UserError
from gateway.config import load
from gateway.display import Display, DisplayError
from gateway.display.screens import all_screens
from gateway.display.texts import LANGUAGES

DEFAULT_CONFIG = "/etc/receipt-gateway/gateway.toml"


def add_arguments(p) -> None:
    p.add_argument("--config", default=DEFAULT_CONFIG, help=f"gateway config (default {DEFAULT_CONFIG})")
    p.add_argument("--output", nargs=2, metavar=("png", "DIR"), help="also write the screens as PNG files to DIR")
    p.add_argument("--language", choices=LANGUAGES, help="screen language (default: [display] language)")
    p.add_argument("--delay", type=float, default=None,
                   help="seconds each screen stays up (default 2 on a panel, 0 for PNG files only)")


def run(args) -> int:
    cfg = load(args.config)
    png_dir = None
    if args.output:
        kind, png_dir = args.output
        if kind != "png":
            raise UserError(f"--output {kind} is not known", "write --output png DIR")
    d = cfg.get("display") or {}
    if d.get("output", "none") == "none" and not png_dir:
        raise UserError(f"no display is configured in {args.config}",
                        'set [display] output = "framebuffer" | "luma" | "kiosk" | "png", '
                        "or pass --output png DIR")
    link = _kiosk_link(cfg) if d.get("output") == "kiosk" else None
    try:
        display = Display.from_config(cfg, kiosk_link=link, png_dir=png_dir)
    except DisplayError as exc:
        if link is not None:
            link.close()
        raise UserError(exc.message, exc.remedy) from None
    if args.language:
        display.language = args.language
    on_panel = d.get("output", "none") not in ("none", "png")
    delay = args.delay if args.delay is not None else (2.0 if on_panel else 0.0)
    where = ", ".join(_describe(out) for out in display.outputs)
    screens = all_screens(display.language)
    print(f"display-test: {len(screens)} screens at {display.size[0]}x{display.size[1]} "
          f"({display.language}) on {where}", flush=True)
    try:
        for n, screen in enumerate(screens, 1):
            failures = display.failures
            t0 = time.perf_counter()
            display.show(screen)
            ms = (time.perf_counter() - t0) * 1000
            status = "ok" if display.failures == failures else "FAILED (see the warning above)"
            print(f"{n:2}. {screen.label:<24} {' | '.join(screen.kiosk_lines())}  [{ms:.0f} ms] {status}", flush=True)
            if delay:
                time.sleep(delay)
        display.show_idle()
    except KeyboardInterrupt:
        print()
    finally:
        display.close()
        if link is not None:
            link.close()
    for out in display.outputs:
        written = getattr(out, "written", None)
        if written:
            print(f"display-test: wrote {len(set(written))} PNG files to {out.folder}", flush=True)
    if display.failures:
        print(f"display-test: {display.failures} screen(s) did not reach the display", flush=True)
        return 1
    return 0


def _describe(out) -> str:
    name = type(out).__name__.removesuffix("Output").lower()
    detail = {"framebuffer": getattr(out, "device", ""), "png": getattr(out, "folder", "")}.get(name, "")
    return f"{name} {detail}".strip()


def _kiosk_link(cfg):
    from gateway.scanner import ScannerError, open_source

    if (cfg.get("scanner") or {}).get("source") != "kiosk":
        raise UserError('[display] output = "kiosk" needs the kiosk node as the scanner',
                        'set [scanner] source = "kiosk", or choose another [display] output')
    try:
        link = open_source(cfg)
    except ScannerError as exc:
        raise UserError(exc.message, exc.remedy) from None
    wait = getattr(link, "wait_connected", None)
    if wait is not None and not wait(3):
        link.close()
        raise UserError(f"cannot reach the kiosk's broker {cfg['scanner']['kiosk_broker']}",
                        "is mosquitto running on this box? (systemctl status mosquitto)")
    return link
