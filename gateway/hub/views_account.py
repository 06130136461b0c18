"""The customer's account: receipt history (search, month filter, totals per month),
points (balance and every ledger entry), claiming a receipt, the delivery mode, and
deleting the account with its data (GDPR).

Every query is by the session's account id, never by an id from the request, so no
URL or form field can show or change another customer's data.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from gateway.hub import history as history_list
from gateway.hub.web import checked_form, client_ip, flash, hub_of, need_account, render

PAGE = 20
LEDGER_PAGE = 30
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MODES = ("paper", "qr", "none")


async def history(request: Request) -> Response:
    account = need_account(request)
    store = hub_of(request).store
    q = (request.query_params.get("q") or "").strip()[:100] or None
    month = request.query_params.get("month") or None
    month = month if month and MONTH.fullmatch(month) else None
    page = _page(request)
    rows = history_list.page(store, account["account_id"], q=q, month=month, limit=PAGE + 1, offset=page * PAGE)
    monthly = store.monthly_totals(account["account_id"])
    return render(request, "history.html", account=account, rows=rows[:PAGE],
                  more=len(rows) > PAGE, page=page, q=q or "", month=month or "",
                  months=[m[0] for m in monthly], monthly=monthly,
                  balance=account["points_balance"])


def _page(request: Request) -> int:
    try:
        return max(0, min(10_000, int(request.query_params.get("page", "0"))))
    except ValueError:
        return 0


async def points(request: Request) -> Response:
    account = need_account(request)
    store = hub_of(request).store
    page = _page(request)
    # one page of entries (and one more: is there a next page?); the balance came with the account
    entries = store.ledger(account["account_id"], limit=LEDGER_PAGE + 1, offset=page * LEDGER_PAGE)
    return render(request, "points.html", account=account, balance=account["points_balance"],
                  entries=entries[:LEDGER_PAGE], page=page, more=len(entries) > LEDGER_PAGE)


async def settings(request: Request) -> Response:
    account = need_account(request)
    return render(request, "settings.html", account=account, modes=MODES)


def _amount(text: str) -> str | None:
    text = (text or "").strip().replace("€", "").replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return f"{value:.2f}" if value.is_finite() else None


async def claim(request: Request) -> Response:
    account = need_account(request)
    data = await checked_form(request)
    hub = hub_of(request)
    if not (hub.limiter.hit("claim_account", account["account_id"])
            and hub.limiter.hit("claim_ip", client_ip(request))):
        raise HTTPException(429)
    number = (data.get("number") or "").strip()[:64]
    date = (data.get("date") or "").strip()
    total = _amount(data.get("total", ""))
    if not number or not DATE.fullmatch(date) or total is None:
        flash(request, "claim.bad", "error")
    elif hub.store.claim(account["account_id"], number, date, total):
        flash(request, "claim.ok")
    else:
        flash(request, "claim.none", "error")
    return RedirectResponse("/account#claim", status_code=303)


async def set_mode(request: Request) -> Response:
    account = need_account(request)
    data = await checked_form(request)
    mode = data.get("mode")
    if mode not in MODES:
        raise HTTPException(400, "mode")
    hub_of(request).store.set_mode(account["account_id"], mode)
    flash(request, "settings.saved")
    return RedirectResponse("/account/settings", status_code=303)


async def delete(request: Request) -> Response:
    account = need_account(request)
    data = await checked_form(request)
    if data.get("confirm") != "yes":
        flash(request, "delete.need_confirm", "error")
        return RedirectResponse("/account/settings#delete", status_code=303)
    hub_of(request).store.delete_account(account["account_id"])
    request.session.clear()
    flash(request, "delete.done")
    return RedirectResponse("/", status_code=303)


ROUTES = [
    Route("/account", history),
    Route("/account/points", points),
    Route("/account/settings", settings),
    Route("/account/claim", claim, methods=["POST"]),
    Route("/account/mode", set_mode, methods=["POST"]),
    Route("/account/delete", delete, methods=["POST"]),
]
