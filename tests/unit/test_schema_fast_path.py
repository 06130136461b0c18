"""jsonschema-rs (the hub's fast path) and jsonschema agree on what is a valid e-receipt."""

from __future__ import annotations

import copy

import pytest

from gateway.mqtt.demo import sample_receipt
from gateway.receipt.schema import InvalidReceipt, errors, schema, validate

fast = pytest.importorskip("jsonschema_rs", reason="jsonschema-rs (hub extra) is not installed")

BAD_VALUES = [None, 1, "1,50", "", "x" * 3, [], {}, -1, True, "2025-13-45T99:00:00", "1.5"]


def _mutations(doc):
    """The document with each field (nested too) set in turn to each bad value, or removed."""
    def walk(node, path):
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            yield path + (key,)
            yield from walk(value, path + (key,))

    for path in walk(doc, ()):
        for bad in BAD_VALUES + ["<drop>"]:
            d = copy.deepcopy(doc)
            node = d
            for k in path[:-1]:
                node = node[k]
            if bad == "<drop>":
                if isinstance(node, dict):
                    del node[path[-1]]
                else:
                    continue
            else:
                node[path[-1]] = bad
            yield d


def test_fast_and_reference_validators_agree():
    doc = sample_receipt(3, "store-1", "gw-1", "till-1", {"hmac": "a" * 64, "key_id": "k1"})
    doc.update(receipt_id="01ARZ3NDEKTSV4RRFFQ69G5FAV", sequence=1)
    rs = fast.validator_for(schema())
    checked = rejected = 0
    for d in _mutations(doc):
        ok = not errors(d)
        assert rs.is_valid(d) == ok, errors(d)
        checked += 1
        rejected += not ok
    assert checked > 300 and rejected > checked // 2


def test_validate_still_names_the_problem():
    doc = sample_receipt(3, "store-1", "gw-1", "till-1")
    doc.update(receipt_id="01ARZ3NDEKTSV4RRFFQ69G5FAV", sequence=1)
    doc["totals"]["gross"] = "4,25"
    with pytest.raises(InvalidReceipt, match="totals/gross"):
        validate(doc)
