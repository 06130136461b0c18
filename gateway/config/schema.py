"""Declarative, strict config schemas.

Each section is a `Section` of named `Option`s. Loading checks every key and
value and raises `ConfigError` naming the file, line, section and key, with the
allowed values and a "did you mean" hint. No I/O happens here except reading the
file passed to `load_file`.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REQUIRED = object()


class ConfigError(ValueError):
    """A config problem a technician can fix; `str()` is the full message."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 section: str | None = None, key: str | None = None, remedy: str | None = None):
        self.message, self.file, self.line = message, file, line
        self.section, self.key, self.remedy = section, key, remedy
        #: every problem found in the file (this one first), so a technician fixes them in one go
        self.problems: list[ConfigError] = [self]
        super().__init__(self.render())

    def render(self) -> str:
        where = self.file or "<config>"
        if self.line:
            where += f":{self.line}"
        place = ""
        if self.section and self.key:
            place = f" [{self.section}] {self.key}:"
        elif self.section:
            place = f" [{self.section}]:"
        text = f"{where}:{place} {self.message}"
        if self.remedy:
            text += f"\n  fix: {self.remedy}"
        return text


def did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" Did you mean [{close[0]}]?" if close else ""


@dataclass(frozen=True)
class Option:
    """One config key: its type, default and limits."""

    kind: str  # str | int | float | bool | address | path | url | list | table
    default: Any = REQUIRED
    help: str = ""
    minval: float | None = None
    maxval: float | None = None
    choices: tuple[str, ...] | None = None
    pattern: str | None = None
    # table: checks and converts the whole inline table; raises ValueError with the message
    check: Callable[[dict], Any] | None = None

    def convert(self, value: Any) -> Any:
        """Return the checked value or raise ValueError with a message."""
        k = self.kind
        if k == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"must be true or false, not {value!r}")
            return value
        if k in ("int", "float"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"must be a number, not {value!r}")
            if k == "int" and not isinstance(value, int):
                raise ValueError(f"must be a whole number, not {value!r}")
            if self.minval is not None and value < self.minval:
                raise ValueError(f"{value} is below the minimum {self.minval:g}{self._range()}")
            if self.maxval is not None and value > self.maxval:
                raise ValueError(f"{value} is above the maximum {self.maxval:g}{self._range()}")
            return float(value) if k == "float" else value
        if k == "table":
            if not isinstance(value, dict):
                raise ValueError(f"must be an inline table {{ key = value, ... }}, not {value!r}")
            return self.check(value) if self.check else dict(value)
        if k == "list":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"must be a list of strings, not {value!r}")
            return list(value)
        if not isinstance(value, str):
            raise ValueError(f"must be a string, not {value!r}")
        if self.choices is not None and value not in self.choices:
            allowed = " | ".join(self.choices)
            raise ValueError(f"{value!r} is not one of {allowed}.{did_you_mean(value, self.choices)}")
        if k == "address":
            parse_address(value)
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise ValueError(f"{value!r} does not have the expected form ({self.help or self.pattern})")
        return value

    def _range(self) -> str:
        if self.minval is not None and self.maxval is not None:
            return f" (allowed: {self.minval:g} to {self.maxval:g})"
        return ""

    def describe(self) -> str:
        """The allowed values, for messages and `check-config`."""
        if self.kind == "table":
            return "an inline table { key = value, ... }"
        if self.choices is not None:
            return " | ".join(repr(c) if c == "" else c for c in self.choices)
        if self.minval is not None or self.maxval is not None:
            lo = "" if self.minval is None else f"{self.minval:g}"
            hi = "" if self.maxval is None else f"{self.maxval:g}"
            return f"{self.kind} {lo}..{hi}"
        return self.kind


def parse_address(value: str, default_port: int | None = None) -> tuple[str, int]:
    """'host:port' -> (host, port). IPv6 as '[::1]:9100'."""
    m = re.fullmatch(r"\[(?P<h6>[^\]]+)\]:(?P<p6>\d+)|(?P<h>[^:\s]*):(?P<p>\d+)|(?P<only>[^:\s]+)", value)
    if not m:
        raise ValueError(f"{value!r} is not host:port (e.g. 0.0.0.0:9100)")
    if m.group("only") is not None:
        if default_port is None:
            raise ValueError(f"{value!r} has no port; write host:port (e.g. {value}:9100)")
        return m.group("only"), default_port
    host = m.group("h6") if m.group("h6") is not None else m.group("h")
    port = int(m.group("p6") or m.group("p"))
    if not 0 <= port <= 65535:
        raise ValueError(f"port {port} is out of range 0..65535")
    return host or "0.0.0.0", port


@dataclass
class Section:
    name: str
    options: Mapping[str, Option]
    required: bool = False
    help: str = ""
    # cross-field checks: f(values) -> list of (key, message, remedy)
    checks: list[Callable[[dict], list[tuple[str | None, str, str | None]]]] = field(default_factory=list)


class Config(dict):
    """Resolved config: {section: {key: value}} plus where it came from."""

    path: str | None = None
    text: str = ""  # the file's text, to find line numbers of later checks (secret files)

    def section(self, name: str) -> dict:
        return self.get(name) or {}


def line_of(text: str, section: str | None, key: str | None) -> int | None:
    """Best-effort line number of a section header or a key inside it."""
    if not text:
        return None
    current = None
    header_line = None
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        m = re.match(r"\[\s*([^\]]+?)\s*\]", line)
        if m:
            current = m.group(1)
            if current == section:
                header_line = no
                if key is None:
                    return no
            continue
        if current == section and key is not None:
            km = re.match(r'"?([A-Za-z0-9_\-]+)"?\s*=', line)
            if km and km.group(1) == key:
                return no
    return header_line


def load_text(text: str, sections: Mapping[str, Section], *, file: str | None = None) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(f"not valid TOML: {exc}", file=file, line=int(m.group(1)) if m else None,
                          remedy="check quotes around strings and [section] headers") from None
    return resolve(data, sections, file=file, text=text)


def load_file(path: str | Path, sections: Mapping[str, Section]) -> Config:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found", file=str(p),
                          remedy="pass the right path with --config, or copy an example from hardware/config/") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", file=str(p)) from None
    cfg = load_text(text, sections, file=str(p))
    cfg.path = str(p)
    return cfg


def resolve(data: dict, sections: Mapping[str, Section], *, file: str | None = None,
            text: str = "") -> Config:
    """Check `data` against `sections`; raise the first ConfigError with all of them in `.problems`."""
    problems: list[ConfigError] = []

    def err(msg, section=None, key=None, remedy=None):
        problems.append(ConfigError(msg, file=file, line=line_of(text, section, key), section=section,
                                    key=key, remedy=remedy))

    out = Config()
    out.text = text
    for name, body in data.items():
        if not isinstance(body, dict):
            owners = [s for s, sec in sections.items() if name in sec.options]
            problems.append(ConfigError(
                f"{name} = {body!r} is outside any [section]", file=file, line=line_of(text, None, name),
                remedy=f"move it under [{owners[0]}]" if owners else "put it under its [section] header"))
        elif name not in sections:
            err(f"[{name}] is not a known section.{did_you_mean(name, sections)}",
                section=name, remedy="known sections: " + ", ".join(sections))
    for name, sec in sections.items():
        body = data.get(name)
        if not isinstance(body, dict):
            if body is None and sec.required:
                err(f"the required section [{name}] is missing", section=name,
                    remedy=f"add a [{name}] section ({sec.help})" if sec.help else None)
            continue
        values, ok = _resolve_section(name, sec, body, sections, err)
        if ok:  # cross-field checks only on values that passed their own checks
            for check in sec.checks:
                for key, msg, remedy in check(values):
                    err(msg, section=name, key=key, remedy=remedy)
        out[name] = values
    if problems:
        first = problems[0]
        first.problems = problems
        raise first
    return out


def _resolve_section(name: str, sec: Section, body: dict, sections: Mapping[str, Section], err):
    values: dict[str, Any] = {}
    ok = True
    for key, value in body.items():
        opt = sec.options.get(key)
        if opt is None:
            ok = False
            elsewhere = [s for s, other in sections.items() if s != name and key in other.options]
            hint = f" ({key} is an option of [{elsewhere[0]}])" if elsewhere else ""
            err(f"[{key}] is an invalid option for [{name}].{did_you_mean(key, sec.options)}{hint}",
                section=name, key=key, remedy="valid options: " + ", ".join(sec.options))
            continue
        try:
            values[key] = opt.convert(value)
        except ValueError as exc:
            ok = False
            err(str(exc), section=name, key=key,
                remedy=(f"{opt.help}; allowed: {opt.describe()}" if opt.help else f"allowed: {opt.describe()}"))
    for key, opt in sec.options.items():
        if key not in values and key not in body:
            if opt.default is REQUIRED:
                ok = False
                err(f"the required option {key} is missing", section=name, key=None,
                    remedy=f"add `{key} = ...` under [{name}]" + (f" ({opt.help})" if opt.help else ""))
                continue
            values[key] = type(opt.default)(opt.default) if isinstance(opt.default, list | dict) else opt.default
    return values, ok
