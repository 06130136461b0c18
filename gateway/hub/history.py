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

from sqlalchemy import func, or_, select

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


def page(store, account_id: str, *, q: str | None = None, month: str | None = None, limit: int = 20,
         offset: int = 0) -> list[dict]:
    """[{receipt_id, access_token, receipt_number, issued_at, total, currency, merchant}], newest first."""
    stmt = select(*COLUMNS).where(receipts.c.account_id == account_id)
    if month:
        stmt = stmt.where(receipts.c.issued_at.like(month + "%"))
    if q:
        pattern = _like(q.lower())
        stmt = stmt.where(or_(func.lower(receipts.c.receipt_number).like(pattern, escape="\\"),
                              func.lower(receipts.c.body).like(pattern, escape="\\")))
    stmt = stmt.order_by(receipts.c.issued_at.desc(), receipts.c.receipt_id.desc()).limit(limit).offset(offset)
    with store.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(stmt)]
    for row in rows:
        row["merchant"] = merchant_name(row.pop("body")) or row["store_id"] or ""
    return rows
