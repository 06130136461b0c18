"""Compare an extracted e-receipt with a sample's truth, field by field."""

from __future__ import annotations

from gateway.receipt.checks import HIGH

FIELDS = ["total", "date", "receipt_number", "line_amounts", "lines", "vat_table", "merchant_name",
          "vat_id", "payments"]


def compare(doc: dict, truth: dict) -> dict[str, bool]:
    """{field: extracted exactly} for one receipt."""
    issued = doc.get("issued_at") or ""
    return {
        "total": doc["totals"]["gross"] == truth["totals"]["gross"],
        "date": issued[:19] == truth["issued_at"],
        "receipt_number": doc["receipt_number"] == truth["receipt_number"],
        "line_amounts": [x["amount"] for x in doc["lines"]] == [x["amount"] for x in truth["lines"]],
        "lines": [_line(x) for x in doc["lines"]] == [_line(x) for x in truth["lines"]],
        "vat_table": doc["vat"] == truth["vat"],
        "merchant_name": doc["merchant"]["name"] == truth["merchant"]["name"],
        "vat_id": doc["merchant"]["vat_id"] == truth["merchant"]["vat_id"],
        "payments": [(p["method"], p["amount"], p["card_masked"]) for p in doc["payments"]]
        == [(p["method"], p["amount"], p["card_masked"]) for p in truth["payments"]],
    }


def _line(x: dict) -> tuple:
    return (x["description"], x["quantity"], x["unit_price"], x["amount"], x["vat_code"], x["kind"])


def wrong_total_high_confidence(doc: dict, truth: dict) -> bool:
    return (doc["totals"]["gross"] is not None and doc["totals"]["gross"] != truth["totals"]["gross"]
            and doc["extraction"]["confidence"] >= HIGH)


def score_set(pairs) -> dict:
    """pairs: [(doc, truth)] -> {field: share exact, 'wrong_total_high': n, 'n': n}."""
    pairs = list(pairs)
    counts = dict.fromkeys(FIELDS, 0)
    wrong_high = 0
    for doc, truth in pairs:
        for k, ok in compare(doc, truth).items():
            counts[k] += ok
        wrong_high += wrong_total_high_confidence(doc, truth)
    n = max(1, len(pairs))
    return {"n": len(pairs), "wrong_total_high": wrong_high, **{k: v / n for k, v in counts.items()}}
