"""The hub's web side: `create_app(store, cfg)` builds the Starlette app.

Server-rendered pages (Jinja2), no JavaScript: the receipt page the QR code opens
(`/r/{token}`, gateway.hub.views_receipt), signing in (views_signin), the customer's
account (views_account) and the ERP API (gateway.hub.api). This module holds what
they share: the `Hub` (store, config, limiter, mailer, sign-in tokens), the page
language, sessions (signed cookie), CSRF tokens, flash messages and the error pages.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from gateway.cli import UserError
from gateway.hub import auth, i18n
from gateway.hub.formatting import FILTERS
from gateway.hub.mailer import Mailer
from gateway.hub.ratelimit import Limiter

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
SESSION_COOKIE = "hub_session"
SESSION_AGE = 30 * 86400

# no scripts at all; inline style attributes draw the paper; no page may frame ours;
# no Referer: the receipt's URL holds its access token
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; img-src 'self' data:; style-src 'self' "
                                 b"'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; "
                                 b"base-uri 'none'"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
]


@dataclass
class Hub:
    """What the pages share; `request.app.state.hub`."""

    store: object
    cfg: dict
    limiter: Limiter
    mailer: Mailer
    tokens: auth.LoginTokens
    card_key: bytes | None
    key_id: str
    public_url: str
    secret: bytes = b""
    api_keys: dict[str, str] = field(default_factory=dict)  # sha256(key) -> name
    templates: Jinja2Templates | None = None

    def url(self, request: Request, path: str) -> str:
        base = self.public_url or str(request.base_url)
        return base.rstrip("/") + path


def _section(cfg, name: str) -> dict:
    return (cfg.section(name) if hasattr(cfg, "section") else cfg.get(name)) or {}


def _path(cfg, value: str | None) -> Path | None:
    """A file named in the config: relative paths are from the config file's directory."""
    if not value:
        return None
    source = getattr(cfg, "path", None)
    return (Path(source).parent if source else Path(".")) / value


def _read(path: Path, key: str) -> bytes:
    """A secret file of [hub]: refused unless mode 0600 or stricter and owned by us or root, as the
    gateway refuses its card key (it is the same retailer key)."""
    from gateway.config.schema import ConfigError
    from gateway.config.secrets import check_secret_file

    try:
        check_secret_file(path, section="hub", key=key)
    except ConfigError as exc:
        if path.exists():
            raise UserError(f"[hub] {key}: {exc.message}", exc.remedy) from None
    try:
        return auth.read_key(path)
    except OSError as exc:
        raise UserError(f"cannot read [hub] {key} {path}: {exc.strerror}",
                        f"create it (e.g. head -c 32 /dev/urandom > {path}; chmod 600 {path}) "
                        "or fix the path") from None


def _secret(cfg, hub_cfg: dict) -> bytes:
    path = _path(cfg, hub_cfg.get("secret_file"))
    if path:
        return _read(path, "secret_file")
    log.warning("no [hub] secret_file: sessions and sign-in codes use a random secret and end "
                "when the hub restarts")
    return secrets.token_bytes(32)


def _card_key(cfg) -> tuple[bytes | None, str]:
    hub_cfg = _section(cfg, "hub")
    path = _path(cfg, hub_cfg.get("card_key_file"))
    return (_read(path, "card_key_file") if path else None), hub_cfg.get("card_key_id") or "k1"


def make_hub(store, cfg, *, mailer: Mailer | None = None, limiter: Limiter | None = None) -> Hub:
    from gateway.hub.api import load_api_keys

    hub_cfg = _section(cfg, "hub")
    secret = _secret(cfg, hub_cfg)
    card_key, key_id = _card_key(cfg)
    hub = Hub(store=store, cfg=cfg, limiter=limiter or Limiter(),
              mailer=mailer or Mailer(_path(cfg, hub_cfg.get("mail_dir")),
                                      hub_cfg.get("mail_from") or "receipts@localhost"),
              tokens=auth.LoginTokens(store, secret), card_key=card_key, key_id=key_id, secret=secret,
              public_url=(hub_cfg.get("public_url") or "").rstrip("/"),
              api_keys=load_api_keys(_path(cfg, hub_cfg.get("api_keys_file"))))
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True,
                      auto_reload=False)  # package files: no stat() per page
    env.filters.update(FILTERS)
    hub.templates = Jinja2Templates(env=env)
    return hub


# --- per-request helpers -------------------------------------------------------------------

def hub_of(request: Request) -> Hub:
    return request.app.state.hub


def locale(request: Request) -> str:
    return i18n.negotiate(request.headers.get("accept-language"), request.cookies.get("lang"))


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "?"


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = auth.new_csrf()
    return token


async def checked_form(request: Request):
    """The POSTed form, after its CSRF token matched the session's (else 403)."""
    form = await request.form()
    if not auth.csrf_ok(request.session.get("csrf"), form.get("csrf")):
        raise HTTPException(403, "csrf")
    return form


def flash(request: Request, key: str, kind: str = "ok") -> None:
    request.session.setdefault("flash", []).append([kind, key])


def account_of(request: Request) -> dict | None:
    aid = request.session.get("aid")
    if not aid:
        return None
    account = hub_of(request).store.account(aid)
    if account is None:  # deleted meanwhile: the cookie opens nothing
        request.session.pop("aid", None)
    return account


def sign_in(request: Request, account_id: str) -> None:
    """A fresh session for the account (a new CSRF token too: no fixation)."""
    request.session.clear()
    request.session["aid"] = account_id
    request.session["csrf"] = auth.new_csrf()


def render(request: Request, template: str, status: int = 200, **context) -> Response:
    loc = locale(request)
    hub = hub_of(request)
    messages = request.session.pop("flash", []) if "flash" in request.session else []
    context.setdefault("account", None)
    ctx = {"loc": loc, "t": lambda key, **kw: i18n.t(loc, key, **kw),
           "t_or": lambda key, default: i18n.t_or(loc, key, default), "locales": i18n.LOCALES,
           "locale_names": i18n.NAMES, "csrf": csrf_token(request), "messages": messages,
           "path": request.url.path, "signed_in": bool(request.session.get("aid")), **context}
    response = hub.templates.TemplateResponse(request, template, ctx, status_code=status)
    response.headers["cache-control"] = "no-store"
    response.headers["content-language"] = loc
    return response


def need_account(request: Request) -> dict:
    account = account_of(request)
    if account is None:
        raise HTTPException(303, "signin")
    return account


# --- pages of the app itself -----------------------------------------------------------------

async def home(request: Request) -> Response:
    return render(request, "home.html", account=account_of(request))


async def set_language(request: Request) -> Response:
    code = request.path_params["code"]
    target = request.query_params.get("next") or "/"
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = RedirectResponse(target, status_code=303)
    if code in i18n.LOCALES:
        response.set_cookie("lang", code, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


async def _http_error(request: Request, exc: HTTPException) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": exc.detail if exc.status_code != 404 else "not found"},
                            status_code=exc.status_code, headers=exc.headers)
    if exc.status_code == 303:
        return RedirectResponse("/signin?next=" + request.url.path, status_code=303)
    # path="/": the page says nothing of the URL asked for (a token's 404 is any 404)
    if exc.status_code == 429:
        return render(request, "error.html", 429, title="ratelimit.title", text="ratelimit.text", path="/")
    if exc.status_code == 403:
        return render(request, "error.html", 403, title="csrf.title", text="csrf.text", path="/")
    if exc.status_code == 405:
        return Response(status_code=405, headers=exc.headers)
    return render(request, "error.html", 400 if exc.status_code == 400 else 404, title="notfound.title",
                  text="notfound.text", path="/")


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response (plain ASGI: no per-request overhead of BaseHTTPMiddleware)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(store, cfg, *, mailer: Mailer | None = None, limiter: Limiter | None = None) -> Starlette:
    """The hub's web app on `store` (gateway.hub.db.Store) with the hub config `cfg`."""
    from gateway.hub import api, views_account, views_receipt, views_signin

    hub = make_hub(store, cfg, mailer=mailer, limiter=limiter)
    routes = [
        Route("/", home),
        Route("/lang/{code}", set_language),
        *views_receipt.ROUTES, *views_signin.ROUTES, *views_account.ROUTES, *api.ROUTES,
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=hub.secret.hex(), session_cookie=SESSION_COOKIE,
                   max_age=SESSION_AGE, same_site="lax", https_only=hub.public_url.startswith("https:")),
    ]
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={HTTPException: _http_error})
    app.state.hub = hub
    return app


def app_from_env() -> Starlette:
    """The web app alone, for more web processes beside `receipt-gateway hub`:

        RG_HUB_CONFIG=/etc/receipt-gateway/hub.toml uvicorn --factory gateway.hub.web:app_from_env --workers 2

    Each process opens its own Store on `[hub] database`; `[hub] secret_file` must be set, so
    every process signs and reads the same session cookies."""
    import os

    from gateway.config.hub import load_hub
    from gateway.hub.service import open_store

    path = os.environ.get("RG_HUB_CONFIG")
    if not path:
        raise UserError("RG_HUB_CONFIG is not set", "set it to the hub's config file")
    cfg = load_hub(path)
    if not cfg["hub"].get("secret_file"):
        raise UserError("[hub] secret_file is needed when several processes serve the pages",
                        "create one (head -c 32 /dev/urandom > hub.secret; chmod 600 hub.secret) and name it")
    return create_app(open_store(cfg), cfg)   # with [loyalty_rules], as the hub's own pages have them
