"""The page the QR code opens: `/r/{token}`, its PNG and PDF, and "add to my account".

The access token is the only key to a receipt. A token of the wrong shape and an
unknown one get the same 404 as any missing page, and both count against the
caller's address: after RULES["token_miss_ip"] misses it gets 429s, even for good
tokens, so tokens cannot be enumerated. The row found is compared to the token
with `hmac.compare_digest` before it is shown.
"""

from __future__ import annotations

import hmac
import re

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from gateway.hub import paper
from gateway.hub.web import account_of, checked_form, client_ip, flash, hub_of, render

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")


def find(request: Request) -> dict:
    """The stored receipt row for the token in the path (`receipt`: the e-receipt); else 404."""
    hub = hub_of(request)
    ip = client_ip(request)
    if hub.limiter.blocked("token_miss_ip", ip):
        raise HTTPException(429)
    token = request.path_params["token"]
    row = hub.store.receipt_by_token(token) if TOKEN.fullmatch(token) else None
    if row is None or not hmac.compare_digest(str(row.get("access_token", "")), token):
        hub.limiter.hit("token_miss_ip", ip)
        raise HTTPException(404)
    return row


def _title(row: dict) -> str:
    merchant = (row["receipt"].get("merchant") or {}).get("name") or ""
    return " ".join(x for x in (merchant, row.get("receipt_number") or "") if x)


async def page(request: Request) -> Response:
    row = find(request)
    account = account_of(request)
    e = row["receipt"]
    owner = row.get("account_id")
    state = "mine" if account and owner == account["account_id"] else ("taken" if owner else "free")
    return render(request, "receipt.html", account=account, r=e, row=row, state=state,
                  token=request.path_params["token"], title=_title(row),
                  paper_html=paper.paper_html(e, _title(row) or "Receipt"),
                  paper_font=paper.paper_font_size(e), paper_css=paper.PAPER_CSS)


def _download(row: dict, body: bytes, media: str, ext: str) -> Response:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"receipt-{row.get('receipt_number') or row['receipt_id']}")
    return Response(body, media_type=media, headers={
        "content-disposition": f'attachment; filename="{name}.{ext}"', "cache-control": "no-store"})


async def png(request: Request) -> Response:
    row = find(request)
    return _download(row, paper.png(row["receipt"]), "image/png", "png")


async def pdf(request: Request) -> Response:
    row = find(request)
    return _download(row, paper.pdf(row["receipt"], _title(row) or "Receipt"), "application/pdf", "pdf")


async def add(request: Request) -> Response:
    """Attach the receipt to the signed-in account (only a receipt no one else has)."""
    await checked_form(request)
    row = find(request)
    account = account_of(request)
    target = f"/r/{request.path_params['token']}"
    if account is None:
        return RedirectResponse(f"/signin?next={target}", status_code=303)
    store = hub_of(request).store
    if store.attach(row["receipt_id"], account["account_id"]):
        card = (row["receipt"].get("loyalty") or {}).get("card") or {}
        if card.get("hmac") and store.account_by_card(card["hmac"]) is None:
            # the receipt proves its holder was at the till with this card: the card (and its
            # earlier receipts and points) join the account
            store.add_card(account["account_id"], card["hmac"], card.get("key_id") or "k1")
        flash(request, "receipt.added")
    else:
        flash(request, "receipt.taken", "error")
    return RedirectResponse(target, status_code=303)


ROUTES = [
    Route("/r/{token}", page),
    Route("/r/{token}/receipt.png", png),
    Route("/r/{token}/receipt.pdf", pdf),
    Route("/r/{token}/add", add, methods=["POST"]),
]
