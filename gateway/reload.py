"""Reloading the config of a running service (`{p}/cmd/reload_config`, SIGHUP, `systemctl reload`).

    new = read_new(path)                      # check-config's checks; ConfigError with every problem
    keys = changed(running_cfg, new)          # [(section, key), ...] whose value differs
    live, later = split(keys)                 # taken at once / wait for `systemctl restart receipt-gateway`
    settings = LiveSettings.from_config(merged(running_cfg, new, live))

A key is *live* when the service reads it at each receipt, scan or tick and changing it
between two receipts is safe: the delivery policy, the QR link, what the extractor assumes,
the printer's own code page numbers (the decoder is built per till connection: the next
connection decodes with them; the profile itself is not live, it sizes the paper),
the display's language, card number rules, log level, health and republish intervals. Every
other key builds something at start (till and printer links, ports, broker connection and
identity, data_dir, printer profile, outbox limits, scanner and display devices, the card key):
it is reported as waiting for a restart and not applied at all, so the service never runs
half on the old and half on the new setting. An invalid file changes nothing.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from gateway.config.schema import REQUIRED, Config, ConfigError, line_of
from gateway.config.sections import SECTIONS

RESTART_COMMAND = "systemctl restart receipt-gateway"

LIVE_KEYS: frozenset[tuple[str, str]] = frozenset({
    ("gateway", "log_level"),
    ("policy", "default"), ("policy", "card_window_s"), ("policy", "country"), ("policy", "always_print"),
    ("qr", "url_template"),
    ("printer", "code_pages"),
    ("decoder", "raw_bytes"), ("decoder", "till_profile"), ("decoder", "currency"),
    ("display", "language"), ("display", "currency"),
    ("scanner", "patterns"), ("scanner", "prefixes"),
    ("mqtt", "health_interval_s"),
    ("outbox", "republish_after_s"), ("outbox", "retention_s"),
})


def name(key: tuple[str, str]) -> str:
    return f"[{key[0]}] {key[1]}"


def value(cfg: dict, section: str, key: str):
    """The value in effect: the file's, else the option's default (an absent section: its defaults)."""
    body = cfg.get(section) or {}
    if key in body:
        return body[key]
    default = SECTIONS[section].options[key].default
    return None if default is REQUIRED else default


def changed(old: dict, new: dict) -> list[tuple[str, str]]:
    """Keys whose value in effect differs, in the order of the sections and options."""
    out = []
    for section, sec in SECTIONS.items():
        if (section in old) != (section in new) and section == "loyalty":
            out.append((section, "hmac_key_file"))  # card scanning on or off: a restart either way
            continue
        out += [(section, key) for key in sec.options if value(old, section, key) != value(new, section, key)]
    return out


def split(keys: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    live = [k for k in keys if k in LIVE_KEYS]
    return live, [k for k in keys if k not in LIVE_KEYS]


def merged(running: Config, new: Config, keys: list[tuple[str, str]]) -> Config:
    """`running` with `keys` taken from `new`: the config the service runs after a reload."""
    out = Config(copy.deepcopy(dict(running)))
    out.path, out.text = new.path, new.text
    for section, key in keys:
        out.setdefault(section, {})[key] = value(new, section, key)
    return out


def read_new(path: str) -> tuple[Config, list[str]]:
    """The file checked as `receipt-gateway check-config` checks it (which builds the live settings
    too): (config, warnings), or ConfigError with every problem in `.problems`."""
    from gateway.cli.check_config import validate

    return validate(path, strict=False, hub_ok=False)


@dataclass(frozen=True)
class LiveSettings:
    """Everything the live keys decide, built (and checked) before any of it is applied."""

    log_level: str
    policy: object  # gateway.loyalty.policy.Policy
    card_window_s: float
    qr_template: str
    include_raw: bool
    till_profile: object  # gateway.receipt.tillprofile.TillProfile | None
    currency: str
    card_rules: object  # gateway.scanner.cards.CardRules
    display_language: str
    display_currency: str
    health_interval_s: float
    republish_after_s: float
    retention_s: float
    decoder_profile: object = None  # [printer] profile with code_pages over it (gateway.printer.profiles)

    @classmethod
    def from_config(cls, cfg: dict) -> LiveSettings:
        """ConfigError naming the file, line and key when a live key's value cannot be used."""
        from gateway.loyalty.policy import Policy
        from gateway.printer.profiles import configured
        from gateway.scanner.cards import rules_from_config

        def v(section: str, key: str):
            return value(cfg, section, key)

        def problem(section: str, key: str, exc: Exception) -> ConfigError:
            message, remedy = str(exc), "fix or remove that entry"
            if isinstance(exc, ConfigError):  # the till profile's own file says where, when it has one
                message, remedy = exc.message, exc.remedy
                if exc.file and exc.file != "--till-profile":
                    message = f"{exc.file}{f':{exc.line}' if exc.line else ''}: {exc.message}"
            return ConfigError(message, file=getattr(cfg, "path", None), line=line_of(getattr(cfg, "text", ""),
                               section, key), section=section, key=key, remedy=remedy)

        try:
            policy = Policy.from_config(cfg)
        except ValueError as exc:
            raise problem("policy", "always_print", exc) from None
        till_profile = None
        if v("decoder", "till_profile"):
            from gateway.receipt.tillprofile import load_till_profile

            try:
                till_profile = load_till_profile(v("decoder", "till_profile"))
            except ConfigError as exc:
                raise problem("decoder", "till_profile", exc) from None
        try:
            rules = rules_from_config(cfg.get("scanner") or {})
        except ValueError as exc:
            raise problem("scanner", "patterns", exc) from None
        return cls(log_level=v("gateway", "log_level"), policy=policy, card_window_s=v("policy", "card_window_s"),
                   qr_template=v("qr", "url_template"), include_raw=bool(v("decoder", "raw_bytes")),
                   till_profile=till_profile, currency=v("decoder", "currency") or "EUR", card_rules=rules,
                   display_language=v("display", "language"), display_currency=v("display", "currency"),
                   health_interval_s=v("mqtt", "health_interval_s"),
                   republish_after_s=v("outbox", "republish_after_s"), retention_s=v("outbox", "retention_s"),
                   decoder_profile=configured({"profile": v("printer", "profile"),
                                               "code_pages": v("printer", "code_pages")}))
