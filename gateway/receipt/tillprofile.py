"""Till profiles: a technician pins the layout of one till brand (TOML).

The generic extractor needs no profile. When a till prints something it does not
read (its own words, a compact date, an article-number column), a profile adds
words and patterns, or cuts item lines into fixed columns:

    [till]      name, description, currency
    [keywords]  extra words per field, tried before the built-in ones
    [patterns]  regular expressions: receipt_number (group `number`), date (groups
                day month year [hour minute second]), total (group `amount`), item
                (groups description quantity unit_price amount vat_code),
                items_start, items_end, skip (a list)
    [columns]   item lines cut at fixed columns: "start:end", 0-based, end excluded

Built-in profiles live beside this module in `tills/NAME.toml`; `load_till_profile`
takes a built-in name or a path. Errors name the file, line, section and key.
"""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal
from importlib import resources
from pathlib import Path

from gateway.config.schema import ConfigError, Option, Section, load_file, load_text
from gateway.receipt.items import Item, classify, split_vat_code
from gateway.receipt.numbers import find_amounts, parse_number

KEYWORD_FIELDS = ("total", "subtotal", "receipt_number", "cash", "card", "voucher", "meal_voucher",
                  "gift_card", "change", "discount", "deposit", "savings", "vat_total", "net_total",
                  "loyalty_earned", "loyalty_balance", "loyalty_card", "fiscal")
PATTERNS = ("receipt_number", "date", "total", "item", "items_start", "items_end")
COLUMNS = ("description", "quantity", "unit_price", "amount", "vat_code")


def _regex_check(keys):
    def check(values):
        problems = []
        for key in keys:
            for rx in (values.get(key) if isinstance(values.get(key), list) else [values.get(key)]):
                if not rx:
                    continue
                try:
                    re.compile(rx)
                except re.error as exc:
                    problems.append((key, f"not a valid regular expression: {exc}",
                                     "check brackets and escape backslashes with single quotes '...'"))
        return problems
    return check


SECTIONS = {
    "till": Section("till", {
        "name": Option("str", help="profile name", pattern=r"[A-Za-z0-9_.\-]{1,64}"),
        "description": Option("str", "", "what till this is for"),
        "currency": Option("str", "", "ISO currency when the receipt never prints one", pattern=r"|[A-Z]{3}"),
    }, required=True, help="name = \"...\""),
    "keywords": Section("keywords", {k: Option("list", [], f"extra words for {k}") for k in KEYWORD_FIELDS}),
    "patterns": Section("patterns", {
        **{k: Option("str", "", f"regular expression for {k}") for k in PATTERNS},
        "skip": Option("list", [], "regular expressions: lines to ignore"),
    }, checks=[_regex_check((*PATTERNS, "skip"))]),
    "columns": Section("columns", {k: Option("str", "", f"columns of {k}: start:end", pattern=r"|\d{1,3}:\d{1,3}")
                                   for k in COLUMNS},
                       checks=[lambda v: [] if not any(v.values()) or v.get("amount") else
                               [("amount", "columns need at least the amount column", "add amount = \"start:end\"")]]),
}


class TillProfile:
    def __init__(self, cfg: dict):
        from gateway.receipt.extractor import Words

        till, kw, pat, cols = (cfg.get(s) or {} for s in ("till", "keywords", "patterns", "columns"))
        self.name: str = till["name"]
        self.description: str = till.get("description", "")
        self.currency: str | None = till.get("currency") or None
        self.words = Words({k: v for k, v in kw.items() if v})
        comp = {k: re.compile(pat[k], re.I) if pat.get(k) else None for k in PATTERNS}
        self.receipt_re, self.date_re, self.total_re = comp["receipt_number"], comp["date"], comp["total"]
        self.item_re, self.start_re, self.end_re = comp["item"], comp["items_start"], comp["items_end"]
        self.skip_res = [re.compile(r, re.I) for r in pat.get("skip", [])]
        self.columns = {k: tuple(int(x) for x in v.split(":")) for k, v in cols.items() if v}

    def skip_lines(self, text: list[str]) -> set[int]:
        return {i for i, line in enumerate(text) if any(r.search(line) for r in self.skip_res)}

    def items_start(self, text: list[str]) -> int | None:
        return _first(self.start_re, text)

    def items_end(self, text: list[str]) -> int | None:
        start = self.items_start(text) or -1
        for i, line in enumerate(text):
            if i > start and self.end_re is not None and self.end_re.search(line):
                return i
        return None

    def find_receipt_number(self, text: list[str]) -> str | None:
        for line in text:
            m = self.receipt_re.search(line) if self.receipt_re else None
            if m:
                return (m.groupdict().get("number") or m.group(m.lastindex or 0)).strip()
        return None

    def find_datetime(self, text: list[str]) -> tuple[date, time | None] | None:
        for line in text:
            m = self.date_re.search(line) if self.date_re else None
            if not m:
                continue
            g = m.groupdict()
            try:
                year = int(g["year"])
                d = date(year + 2000 if year < 100 else year, int(g["month"]), int(g["day"]))
                t = time(int(g["hour"]), int(g["minute"]), int(g.get("second") or 0)) if g.get("hour") else None
            except (KeyError, TypeError, ValueError):
                continue
            return d, t
        return None

    def parse_item(self, line: str, pending: str = "") -> Item | None:
        fields: dict[str, str] | None = None
        if self.item_re is not None:
            m = self.item_re.search(line)
            if m:
                fields = {k: v for k, v in m.groupdict().items() if v is not None}
        elif self.columns:
            fields = {k: line[a:b].strip() for k, (a, b) in self.columns.items()}
        if not fields or not fields.get("amount"):
            return None
        found = find_amounts(fields["amount"])
        if not found:
            return None
        amount = found[-1][0]
        qty = parse_number(fields["quantity"]) if fields.get("quantity") else None
        unit_found = find_amounts(fields.get("unit_price", ""))
        unit = unit_found[-1][0] if unit_found else None
        code = fields.get("vat_code") or None
        if code is None and "vat_code" not in self.columns and self.item_re is None:
            code, _ = split_vat_code(line, len(line.rstrip()))
        own = " ".join(fields.get("description", "").split())
        description = " ".join(f"{pending} {own}".split())
        kind = classify(description, amount)
        if kind == "discount":
            qty = unit = None
        elif qty is None:
            qty = Decimal(1)
        if unit is None and qty and kind != "discount":
            unit = abs(amount) / qty if (abs(amount) / qty) == (abs(amount) / qty).quantize(Decimal("0.01")) else None
        return Item(description, abs(qty) if qty is not None else None, unit, amount, code, kind, own,
                    len(own))


def _first(rx, text):
    if rx is None:
        return None
    for i, line in enumerate(text):
        if rx.search(line):
            return i
    return None


def builtin_names() -> list[str]:
    folder = resources.files("gateway.receipt") / "tills"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_till_profile(name_or_path: str) -> TillProfile:
    """A built-in profile by name, or a .toml file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or "/" in name_or_path:
        return TillProfile(load_file(path, SECTIONS))
    names = builtin_names()
    if name_or_path not in names:
        raise ConfigError(f"unknown till profile {name_or_path!r}", file="--till-profile",
                          remedy="use one of: " + ", ".join(names) + ", or the path of a .toml file")
    ref = resources.files("gateway.receipt") / "tills" / f"{name_or_path}.toml"
    return TillProfile(load_text(ref.read_text(encoding="utf-8"), SECTIONS, file=f"built-in:{name_or_path}"))
