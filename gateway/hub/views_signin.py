"""Sign-in pages: an emailed link, or a loyalty card number and an emailed one-time code.

The emailed link opens a page with a button: the token is used by that POST, not by
the GET, so a mail scanner that fetches links does not use it up. The card ticket
stays in the session, never in a URL. Every answer is the same for known and
unknown addresses and cards (gateway.hub.auth explains the tokens).
"""

from __future__ import annotations

import hashlib
import re

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from gateway.hub import auth, i18n
from gateway.hub.web import checked_form, client_ip, flash, hub_of, locale, render, sign_in

NEXT = re.compile(r"/(r/[A-Za-z0-9_-]{16,128}|account(/[a-z]+)?)")


def safe_next(value: str | None) -> str:
    """Only our own pages: no open redirect."""
    return value if value and NEXT.fullmatch(value) else "/account"


def _limit(request: Request, rule: str, key: str | None = None) -> None:
    if not hub_of(request).limiter.hit(rule, key or client_ip(request)):
        raise HTTPException(429)


async def form(request: Request) -> Response:
    return render(request, "signin.html", next=safe_next(request.query_params.get("next")),
                  card_enabled=hub_of(request).card_key is not None)


async def by_email(request: Request) -> Response:
    data = await checked_form(request)
    hub = hub_of(request)
    loc = locale(request)
    nxt = safe_next(data.get("next"))
    email = auth.clean_email(data.get("email", ""))
    if email is None:
        return render(request, "signin.html", 400, next=nxt, error="signin.bad_email",
                      card_enabled=hub.card_key is not None, email_value=data.get("email", "")[:254])
    _limit(request, "signin_ip")
    target = "email:" + hashlib.sha256(email.encode()).hexdigest()
    if hub.limiter.hit("signin_target", target):  # past the limit: same answer, no message
        account = hub.store.account_by_email(email)
        token = hub.tokens.issue_link(email, account["account_id"] if account else None)
        link = hub.url(request, f"/signin/link/{token}?next={nxt}")
        hub.mailer.send(email, i18n.t(loc, "mail.link.subject"), i18n.t(loc, "mail.link.body", link=link))
    return render(request, "message.html", title="signin.title", text="signin.link_sent")


async def by_card(request: Request) -> Response:
    data = await checked_form(request)
    hub = hub_of(request)
    loc = locale(request)
    numbers = auth.card_numbers(data.get("card", ""))
    if hub.card_key is None:
        raise HTTPException(404)
    if not numbers:
        return render(request, "signin.html", 400, next=safe_next(data.get("next")),
                      error="signin.bad_card", card_enabled=True)
    _limit(request, "signin_ip")
    card, account = _card_account(hub, numbers)
    ticket, code = hub.tokens.issue_code(card, account["account_id"] if account else None)
    if account and account.get("email") and hub.limiter.hit("signin_target", "card:" + card):
        hub.mailer.send(account["email"], i18n.t(loc, "mail.code.subject"),
                        i18n.t(loc, "mail.code.body", code=code))
    request.session["ticket"] = ticket
    request.session["next"] = safe_next(data.get("next"))
    return RedirectResponse("/signin/code", status_code=303)


def _card_account(hub, numbers: list[str]) -> tuple[str, dict | None]:
    """(card HMAC, its account or None): the first form of the typed number that has an account."""
    cards = [auth.card_hmac(hub.card_key, n) for n in numbers]
    for card in cards:
        account = hub.store.account_by_card(card)
        if account is not None:
            return card, account
    return cards[0], None


async def code_form(request: Request) -> Response:
    if not request.session.get("ticket"):
        return RedirectResponse("/signin", status_code=303)
    return render(request, "code.html")


async def code_submit(request: Request) -> Response:
    data = await checked_form(request)
    hub = hub_of(request)
    ticket = request.session.get("ticket")
    if not ticket:
        return RedirectResponse("/signin", status_code=303)
    _limit(request, "code_ip")
    if not hub.limiter.hit("code_ticket", ticket):
        request.session.pop("ticket", None)
        raise HTTPException(429)
    row = hub.tokens.consume_code(ticket, data.get("code", ""))
    account = hub.store.account_by_card(row["card_hmac"]) if row else None
    if account is None:
        return render(request, "code.html", 400, error="signin.bad_code")
    nxt = request.session.get("next")
    sign_in(request, account["account_id"])
    return RedirectResponse(safe_next(nxt), status_code=303)


async def link_page(request: Request) -> Response:
    """The emailed link: a page whose button uses the token (a GET uses nothing)."""
    return render(request, "link.html", token=request.path_params["token"][:100],
                  next=safe_next(request.query_params.get("next")))


async def link_submit(request: Request) -> Response:
    data = await checked_form(request)
    hub = hub_of(request)
    _limit(request, "link_ip")
    row = hub.tokens.consume_link(data.get("token", ""))
    if row is None:
        return render(request, "message.html", 400, title="signin.title", text="signin.bad_link",
                      error=True)
    account = hub.store.account_by_email(row["email"])
    account_id = account["account_id"] if account else hub.store.create_account(
        row["email"], locale=locale(request))
    sign_in(request, account_id)
    return RedirectResponse(safe_next(data.get("next")), status_code=303)


async def sign_out(request: Request) -> Response:
    await checked_form(request)
    request.session.clear()
    flash(request, "signin.signed_out")
    return RedirectResponse("/", status_code=303)


ROUTES = [
    Route("/signin", form),
    Route("/signin/email", by_email, methods=["POST"]),
    Route("/signin/card", by_card, methods=["POST"]),
    Route("/signin/code", code_form),
    Route("/signin/code", code_submit, methods=["POST"]),
    Route("/signin/link/{token}", link_page),
    Route("/signin/link", link_submit, methods=["POST"]),
    Route("/signout", sign_out, methods=["POST"]),
]
