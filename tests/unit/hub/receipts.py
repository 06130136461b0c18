"""E-receipts for hub tests: the demo gateway's (a python-escpos stream, decoded), with chosen fields."""

from __future__ import annotations

import copy
import json
from functools import cache

from ulid import ULID

from gateway.hub.db import Incoming
from gateway.mqtt.demo import sample_receipt
from gateway.receipt.ereceipt import new_access_token
from gateway.receipt.schema import validate


@cache
def _base() -> dict:
    return sample_receipt(1, "store-1", "gw-1", "till-1")


def make(seq: int = 1, *, gw: str = "gw-1", number: str | None = None, issued_at: str = "2025-03-14T10:30:00+01:00",
         total: str = "12.50", card: str | None = None, lines: list[dict] | None = None) -> dict:
    doc = copy.deepcopy(_base())
    doc.update(receipt_id=str(ULID()), access_token=new_access_token(), sequence=seq,
               receipt_number=number or f"{seq:06d}", issued_at=issued_at)
    doc["source"]["gateway_id"] = gw
    doc["totals"]["gross"] = total
    doc["lines"] = lines if lines is not None else [
        {"description": "Coffee", "quantity": "1", "unit_price": total, "amount": total, "vat_code": "A",
         "kind": "sale"}]
    doc["payments"] = [{"method": "cash", "amount": total, "card_masked": None}]
    if card:
        doc["loyalty"] = {"card": {"hmac": card, "key_id": "k1"}, "points_earned": None, "points_balance": None}
    return validate(doc)


def incoming(doc: dict, gw: str | None = None) -> Incoming:
    return Incoming(doc, json.dumps(doc), "store-1", gw or doc["source"]["gateway_id"], "till-1")
