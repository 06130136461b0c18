"""Sample receipts with their known truth, printed by python-escpos (`Dummy`).

`make_sample(seed)` picks a language (nl/fr/de/en), a width (32/42/48 columns), a
layout, a code page and the receipt's content from the seed, prints it, and
returns the stream, the expected printed lines and the truth. LAYOUTS names the
layouts; TUNED are those the extractor was developed against, HELD_OUT the others.
"""

from __future__ import annotations

import random
import textwrap
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from gateway.printer.barcodes import hri_text
from gateway.samples import words as W
from gateway.samples.escpos_out import Out

CENT = Decimal("0.01")

# layout: how columns are made, how item lines look, the VAT table, where number/date go
LAYOUTS: dict[str, dict] = {
    "inline-spaces": dict(columns="spaces", items="inline", vat="full", header="one-line"),
    "qtycol-tabs": dict(columns="tabs", items="qtycol", vat="full", header="two-line"),
    "qtyline-abs": dict(columns="absolute", items="qtyline", vat="net-vat", header="two-line"),
    "simple-spaces": dict(columns="spaces", items="inline", vat="gross-vat", header="split"),
    "wrapped-tabs": dict(columns="tabs", items="inline", vat="full", header="one-line", narrow=True),
    # held out: never looked at while the extractor was written
    "leadqty-abs": dict(columns="absolute", items="leadqty", vat="reordered", header="two-line"),
    "qtybelow-spaces": dict(columns="spaces", items="qtybelow", vat="incl", header="footer"),
    "unitcol-tabs": dict(columns="tabs", items="unitcol", vat="net-vat", header="split"),
    # what other real tills do (session 2): VAT letter before the amount, trailing-minus and
    # bracketed negatives, EUR printed beside totals, quantity lines above the description,
    # EAN lines, right-aligned (ESC a 2) totals, savings / item-count lines near the total
    "codefirst-spaces": dict(columns="spaces", items="inline", vat="full", header="one-line",
                             code_first=True, neg="trail", cur="suffix", extras=True),
    "qtyabove-tabs": dict(columns="tabs", items="qtyabove", vat="gross-vat", header="two-line",
                          neg="paren", ean="above", total_align="right"),
    "unitcol-codefirst-abs": dict(columns="absolute", items="unitcol", vat="full", header="one-line",
                                  code_first=True, neg="trail", cur="suffix"),
    "leadqty-tabs": dict(columns="tabs", items="leadqty", vat="net-vat", header="footer", neg="paren",
                         total_align="right", extras=True),
    # held out (session 2): never looked at while tuning
    "eurcol-abs": dict(columns="absolute", items="qtyabove", vat="reordered", header="split",
                       code_first=True, neg="paren", cur="prefix", total_align="right", extras=True),
    "ean-below-spaces": dict(columns="spaces", items="qtybelow", vat="net-vat", header="footer",
                             neg="trail", ean="below", cur="suffix", extras=True),
}
TUNED = ["inline-spaces", "qtycol-tabs", "qtyline-abs", "simple-spaces", "wrapped-tabs",
         "codefirst-spaces", "qtyabove-tabs", "unitcol-codefirst-abs", "leadqty-tabs"]
HELD_OUT = ["leadqty-abs", "qtybelow-spaces", "unitcol-tabs", "eurcol-abs", "ean-below-spaces"]
LANGS = ["nl", "fr", "de", "en"]
WIDTHS = [32, 42, 48]
CODEPAGES = ["CP858", "CP1252", "magic"]
CARD_METHOD = {"Bancontact": "bancontact", "Maestro": "maestro", "Pinnen": "card", "Visa": "visa",
               "Carte bancaire": "card", "CB": "card", "EC-Karte": "girocard", "Girocard": "girocard",
               "Mastercard": "mastercard", "Card": "card"}


@dataclass
class Sample:
    name: str
    data: bytes
    lines: list[str]
    truth: dict
    lang: str
    width: int
    layout: str
    codepage: str
    codes: list[dict] = field(default_factory=list)


def fmt(value: Decimal, lang: str) -> str:
    s = f"{value.quantize(CENT):.2f}"
    return s if lang == "en" else s.replace(".", ",")


def fmt_signed(value: Decimal, lang: str, neg: str = "lead") -> str:
    """An amount as the till prints it: '-1,00' (lead), '1,00-' (trail) or '(1,00)' (paren)."""
    if value >= 0 or neg == "lead":
        return fmt(value, lang)
    digits = fmt(-value, lang)
    return f"{digits}-" if neg == "trail" else f"({digits})"


def fmt_qty(q: Decimal, lang: str) -> str:
    s = format(q.normalize(), "f")
    return s if lang == "en" else s.replace(".", ",")


def make_set(seeds, layouts=None, **kw) -> list[Sample]:
    """One sample per (seed, layout)."""
    return [make_sample(s, layout=lay, **kw) for s in seeds for lay in (layouts or TUNED)]


def make_sample(seed: int, *, lang: str | None = None, width: int | None = None,
                layout: str | None = None, codepage: str | None = None) -> Sample:
    rng = random.Random(f"{seed}-{lang}-{width}-{layout}-{codepage}")
    lang = lang or rng.choice(LANGS)
    layout = layout or rng.choice(list(LAYOUTS))
    spec = LAYOUTS[layout]
    width = width or (32 if spec.get("narrow") else rng.choice(WIDTHS))
    codepage = codepage or rng.choice(CODEPAGES)
    return _Builder(rng, lang, width, layout, spec, codepage, seed).build()


class _Builder:
    def __init__(self, rng, lang, width, layout, spec, codepage, seed):
        self.rng, self.lang, self.w, self.layout, self.spec = rng, lang, width, layout, spec
        self.codepage, self.seed = codepage, seed
        self.words = W.L[lang]
        self.out = Out(width, spec["columns"], codepage)
        self.codes_w = rng.random() < 0.8  # VAT letters printed beside amounts
        # column layouts wrap descriptions in their column: no word may be wider than it
        self.max_word = width - (2 if self.codes_w else 0) - 21 if spec["items"] in ("qtycol", "unitcol") else width

    # --- content ---------------------------------------------------------------------
    def build(self) -> Sample:
        rng, lang = self.rng, self.lang
        name, street, city, country = rng.choice(W.SHOPS[lang])
        self.country = country
        self.rates = W.VAT[country]
        vat_id_printed = rng.choice(W.VAT_IDS[country])
        number = rng.choice([f"{rng.randint(1, 999999):06d}", str(rng.randint(100, 99999)),
                             f"{rng.randint(1, 9)}-{rng.randint(1, 99999):05d}",
                             f"{rng.randint(2020, 2026)}-{rng.randint(1, 999999):06d}"])
        issued = datetime(2024, 1, 1) + timedelta(days=rng.randint(0, 900), minutes=rng.randint(420, 1260),
                                                  seconds=rng.choice([0, rng.randint(0, 59)]))
        items = self._items()
        total = sum((it["amount"] for it in items), Decimal(0))
        if total <= 0:
            items.append(self._item(Decimal(rng.randint(300, 2000)) / 100 - total))
            total = sum((it["amount"] for it in items), Decimal(0))
        vat_rows = self._vat_rows(items)
        payments, change, slip = self._payments(total)
        loyalty = ({"points_earned": str(int(total)), "points_balance": str(rng.randint(50, 5000))}
                   if rng.random() < 0.4 else None)

        o = self.out
        self._header(name, street, city, vat_id_printed)
        if self.spec["header"] in ("one-line", "two-line"):
            self._number_date(number, issued)
        if self.spec["header"] == "split":
            self._date_only(issued)
        o.rule(rng.choice("-=")) if rng.random() < 0.8 else o.blank()
        self._item_lines(items)
        o.rule("-")
        if rng.random() < 0.3:
            o.row(self._lr(self.words["subtotal"], fmt(total, lang)))
        label = rng.choice(self.words["total"])
        tall = rng.random() < 0.5
        extras = self.spec.get("extras") and rng.random() < 0.7
        if extras:  # adversarial: an item count worded like a total, before the total
            o.row(self._lr(f"{W.ITEM_COUNT[lang]} {sum(1 for it in items if it['kind'] == 'sale')}", ""))
        if self.spec.get("total_align") == "right":
            o.text(f"{label}  {self._cur(fmt(total, lang))}", align="right", bold=True, tall=tall)
        else:
            o.row(self._lr(label, self._cur(fmt(total, lang))), bold=True, tall=tall)
        saved = -sum((it["amount"] for it in items if it["kind"] == "discount"), Decimal(0))
        if extras and saved > 0:  # adversarial: savings worded like a total, after it
            o.row(self._lr(W.SAVED[lang], fmt(saved, lang)))
        o.blank()
        for text, amount in payments:
            o.row(self._lr(text, self._cur(fmt(amount, lang))))
        if change is not None:
            o.row(self._lr(self.words["change"], self._cur(fmt(change, lang))))
        o.blank()
        if rng.random() < 0.5:
            o.text(f"{self.words['items']}: {sum(1 for it in items if it['kind'] == 'sale')}")
        self._vat_table(vat_rows)
        if self.spec["header"] == "split":
            o.blank()
            o.text(f"{self.words['receipt'][0]} {number}")
        if self.spec["header"] == "footer":
            o.blank()
            self._number_date(number, issued)
        for line in slip:
            o.text(line)
        if loyalty:
            o.blank()
            o.text(f"{self.words['earned']}: {loyalty['points_earned']}")
            o.text(f"{self.words['balance']}: {loyalty['points_balance']}")
        fiscal, fiscal_qr = self._fiscal(number, issued, total)
        codes = []
        if fiscal_qr:
            o.qr(fiscal_qr)
            codes.append({"type": "qr", "data": fiscal_qr})
        o.blank()
        o.text(self.words["bye"], align="center")
        if rng.random() < 0.4:
            url = f"https://receipts.example.com/r/{rng.getrandbits(64):016x}"
            o.qr(url)
            codes.append({"type": "qr", "data": url})
        if rng.random() < 0.3:
            digits = f"{rng.randint(10**11, 10**12 - 1)}"
            o.barcode(digits, hri=rng.random() < 0.5)  # sent without its check digit, as tills do
            codes.append({"type": "ean13", "data": hri_text("ean13", digits)})  # what a scanner reads
        data = o.cut()
        truth = {
            "merchant": {"name": name, "address": f"{street}, {city}",
                         "vat_id": vat_id_printed.replace(" ", "").replace(".", "")},
            "receipt_number": number,
            "issued_at": issued.isoformat(timespec="seconds"),
            "currency": "EUR",
            "lines": [{k: _s(v, k) for k, v in it.items()} for it in items],
            "vat": [{k: _s(v, k) for k, v in r.items()} for r in vat_rows],
            "totals": {"gross": _s(total, "amount")},
            "payments": [{"method": m, "amount": _s(a, "amount"), "card_masked": c}
                         for m, a, c in self.pay_truth],
            "change": _s(change, "amount") if change is not None else None,
            "loyalty": loyalty,
            "fiscal_lines": fiscal,
            "codes": codes,
        }
        return Sample(f"{layout_tag(self)}-{self.seed}", data, o.lines, truth, lang, self.w,
                      self.layout, self.codepage, codes)

    def _product(self) -> str:
        for _ in range(20):
            p = self.rng.choice(W.PRODUCTS[self.lang])
            if self.out.encodable(p) and p not in self.used and \
                    max(len(w) for w in p.split()) <= self.max_word:
                self.used.add(p)
                return p
        return "Article"

    def _item(self, amount: Decimal, kind: str = "sale", desc: str | None = None, code=None) -> dict:
        return {"description": desc or self._product(), "quantity": Decimal(1), "unit_price": abs(amount),
                "amount": amount, "vat_code": code or self.rates[0][0], "kind": kind}

    def _items(self) -> list[dict]:
        rng, w = self.rng, self.words
        self.used: set[str] = set()
        items = []
        sale_codes = [c for c, _ in self.rates[:-1]]
        for _ in range(rng.randint(2, 10)):
            desc = self._product()
            code = rng.choice(sale_codes)
            unit = Decimal(rng.randint(29, 1999)) / 100
            qty = Decimal(rng.choice([1, 1, 1, 1, 2, 2, 3, 4, 6]))
            if self.spec["items"] in ("inline", "qtyline") and rng.random() < 0.12:
                qty = Decimal(rng.randint(150, 2500)) / 1000  # weighed, kg
            amount = (qty * unit).quantize(CENT, ROUND_HALF_UP)
            items.append({"description": desc, "quantity": qty, "unit_price": unit, "amount": amount,
                          "vat_code": code, "kind": "sale"})
            if rng.random() < 0.15 and amount > 1:
                off = (amount * Decimal(rng.choice([10, 20, 30, 50])) / 100).quantize(CENT)
                items.append({"description": rng.choice(w["discount"]), "quantity": None, "unit_price": None,
                              "amount": -off, "vat_code": code, "kind": "discount"})
        if rng.random() < 0.25:
            dep = Decimal(rng.choice(["0.10", "0.15", "0.25", "0.30"]))
            n = Decimal(rng.choice([1, 2, 6]))
            code = "A" if self.country == "DE" else self.rates[-1][0]
            items.append({"description": w["deposit"], "quantity": n, "unit_price": dep, "amount": n * dep,
                          "vat_code": code, "kind": "deposit"})
            if rng.random() < 0.3:
                back = Decimal(rng.choice(["0.25", "1.50", "3.00"]))
                items.append({"description": w["deposit_back"], "quantity": Decimal(1), "unit_price": back,
                              "amount": -back, "vat_code": code, "kind": "deposit"})
        if rng.random() < 0.1:
            desc = f"{w['ret']} {self._product()}"
            unit = Decimal(rng.randint(99, 999)) / 100
            items.append({"description": desc, "quantity": Decimal(1), "unit_price": unit, "amount": -unit,
                          "vat_code": self.rates[0][0], "kind": "return"})
        if not self.codes_w:
            for it in items:
                it["vat_code"] = None
        return items

    def _vat_rows(self, items) -> list[dict]:
        rows = []
        for code, rate in self.rates:
            members = [it for it in items if (it["vat_code"] or self._code_of(it)) == code]
            if not members:
                continue
            gross = sum((it["amount"] for it in members), Decimal(0))
            r = Decimal(rate)
            base = (gross * 100 / (100 + r)).quantize(CENT, ROUND_HALF_UP)
            rows.append({"code": code, "rate": rate, "base": base, "vat": gross - base, "gross": gross})
        if self.spec["vat"] == "incl":
            for r in rows:
                r["base"] = r["gross"] = r["code"] = None
        return rows

    def _code_of(self, it) -> str:
        # lines printed without a VAT letter still belong to a rate: the standard one,
        # deposits to the deposit rate
        if it["kind"] == "deposit":
            return "A" if self.country == "DE" else self.rates[-1][0]
        return self.rates[0][0]

    def _payments(self, total):
        rng, w, lang = self.rng, self.words, self.lang
        payments, slip, self.pay_truth = [], [], []
        change = None
        kind = rng.choice(["cash", "card", "card", "split"])
        rest = total
        if kind == "split":
            part = min(total, Decimal(rng.choice([5, 10, 20])))
            label, method = rng.choice([(w["voucher"], "voucher"), (w["gift"], "gift_card")])
            payments.append((label, part))
            self.pay_truth.append((method, part, None))
            rest = total - part
            kind = rng.choice(["cash", "card"]) if rest > 0 else "none"
        if kind == "cash":
            note = next(n for n in (rest, *map(Decimal, (5, 10, 20, 50, 100, 200, 500))) if n >= rest)
            tendered = rest if rng.random() < 0.3 else max(note, rest)
            if tendered == rest and rng.random() < 0.5:
                tendered = next(Decimal(n) for n in (5, 10, 20, 50, 100, 200, 500, 1000) if n >= rest)
            payments.append((w["cash"], tendered))
            self.pay_truth.append(("cash", tendered, None))
            change = tendered - rest if tendered != rest else None
        elif kind == "card":
            label = rng.choice(w["card"])
            last4 = f"{rng.randint(0, 9999):04d}"
            masked = rng.choice([f"XXXX XXXX XXXX {last4}", f"************{last4}", f"**** {last4}"])
            payments.append((label, rest))
            self.pay_truth.append((CARD_METHOD[label], rest, masked.replace(" ", "").replace("X", "*")))
            slip = ["", label.upper(), f"{w['card_label']}: {masked}",
                    f"{w['amount_label']}: EUR {fmt(rest, lang)}",
                    f"Auth: {rng.randint(0, 999999):06d}", "Terminal: " + f"{rng.randint(10**7, 10**8 - 1)}"]
        return payments, change, slip

    # --- printing ----------------------------------------------------------------------
    def _lr(self, left: str, right: str, code: str | None = None) -> list[tuple[int, str]]:
        if self.spec.get("code_first"):  # 'Brot        A    3,49': the VAT letter before the amount
            at = max(len(left) + 4, self.w - len(right))
            return [(0, left), (at - 2, code or ""), (at, right)]
        right_end = self.w - (2 if self.codes_w else 0)
        cells = [(0, left), (max(len(left) + 1, right_end - len(right)), right)]
        if code:
            cells.append((right_end + 1, code))
        return cells

    def _cur(self, amount: str) -> str:
        """A total or payment amount with the currency the layout prints beside it."""
        cur = self.spec.get("cur")
        return f"{amount} EUR" if cur == "suffix" else f"EUR {amount}" if cur == "prefix" else amount

    def _header(self, name, street, city, vat_id):
        o, rng = self.out, self.rng
        wide = rng.random() < 0.4 and len(name) * 2 <= self.w
        o.text(name, align="center", bold=True, wide=wide)
        o.text(street, align="center")
        o.text(city, align="center")
        o.text(f"{self.words['vat']} {vat_id}" if rng.random() < 0.6 else vat_id, align="center")
        if rng.random() < 0.5:
            o.text(f"Tel. 0{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(10, 99)} "
                   f"{rng.randint(10, 99)}", align="center")
        o.blank()

    def _date_str(self, d: datetime) -> tuple[str, str]:
        rng = self.rng
        sep = {"nl": "-", "fr": "/", "de": ".", "en": "/"}[self.lang]
        year = d.year if rng.random() < 0.7 else d.year % 100
        ds = f"{d.day:02d}{sep}{d.month:02d}{sep}{year:02d}"
        if self.lang == "en" and rng.random() < 0.4:
            ds = f"{d.day} {W.MONTHS_EN[d.month - 1]} {d.year}"
        ts = d.strftime("%H:%M:%S") if d.second else d.strftime("%H:%M")
        return ds, ts

    def _number_date(self, number, issued):
        o, w = self.out, self.words
        ds, ts = self._date_str(issued)
        label = self.rng.choice(w["receipt"])
        if self.spec["header"] != "two-line" and len(label) + len(number) + len(ds) + len(ts) + 4 <= self.w:
            o.row([(0, f"{label} {number}"), (self.w - len(ds) - len(ts) - 1, f"{ds} {ts}")])
            return
        if len(w["date"]) + len(ds) + len(w["time"]) + len(ts) + 5 <= self.w:
            o.row([(0, f"{w['date']}: {ds}"), (self.w - len(w['time']) - len(ts) - 2, f"{w['time']}: {ts}")])
        else:
            o.row([(0, f"{w['date']}: {ds}")])
            o.row([(0, f"{w['time']}: {ts}")])
        o.row([(0, f"{w['till']} {self.rng.randint(1, 9)}"), (self.w // 2, f"{label} {number}")])

    def _date_only(self, issued):
        ds, ts = self._date_str(issued)
        self.out.row([(0, ds), (self.w - len(ts), ts)])

    def _item_lines(self, items):
        style, o, lang = self.spec["items"], self.out, self.lang
        neg, ean = self.spec.get("neg", "lead"), self.spec.get("ean")
        for it in items:
            amount, code = fmt_signed(it["amount"], lang, neg), it["vat_code"]
            code_ean = ean and it["kind"] == "sale" and self.rng.random() < 0.6
            if code_ean and ean == "above":
                o.row([(0, self._ean())])
            qty, unit, desc = it["quantity"], it["unit_price"], it["description"]
            single = it["kind"] == "discount" or qty == 1
            weighed = qty is not None and qty != qty.to_integral_value()
            if weighed:
                qx = f"{fmt_qty(qty, lang)} kg x {fmt(unit, lang)} €/kg"
            else:
                qx = f"{fmt_qty(qty, lang)} x {fmt(unit, lang)}" if not single else ""
            if style == "inline":
                self._inline(desc, qx, amount, code)
            elif style == "qtyline":
                if single and len(desc) + len(amount) + 5 <= self.w:
                    o.row(self._lr(desc, amount, code))
                else:
                    self._wrap(desc)
                    o.row(self._lr("   " + qx, amount, code))
            elif style == "qtybelow":
                self._inline(desc, "", amount, code)
                if not single:
                    o.row([(3, qx)])
            elif style == "leadqty":
                lead = "" if it["kind"] == "discount" else f"{fmt_qty(qty, lang)}x "
                self._inline(lead + desc, "", amount, code)
            elif style == "qtyabove":
                if not single:
                    o.row([(2, qx)])
                self._inline(desc, "", amount, code)
            else:  # qtycol / unitcol: fixed columns
                self._columns(it, desc, amount, code, with_unit=style == "unitcol" or not single)
            if code_ean and ean == "below":
                o.row([(2, self._ean())])

    def _ean(self) -> str:
        """An EAN-13 the till prints on a line of its own beside the item."""
        digits = f"{self.rng.choice([400, 540, 300, 871])}{self.rng.randint(10**8, 10**9 - 1)}"
        check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
        return digits + str(check)

    def _inline(self, desc, qx, amount, code):
        o = self.out
        room = self.w - len(amount) - (4 if self.spec.get("code_first") else 2 if self.codes_w else 0) - 1
        left = f"{desc}  {qx}" if qx else desc
        if len(left) <= room:
            o.row(self._lr(left, amount, code))
            return
        self._wrap(desc)
        o.row(self._lr("   " + qx if qx else "", amount, code))

    def _wrap(self, desc):
        for part in textwrap.wrap(desc, self.w):
            self.out.row([(0, part)])

    def _columns(self, it, desc, amount, code, with_unit):
        lang, o = self.lang, self.out
        code_first = self.spec.get("code_first")
        right_end = self.w if code_first else self.w - (2 if self.codes_w else 0)
        amount_col = right_end - 8 - (2 if code_first and self.codes_w else 0)
        unit_col = amount_col - 8
        qty_col = unit_col - 4
        field = qty_col - 1
        parts = textwrap.wrap(desc, field) or [""]
        cells = [(0, parts[0])]
        if it["kind"] != "discount" and with_unit:
            q = fmt_qty(it["quantity"], lang)
            u = fmt(it["unit_price"], lang)
            cells += [(qty_col + 3 - len(q), q), (unit_col + 7 - len(u), u)]
        if code and code_first:
            cells.append((amount_col, code))
        cells.append((right_end - len(amount), amount))
        if code and not code_first:
            cells.append((right_end + 1, code))
        o.row(cells)
        for part in parts[1:]:
            o.row([(0, part)])

    def _vat_table(self, rows):
        o, lang, style = self.out, self.lang, self.spec["vat"]
        w = self.w
        if style == "full":
            heads = self.words["vat_head"]
            o.row([(0, heads[0]), (5, heads[1]), (w - 18 - len(heads[2]), heads[2]),
                   (w - 9 - len(heads[3]), heads[3]), (w - len(heads[4]), heads[4])])
        for r in rows:
            rate = r["rate"].replace(".", ",") if lang != "en" else r["rate"]
            vat = fmt(r["vat"], lang)
            if style == "incl":
                o.row(self._lr(f"incl. {rate}% {self.words['vat']}", vat))
                continue
            base, gross = fmt(r["base"], lang), fmt(r["gross"], lang)
            if style == "full":
                o.row([(0, r["code"]), (5, f"{rate}%"), (w - 18 - len(base), base), (w - 9 - len(vat), vat),
                       (w - len(gross), gross)])
            elif style == "net-vat":
                o.row([(0, f"{r['code']} {rate}%"), (w - 12 - len(base), base), (w - len(vat), vat)])
            elif style == "gross-vat":
                o.row([(0, f"{self.words['vat']} {r['code']} {rate}%"), (w - 12 - len(gross), gross),
                       (w - len(vat), vat)])
            else:  # reordered: vat, base, gross
                o.row([(0, f"{r['code']}={rate}%"), (w - 20 - len(vat), vat), (w - 10 - len(base), base),
                       (w - len(gross), gross)])

    def _fiscal(self, number, issued, total):
        rng, o = self.rng, self.out
        lines: list[str] = []
        qr = None
        if self.country == "BE" and rng.random() < 0.6:
            sig = "".join(rng.choice("0123456789ABCDEF") for _ in range(40))
            lines = [f"FDM ID: CFDM{rng.randint(10**7, 10**8 - 1)}",
                     f"FDM ticket: {rng.randint(1, 99)}/{rng.randint(1, 99999)} NS",
                     f"FDM datum: {issued:%d/%m/%Y %H:%M:%S}",
                     f"VSC ID: CTSC{rng.randint(10**7, 10**8 - 1)}", "Handtekening:",
                     sig[:20], sig[20:]]
        elif self.country == "DE" and rng.random() < 0.7:
            sig = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
                          for _ in range(64)) + "=="
            start = issued - timedelta(seconds=rng.randint(5, 60))
            lines = [f"TSE-Transaktion: {rng.randint(1, 99999)}",
                     f"TSE-Start: {start:%Y-%m-%dT%H:%M:%S}.000",
                     f"TSE-Stop: {issued:%Y-%m-%dT%H:%M:%S}.000",
                     f"TSE-Seriennr.: {rng.getrandbits(64):016x}",
                     f"TSE-Signaturzähler: {rng.randint(1, 99999)}", "TSE-Signatur:"]
            lines += [sig[i:i + self.w] for i in range(0, len(sig), self.w)]
            qr = (f"V0;Kasse1;Kassenbeleg-V1;Beleg^{total:.2f}_0.00_0.00_0.00_0.00^{total:.2f}:Bar;"
                  f"{number};{rng.randint(1, 99999)};{start:%Y-%m-%dT%H:%M:%S}.000Z;"
                  f"{issued:%Y-%m-%dT%H:%M:%S}.000Z;ecdsa-plain-SHA256;unixTime;{sig};")
        elif self.country == "FR" and rng.random() < 0.6:
            lines = [f"Logiciel certifié NF525 - Certificat n° {rng.randint(1, 9999):04d}",
                     f"Signature : {rng.getrandbits(32):08X}"]
        if lines:
            o.blank()
            for line in lines:
                o.text(line)
        return lines, qr


def layout_tag(b: _Builder) -> str:
    return f"{b.lang}-{b.w}-{b.layout}-{b.codepage.lower()}"


def _s(v, key: str):
    if v is None or isinstance(v, str):
        return v
    if key in ("quantity",):
        return format(v.normalize(), "f")
    if isinstance(v, Decimal):
        return f"{v.quantize(CENT):.2f}"
    return v
