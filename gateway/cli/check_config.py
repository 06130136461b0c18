"""`receipt-gateway check-config FILE [--strict] [--json]`: validate a config, show it resolved.

Prints every problem at once (file:line, section, key, bad value, allowed values, "did
you mean"), each with its fix, and exits 2; or prints the resolved config with the
defaults filled in (marked `# default`), secrets masked, and exits 0. Files the config
names (broker password, TLS files, card HMAC key) are checked too: a secret file must be
mode 0600 or stricter and owned by the service user or root. A file that is not on this
machine (checking a config on a laptop before copying it to the box) is a warning;
with --strict (and in `doctor`) it is an error.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from gateway.config.schema import Config, ConfigError, line_of
from gateway.config.secrets import check_config_secrets
from gateway.config.sections import SECTIONS, load

MASK = "********"
SECRET_VALUES = {("mqtt", "password")}  # options whose value itself is a secret
PLAIN_FILES = (("mqtt", "ca_file"), ("mqtt", "cert_file"))
ABSENT = {  # what leaving out an optional section means
    "scanner": "no card is ever scanned; every receipt follows [policy] default",
    "loyalty": "card scanning is refused at start",
    "policy": "every receipt is printed on paper",
}


def add_arguments(p) -> None:
    p.add_argument("file", metavar="FILE", help="the config file to check (e.g. /etc/receipt-gateway/gateway.toml)")
    p.add_argument("--strict", action="store_true",
                   help="files the config names must exist here (use on the box itself)")
    p.add_argument("--json", action="store_true", help="print the resolved config as JSON")


def is_hub_config(path: str | Path) -> bool:
    """A hub's config (`receipt-gateway hub --config`) has a [hub] section; a gateway's never does."""
    try:
        return "hub" in tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False   # the gateway loader says what is wrong with the file


def sections_of(path: str | Path) -> dict:
    from gateway.config.hub import HUB_SECTIONS

    return HUB_SECTIONS if is_hub_config(path) else SECTIONS


def validate(path: str | Path, *, strict: bool, hub_ok: bool = True) -> tuple[Config, list[str]]:
    """Load and check everything; returns (config, warnings) or raises ConfigError (all problems).
    `hub_ok=False`: a hub's config is refused (the running gateway reads its file again)."""
    from gateway.config.schema import load_file

    if is_hub_config(path) and not hub_ok:
        raise ConfigError("this is a hub's config (it has a [hub] section), not the gateway's", file=str(path),
                          remedy="put the gateway's config back at this path")
    cfg = load_file(path, sections_of(path)) if is_hub_config(path) else load(path)
    problems, warnings = validate_loaded(cfg, strict=strict)
    if problems:
        first = problems[0]
        first.problems = problems
        raise first
    return cfg, warnings


def validate_loaded(cfg: Config, *, strict: bool) -> tuple[list[ConfigError], list[str]]:
    """Checks beyond the schema: files the config names, the printer profile, the broker settings."""
    problems, missing = check_config_secrets(cfg, must_exist=strict)
    for section, key in PLAIN_FILES:
        value = cfg.section(section).get(key)
        if value and not Path(value).is_file():
            error = ConfigError(f"{value}: no such file", file=cfg.path, line=line_of(cfg.text, section, key),
                                section=section, key=key, remedy="give the path of the PEM file, or remove the key")
            (problems.append(error) if strict else missing.append(f"[{section}] {key} = {value}"))
    if "printer" in cfg:          # a gateway's config (a hub's has no printer)
        problems += _profile_problems(cfg) + _live_problems(cfg)
    if not problems and not missing:
        problems += _broker_problems(cfg)
    return problems, [f"not on this machine: {m}; it must exist on the box" for m in missing]


def _profile_problems(cfg: Config) -> list[ConfigError]:
    from gateway.printer.profiles import UnknownProfile, get_profile

    name = cfg["printer"].get("profile") or "default"
    try:
        get_profile(name)
    except UnknownProfile as exc:
        hint = str(exc).split(" Known profiles:")[0]
        return [ConfigError(hint, file=cfg.path, line=line_of(cfg.text, "printer", "profile"), section="printer",
                            key="profile", remedy="use a python-escpos profile name (e.g. TM-T88V, TM-T20II) "
                            "or \"default\"")]
    return []


def _live_problems(cfg: Config) -> list[ConfigError]:
    """What the service builds from the file at start and at a reload: till profile, always_print rules."""
    from gateway.reload import LiveSettings

    try:
        LiveSettings.from_config(cfg)
    except ConfigError as exc:
        return [exc]
    return []


def _broker_problems(cfg: Config) -> list[ConfigError]:
    """The broker settings as the service builds them (URL, inline password rule, TLS pairs)."""
    from gateway.mqtt.broker import BrokerSettings

    try:
        BrokerSettings.from_section(cfg["mqtt"], cfg.path)
    except ConfigError as exc:
        if exc.line is None:
            exc.line = line_of(cfg.text, exc.section, exc.key)
        return [exc]
    return []


def masked(cfg: Config) -> dict:
    return {name: {key: (MASK if (name, key) in SECRET_VALUES and value else value)
                   for key, value in values.items()}
            for name, values in cfg.items()}


def render_toml(cfg: Config, given: dict) -> list[str]:
    """The resolved config as TOML lines, defaults marked, secrets masked."""
    lines: list[str] = []
    for name, values in masked(cfg).items():
        if lines:
            lines.append("")
        lines.append(f"[{name}]")
        for key, value in values.items():
            text = f"{key} = {_toml_value(key, value)}"
            if key not in (given.get(name) or {}):
                if value in ("", [], {}):
                    continue  # an option left empty: nothing to show
                text = f"{text:<40} # default"
            lines.append(text)
    for name in sections_of(cfg.path) if cfg.path else SECTIONS:
        if name not in cfg:
            meaning = ABSENT.get(name, "built-in defaults")
            lines.append(f"# [{name}] not in the file: {meaning}")
    return lines


def _toml_value(key: str, value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and key.startswith("usb_"):
        return f"0x{value:04x}"
    if isinstance(value, dict):  # an inline table: { 2 = "CP858" }
        return "{ " + ", ".join(f"{k} = {_toml_value(str(k), v)}" for k, v in value.items()) + " }" if value else "{}"
    if isinstance(value, float) and value.is_integer():
        return f"{value:.1f}"
    return json.dumps(value, ensure_ascii=False)


def run(args) -> int:
    from gateway.cli.report import Report

    cfg, warnings = validate(args.file, strict=args.strict)
    given = tomllib.loads(cfg.text)
    if args.json:
        defaults = [f"{s}.{k}" for s, values in cfg.items() for k in values if k not in (given.get(s) or {})]
        print(json.dumps({"file": cfg.path, "valid": True, "config": masked(cfg), "defaults": defaults,
                          "warnings": warnings}, indent=2, ensure_ascii=False))
        return 0
    report = Report()
    report.heading(f"{cfg.path}: valid")
    report.line("", indent=0)
    for line in render_toml(cfg, given):
        report.line(line, indent=0)
    for warning in warnings:
        report.warn("file", warning, "copy it there with mode 0600 (secrets), then run check-config --strict on the box")
    return 0
