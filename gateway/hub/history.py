"""The history list: one query for a page of an account's receipts, without parsing each e-receipt.

`Store.receipts_for_account` returns whole e-receipts (parsed JSON); the list shows only
columns plus the shop's name, which is read from the `merchant` object of the stored JSON
text (a regular expression and a parse of that small object: ~30x cheaper than the whole
receipt). Filters are the Store's: `month` ('YYYY-MM' of issued_at), `q` (receipt number or
anywhere in the e-receipt text, case-blind).
"""

from __future__ import annotations

import json
import re

from sqlalchemy import bindparam, func, or_, select

from gateway.hub.db import receipts

MERCHANT = re.compile(r'"merchant"\s*:\s*(\{[^{}]*\})')
COLUMNS = [receipts.c.receipt_id, receipts.c.access_token, receipts.c.receipt_number, receipts.c.issued_at,
           receipts.c.total, receipts.c.currency, receipts.c.store_id, receipts.c.body]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def merchant_name(body: str) -> str | None:
    m = MERCHANT.search(body)
    try:
        return json.loads(m.group(1)).get("name") if m else None
    except ValueError:
        return None


def _statement(month: bool, q: bool):
    stmt = select(*COLUMNS).where(receipts.c.account_id == bindparam("aid"))
    if month:
        stmt = stmt.where(receipts.c.issued_at.like(bindparam("month")))
    if q:
        stmt = stmt.where(or_(func.lower(receipts.c.receipt_number).like(bindparam("pattern"), escape="\\"),
                              func.lower(receipts.c.body).like(bindparam("pattern"), escape="\\")))
    return (stmt.order_by(receipts.c.issued_at.desc(), receipts.c.receipt_id.desc())
            .limit(bindparam("limit")).offset(bindparam("offset")))


# the four statements (with or without month, with or without q), built once: building one cost
# about as much as running it
STATEMENTS = {(m, q): _statement(m, q) for m in (False, True) for q in (False, True)}
NAMES = [c.name for c in COLUMNS if c.name != "body"] + ["merchant"]


def page(store, account_id: str, *, q: str | None = None, month: str | None = None, limit: int = 20,
         offset: int = 0) -> list[dict]:
    """[{receipt_id, access_token, receipt_number, issued_at, total, currency, store_id, merchant}],
    newest first."""
    params = {"aid": account_id, "limit": limit, "offset": offset}
    if month:
        params["month"] = month + "%"
    if q:
        params["pattern"] = _like(q.lower())
    with store.read() as conn:
        rows = conn.execute(STATEMENTS[bool(month), bool(q)], params).all()
    # COLUMNS end with body: the shop's name comes from it, the body itself is not kept
    return [dict(zip(NAMES, (*r[:-1], merchant_name(r[-1]) or r[-2] or ""), strict=True)) for r in rows]
