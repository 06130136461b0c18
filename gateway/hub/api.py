"""The ERP / webshop HTTP API: read a customer's receipts and points, with bearer API keys.

Keys come from `[hub] api_keys_file`: one key a line, `NAME KEY` (KEY at least 32
characters) or `NAME sha256:HEX` (the key's SHA-256, so the file need not hold the
key itself); `#` starts a comment. The hub keeps only the hashes and compares them
in constant time. The API is read-only and described at `/api/openapi.json`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.cli import UserError
from gateway.hub.web import client_ip, hub_of

MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
HMAC_HEX = re.compile(r"[0-9a-f]{64}")
MAX_PAGE = 200
MAX_REMINDER_DAYS = 365   # as [loyalty_rules] reminder_days allows


def load_api_keys(path: str | Path | None) -> dict[str, str]:
    """{sha256 hex of the key: its name}; nothing configured -> {} (every call gets 401)."""
    if not path:
        return {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read the API keys file {path}: {exc.strerror}",
                        "check [hub] api_keys_file, or remove it to switch the API off") from None
    keys: dict[str, str] = {}
    for no, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2 or not (parts[1].startswith("sha256:") or len(parts[1]) >= 32):
            raise UserError(f"{path}:{no}: an API key line is `NAME KEY` (KEY >= 32 characters) "
                            "or `NAME sha256:HEX`", "fix that line (e.g. NAME $(openssl rand -hex 32))")
        name, key = parts
        digest = key[7:].lower() if key.startswith("sha256:") else hashlib.sha256(key.encode()).hexdigest()
        keys[digest] = name
    return keys


def _caller(request: Request) -> str:
    """The API key's name, or 401 (wrong or missing key) / 429 (too many failures or calls)."""
    hub = hub_of(request)
    ip = client_ip(request)
    if hub.limiter.blocked("api_fail_ip", ip):
        raise HTTPException(429, "too many failed calls; wait and retry")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    digest = hashlib.sha256(given.strip().encode()).hexdigest()
    name = None
    for known, known_name in hub.api_keys.items():  # every key compared: timing says nothing
        if hmac.compare_digest(known, digest) and scheme.lower() == "bearer":
            name = known_name
    if name is None:
        hub.limiter.hit("api_fail_ip", ip)
        raise HTTPException(401, "a valid `Authorization: Bearer KEY` header is needed",
                            headers={"www-authenticate": 'Bearer realm="receipt-hub"'})
    if not hub.limiter.hit("api_key", name):
        raise HTTPException(429, "too many calls with this key; wait and retry")
    return name


def _customer(request: Request) -> dict:
    _caller(request)
    account = hub_of(request).store.account(request.path_params["account_id"][:64])
    if account is None:
        raise HTTPException(404)
    return account


def _account_json(store, account: dict) -> dict:
    points = account.get("points_balance")   # Store.account has it; account_by_email/_by_card do not
    return {"account_id": account["account_id"], "email": account.get("email"),
            "mode": account.get("mode"), "locale": account.get("locale"), "created_at": account.get("created_at"),
            "points_balance": store.balance(account["account_id"]) if points is None else points}


def _receipt_json(row: dict, full: bool) -> dict:
    out = {k: row.get(k) for k in ("receipt_id", "store_id", "till_id", "gateway_id", "receipt_number",
                                   "issued_at", "total", "currency", "received_at")}
    if full:
        out["ereceipt"] = row.get("receipt")
    return out


async def find_customer(request: Request) -> Response:
    _caller(request)
    store = hub_of(request).store
    email = request.query_params.get("email")
    card = request.query_params.get("card_hmac")
    if email:
        account = store.account_by_email(email.strip().lower())
    elif card and HMAC_HEX.fullmatch(card):
        account = store.account_by_card(card)
    else:
        raise HTTPException(400, "give email=ADDRESS or card_hmac=64 hex digits")
    if account is None:
        raise HTTPException(404)
    return JSONResponse(_account_json(store, account))


async def customer(request: Request) -> Response:
    account = _customer(request)
    return JSONResponse(_account_json(hub_of(request).store, account))


def _int(request: Request, name: str, default: int, high: int) -> int:
    try:
        return max(0, min(high, int(request.query_params.get(name, default))))
    except ValueError:
        raise HTTPException(400, f"{name} must be a whole number") from None


async def receipts(request: Request) -> Response:
    account = _customer(request)
    month = request.query_params.get("month")
    if month and not MONTH.fullmatch(month):
        raise HTTPException(400, "month is YYYY-MM")
    limit, offset = _int(request, "limit", 50, MAX_PAGE), _int(request, "offset", 0, 10**9)
    full = request.query_params.get("full") in ("1", "true")
    rows = hub_of(request).store.receipts_for_account(
        account["account_id"], q=request.query_params.get("q") or None, month=month or None,
        limit=limit, offset=offset, bodies=full)
    return JSONResponse({"account_id": account["account_id"], "limit": limit, "offset": offset,
                         "receipts": [_receipt_json(dict(r), full) for r in rows]})


async def points(request: Request) -> Response:
    account = _customer(request)
    store = hub_of(request).store
    return JSONResponse({"account_id": account["account_id"], "balance": account["points_balance"],
                         "entries": [dict(e) for e in store.ledger(account["account_id"])]})


async def expiring_points(request: Request) -> Response:
    """The reminder list: customers whose points expire within `days` (default [loyalty_rules]
    reminder_days), for the ERP to send the reminders."""
    _caller(request)
    store = hub_of(request).store
    days = request.query_params.get("days")
    if days is None:
        days = store.rules.reminder_days
    elif not days.isdigit() or not 1 <= int(days) <= MAX_REMINDER_DAYS:
        raise HTTPException(400, f"days must be a whole number from 1 to {MAX_REMINDER_DAYS}")
    return JSONResponse({"days": int(days), "accounts": store.expiry_reminders(int(days))})


async def openapi(request: Request) -> Response:
    return JSONResponse(OPENAPI)


def _get(summary: str, params: list, schema: str, errors=(401, 404, 429)) -> dict:
    responses = {"200": {"description": "OK", "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}}}}}
    for code in errors:
        responses[str(code)] = {"$ref": f"#/components/responses/E{code}"}
    return {"get": {"summary": summary, "parameters": params, "responses": responses}}


def _param(name: str, where: str, desc: str, schema: dict | None = None, required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required or where == "path", "description": desc,
            "schema": schema or {"type": "string"}}


_ACCOUNT = _param("account_id", "path", "the customer's account id")
_STR, _INT, _NUM = {"type": "string"}, {"type": "integer"}, {"type": ["string", "null"]}
OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "Receipt hub API", "version": "1",
             "description": "Read a customer's e-receipts and loyalty points. Every call needs "
                            "`Authorization: Bearer KEY` (keys from [hub] api_keys_file)."},
    "security": [{"bearer": []}],
    "paths": {
        "/api/v1/customers": _get("Find a customer by email or card HMAC", [
            _param("email", "query", "the customer's email address"),
            _param("card_hmac", "query", "HMAC-SHA256 of the card number (64 hex digits)")],
            "Customer", (400, 401, 404, 429)),
        "/api/v1/customers/{account_id}": _get("A customer and their points balance", [_ACCOUNT], "Customer"),
        "/api/v1/customers/{account_id}/receipts": _get("A customer's receipts, newest first", [
            _ACCOUNT, _param("month", "query", "only this month, YYYY-MM"),
            _param("q", "query", "search the shop, receipt number and text"),
            _param("limit", "query", f"at most this many (default 50, max {MAX_PAGE})", _INT),
            _param("offset", "query", "skip this many", _INT),
            _param("full", "query", "1: include each whole e-receipt", {"type": "string", "enum": ["0", "1"]})],
            "ReceiptList", (400, 401, 404, 429)),
        "/api/v1/customers/{account_id}/points": _get("Points balance and every ledger entry",
                                                      [_ACCOUNT], "Points"),
        "/api/v1/points/expiring": _get("The reminder list: customers whose points expire soon, earliest first", [
            _param("days", "query", f"within this many days (1 to {MAX_REMINDER_DAYS}; default [loyalty_rules] "
                                    "reminder_days)", _INT)],
            "ExpiringPoints", (400, 401, 429)),
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "responses": {f"E{code}": {"description": desc, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"}}}} for code, desc in (
            (400, "bad parameter"), (401, "missing or wrong API key"), (404, "no such customer"),
            (429, "rate limited"))},
        "schemas": {
            "Error": {"type": "object", "properties": {"error": _STR}},
            "Customer": {"type": "object", "required": ["account_id", "points_balance"], "properties": {
                "account_id": _STR, "email": _NUM, "mode": {"enum": ["paper", "qr", "none"]},
                "locale": _STR, "created_at": _STR, "points_balance": _INT}},
            "Receipt": {"type": "object", "properties": {
                **{k: _NUM for k in ("receipt_id", "store_id", "till_id", "gateway_id", "receipt_number",
                                     "issued_at", "currency", "received_at")},
                "total": {"type": ["string", "null"], "description": "decimal string, e.g. 7.50"},
                "ereceipt": {"type": "object", "description": "the e-receipt (receipt-gateway/e-receipt/1)"}}},
            "ReceiptList": {"type": "object", "properties": {
                "account_id": _STR, "limit": _INT, "offset": _INT,
                "receipts": {"type": "array", "items": {"$ref": "#/components/schemas/Receipt"}}}},
            "ExpiringPoints": {"type": "object", "properties": {
                "days": _INT,
                "accounts": {"type": "array", "items": {"type": "object", "properties": {
                    "account_id": _STR, "email": _NUM, "locale": _STR,
                    "points": {"type": "integer", "description": "points expiring within the days"},
                    "expires_at": {"type": "string", "description": "when the first of them expire (UTC)"},
                    "lots": {"type": "array", "items": {"type": "object", "properties": {
                        "expires_at": _STR, "points": _INT}}}}}}}},
            "Points": {"type": "object", "properties": {
                "account_id": _STR, "balance": _INT,
                "entries": {"type": "array", "items": {"type": "object", "properties": {
                    "entry_id": _INT, "ts": _STR, "kind": {"enum": ["earn", "redeem", "bonus", "expire", "adjust"]},
                    "points": _INT, "receipt_id": _NUM, "note": _NUM, "expires_at": _NUM}}}}},
        },
    },
}

ROUTES = [
    Route("/api/openapi.json", openapi),
    Route("/api/v1/customers", find_customer),
    Route("/api/v1/customers/{account_id}", customer),
    Route("/api/v1/customers/{account_id}/receipts", receipts),
    Route("/api/v1/customers/{account_id}/points", points),
    Route("/api/v1/points/expiring", expiring_points),
]
