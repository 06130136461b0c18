"""The published e-receipt JSON Schema (`e-receipt.schema.json`) and a validator."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

SCHEMA_ID = "receipt-gateway/e-receipt/1"


class InvalidReceipt(ValueError):
    """An e-receipt that does not match the schema; `errors` lists 'path: message' strings."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("e-receipt does not match the schema: " + "; ".join(errors[:5]))


@cache
def schema() -> dict:
    ref = resources.files("gateway.receipt") / "e-receipt.schema.json"
    return json.loads(ref.read_text(encoding="utf-8"))


@cache
def _validator():
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(schema())
    return Draft202012Validator(schema())


def errors(doc) -> list[str]:
    """Every schema violation of `doc` as 'path: message' (empty when valid)."""
    out = []
    for e in sorted(_validator().iter_errors(doc), key=lambda e: list(e.absolute_path)):
        path = "/".join(str(p) for p in e.absolute_path) or "(root)"
        out.append(f"{path}: {e.message}")
    return out


@cache
def _fast():
    """jsonschema-rs (the hub extra installs it) for the common, valid case; None when absent."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    return jsonschema_rs.validator_for(schema())


def validate(doc) -> dict:
    """Return `doc` when it is a valid e-receipt; raise InvalidReceipt naming each problem.

    With jsonschema-rs installed a valid receipt is recognised ~100x faster; a receipt it calls
    invalid is rejected only when jsonschema agrees (and words the problems)."""
    fast = _fast()
    if fast is not None and fast.is_valid(doc):
        return doc
    problems = errors(doc)
    if problems:
        raise InvalidReceipt(problems)
    return doc
