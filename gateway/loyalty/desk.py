"""The loyalty desk of one till: scans in, a delivery decision for each receipt out.

    desk = CardDesk.from_config(cfg, request=client.request, scan_topic=client.topics.scan)
    proxy.claims = desk.claim              # asked by the till pump at each receipt start
    desk.scan("4006381333931")             # from a scanner source (or the kiosk node)
    gateway.decide_delivery = desk.delivery_for   # the e-receipt's `delivery` and `loyalty.card`

At a receipt start the pump calls `claim()`: with a card waiting whose preference is
paper, the receipt passes untouched and is only tagged; with a card whose preference is
qr/none or still unknown, or without a card when the store default is qr/none, the
receipt is held. At its cut `_decide` (in the pump, before anything else reaches the
printer) waits for the preference (at most the lookup deadline), builds the e-receipt
(its access token goes into the stub's QR code), lets the policy decide, and returns
the original (less the queries and kicks already sent), the stub, or nothing.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from gateway.loyalty.cardkey import CardKey, load_card_key
from gateway.loyalty.policy import Delivery, Policy
from gateway.loyalty.preference import PreferenceCache, PreferenceLookup
from gateway.loyalty.session import CardSession, Preference, Sessions
from gateway.printer.document import DrawerKick, Event, Receipt, StatusRequest
from gateway.printer.hold import Claim, cut_out
from gateway.scanner.cards import CardResult, CardRules, validate

log = logging.getLogger("gateway.loyalty")


@dataclass
class Decision:
    """What the policy chose for one receipt (the CapturedReceipt's `decision`)."""

    mode: str
    reason: str | None = None  # None: decided from the captured text (`delivery_for`)
    card: dict | None = None  # {"hmac", "key_id"}
    preference: Preference | None = None
    e_receipt: dict | None = None  # built at the cut for a held receipt (its token is in the stub)
    session: CardSession | None = None  # paper, passed untouched: the session it was tagged with
    decided_at: float = field(default_factory=time.monotonic)


class CardDesk:
    def __init__(self, till_id: str, *, key: CardKey | None, rules: CardRules, policy: Policy,
                 sessions: Sessions, lookup: PreferenceLookup, qr_template: str, profile: str | None = None,
                 source_fields: dict | None = None, include_raw: bool = False, till_profile=None,
                 keep: int = 20, currency: str | None = "EUR"):
        self.till_id, self.key, self.rules, self.policy = till_id, key, rules, policy
        self.sessions, self.lookup = sessions, lookup
        self.qr_template, self.profile = qr_template, profile if profile != "default" else None
        self.source_fields = source_fields or {}
        self.include_raw, self.till_profile = include_raw, till_profile
        self.currency = currency  # [decoder] currency: what a receipt that prints none is in
        self.listeners: list[Callable[[dict], None]] = []  # the display: {"event": ..., ...}
        self.print_job: Callable[[bytes], bool] | None = None  # the proxy's way to print between jobs
        self._held: collections.OrderedDict[str, bytes] = collections.OrderedDict()  # receipt_id -> original
        self._keep = keep
        self.stub_profile = self.profile  # with [printer] code_pages once apply() has the live settings
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, cfg: dict, *, request=None, scan_topic: Callable[[str], str] | None = None,
                    cache: PreferenceCache | None = None, deadline_s: float = 0.3) -> CardDesk:
        """Raises ConfigError when a scanner is configured without a usable card key."""
        from pathlib import Path

        from gateway.reload import LiveSettings

        gw = cfg["gateway"]
        key = load_card_key(cfg)
        live = LiveSettings.from_config(cfg)
        if cache is None and key is not None:
            cache = PreferenceCache(Path(gw["data_dir"]) / "preferences.db")
        lookup = PreferenceLookup(request, scan_topic or (lambda till: f"scan/{till}"), cache, live.policy.default,
                                  deadline_s)
        desk = cls(gw["till_id"], key=key, rules=live.card_rules, policy=live.policy,
                   sessions=Sessions(live.card_window_s), lookup=lookup, qr_template=live.qr_template,
                   profile=cfg["printer"].get("profile"),
                   source_fields={"store_id": gw["store_id"], "till_id": gw["till_id"], "gateway_id": gw["id"]})
        desk.apply(live)
        return desk

    def apply(self, live) -> None:
        """Take the live settings of a (re)loaded config (gateway.reload.LiveSettings): the next scan and
        the next receipt use them; a receipt already held keeps the decision it gets at its cut."""
        self.policy, self.rules, self.qr_template = live.policy, live.card_rules, live.qr_template
        self.sessions.window_s, self.lookup.default_mode = live.card_window_s, live.policy.default
        self.include_raw, self.till_profile, self.currency = live.include_raw, live.till_profile, live.currency
        self.stub_profile = live.decoder_profile  # the stub's euro on the page number the printer uses

    def warm_up(self) -> None:
        """Import python-escpos and the extractor now, not at the first cut (~0.5 s)."""
        from gateway.printer.stub import build_stub
        from gateway.receipt.ereceipt import build_ereceipt  # noqa: F401

        build_stub({"access_token": "x"}, "https://example.com/x", self.stub_profile)

    # -- scans ------------------------------------------------------------------------------
    def scan(self, scanned: str | bytes, till: str | None = None, ref=None) -> tuple[CardResult, CardSession | None]:
        """A scan from a scanner: invalid ones are reported and ignored. `ref` (e.g. the kiosk
        node's scan number) comes back in this scan's events."""
        result = validate(scanned, self.rules)
        till = till or self.till_id
        if not result.valid:
            log.info("scan refused for %s: %s", till, result.reason)
            self._tell({"event": "invalid_card", "till": till, "reason": result.reason, "ref": ref})
            return result, None
        if self.key is None:
            log.warning("a card was scanned but no [loyalty] key is configured; ignored")
            self._tell({"event": "invalid_card", "till": till, "reason": "card scanning is not set up"})
            return result, None
        session = self.scan_card(self.key.card(result.number), till, ref)
        return result, session

    def scan_card(self, card: dict, till: str | None = None, ref=None) -> CardSession:
        """A card already hashed (e.g. from the kiosk node): open its session, ask for its preference."""
        session = self.sessions.scan(till or self.till_id, card)
        session.ref = ref
        log.info("card %s... scanned for %s (session %d)", card["hmac"][:8], session.till, session.id)
        self.lookup.start(session)
        self._tell({"event": "card_scanned", "till": session.till, "session": session.id})
        threading.Thread(target=self._announce, args=(session,), daemon=True).start()
        return session

    def _announce(self, session: CardSession) -> None:
        pref = session.wait_preference(self.lookup.deadline_s + 1.0)
        if pref is not None:
            self._tell({"event": "card_accepted", "till": session.till, "session": session.id, "ref": session.ref,
                        "mode": pref.mode,
                        "greeting": pref.greeting, "points_balance": pref.points_balance, "source": pref.source})

    def choose(self, mode: str, till: str | None = None) -> bool:
        """A kiosk button after a scan (paper / no paper): the waiting session takes that mode."""
        session = self.sessions.active(till or self.till_id)
        if session is None:
            log.info("kiosk choice %s with no card scanned: ignored", mode)
            return False
        old = session.preference  # keep the hub's greeting and points
        session.choose(Preference(mode, "kiosk", old.greeting if old else None, old.points_balance if old else None))
        log.info("card session %d: the customer chose %s at the kiosk", session.id, mode)
        return True

    # -- the pump's questions ---------------------------------------------------------------
    def claim(self) -> Claim | None:
        """A receipt of this till starts: hold it, tag it, or let it pass (fast, no I/O)."""
        session = self.sessions.claim(self.till_id, keep=_wants_paper)
        if session is None:
            if self.policy.default == "paper":
                return None
            return Claim(True, self.policy.default, decide=self._decider(None))
        pref = session.preference
        if not session.taken:  # paper: passes untouched; a job that prints nothing leaves the card waiting
            return Claim(False, info=Decision("paper", card=session.card, preference=pref, session=session))
        return Claim(True, pref.mode if pref else "qr", decide=self._decider(session))

    def _decider(self, session: CardSession | None):
        return lambda raw, events: self._decide(session, raw, events)

    def _decide(self, session: CardSession | None, raw: bytes, events: list[Event]) -> tuple[str, bytes, Decision]:
        if Receipt(events).is_blank:  # only status polls: not a receipt, the card waits for the real one
            if session is not None and self.sessions.give_back(session):
                log.info("nothing printed in that job (status polls?); card session %d waits on", session.id)
            # no decision: it is not a receipt (the segmenter drops blank jobs), and a claim that ended with
            # nothing after a cut (serial/USB idle gap) must not tag the unclaimed receipt that comes next
            return "paper", b"", None
        pref = None
        if session is not None:
            wait = session.scanned_at + self.lookup.deadline_s + 0.05 - time.monotonic()
            pref = session.wait_preference(wait) or Preference(self.policy.default, "default")
        card = session.card if session else None
        try:
            e_receipt = self._ereceipt(raw, events, card, pref)
        except Exception:  # noqa: BLE001 - without an e-receipt there is no link: print the paper
            log.exception("could not build the e-receipt of a held receipt; printing it")
            return "paper", b"", Decision("paper", "printed: the e-receipt could not be built", card, pref)
        delivery = self.policy.decide(e_receipt["text"], pref, e_receipt)
        e_receipt["delivery"] = delivery.to_dict()
        decision = Decision(delivery.mode, delivery.reason, card, pref, e_receipt)
        payload = b""
        if delivery.mode == "qr":
            from gateway.printer.stub import build_stub, qr_url

            payload = build_stub(e_receipt, qr_url(self.qr_template, e_receipt), self.stub_profile,
                                 points_earned=points_this_receipt(e_receipt, pref))
        if delivery.mode != "paper":
            self._keep_original(e_receipt["receipt_id"], raw, events)
        log.info("receipt %s: %s (%s)", e_receipt["receipt_id"], delivery.mode, delivery.reason)
        self._tell_later({"event": "receipt_" + ("printed" if delivery.mode == "paper" else "sent"), "till": self.till_id,
                    "mode": delivery.mode, "reason": delivery.reason, "receipt_id": e_receipt["receipt_id"],
                    "url": None if delivery.mode == "paper" else _url(self.qr_template, e_receipt),
                    "total": (e_receipt.get("totals") or {}).get("gross"), "currency": e_receipt.get("currency")})
        return delivery.mode, payload, decision

    def _ereceipt(self, raw: bytes, events: list[Event], card: dict | None, pref: Preference | None) -> dict:
        from gateway.printer.profiles import get_profile
        from gateway.receipt.ereceipt import Source, build_ereceipt

        source = Source(printer_profile=self.profile or "default", captured_at=datetime.now().astimezone(),
                        **self.source_fields)
        e = build_ereceipt(Receipt(events, 0, len(raw), cut=True), raw, source, cell=get_profile(self.profile).cell(),
                           include_raw=self.include_raw, till_profile=self.till_profile, loyalty_card=card,
                           currency=self.currency)
        _add_points(e, pref)
        return e

    # -- the e-receipt's delivery (the gateway's decide_delivery seam) ----------------------
    def delivery_for(self, captured) -> dict:
        """{"mode", "reason", "card"?} for a captured receipt (segmenter thread)."""
        d: Decision | None = captured.decision if isinstance(captured.decision, Decision) else None
        if d is None:
            if captured.delivery != "paper":
                return {"mode": captured.delivery, "reason": "held by the proxy"}
            return Delivery("paper", "store default (no card scanned)").to_dict()
        out = {"mode": d.mode, "reason": d.reason}
        if d.session is not None and not self.sessions.take(d.session):
            # it started while the card's session still waited, right behind the receipt that took it
            return {"mode": "paper", "reason": "printed: it followed the card's receipt before that one was "
                    "read (the card counts for that receipt)"}
        if d.reason is None:  # tagged paper: the text decides the reason
            text = captured.text().splitlines()
            out["reason"] = self.policy.decide(text, d.preference).reason
        if d.card:
            out["card"] = dict(d.card)
        return out

    # -- print anyway -----------------------------------------------------------------------
    def print_anyway(self, receipt_id: str | None = None) -> bool:
        """Print the full original of a receipt that was held (the last one by default)."""
        with self._lock:
            if receipt_id is None and self._held:
                receipt_id = next(reversed(self._held))
            data = self._held.get(receipt_id) if receipt_id else None
        if data is None or self.print_job is None:
            log.warning("print anyway: no held receipt %s to print", receipt_id or "")
            return False
        ok = self.print_job(data)
        log.info("print anyway: receipt %s %s", receipt_id, "printed" if ok else "NOT printed (printer busy or away)")
        self._tell({"event": "printing" if ok else "error", "till": self.till_id, "receipt_id": receipt_id,
                    "reason": None if ok else "the printer is not reachable"})
        return ok

    def _keep_original(self, receipt_id: str, raw: bytes, events: list[Event]) -> None:
        with self._lock:
            self._held[receipt_id] = without_queries_and_kicks(raw, events)
            while len(self._held) > self._keep:
                self._held.popitem(last=False)

    def _tell_later(self, event: dict) -> None:
        """From the till pump: the display renders in its own thread, never before the stub prints."""
        threading.Thread(target=self._tell, args=(event,), name="loyalty-event", daemon=True).start()

    def _tell(self, event: dict) -> None:
        for listener in list(self.listeners):
            try:
                listener(event)
            except Exception:  # noqa: BLE001 - a display problem never stops a receipt
                log.exception("a loyalty listener failed")


def _wants_paper(session: CardSession) -> bool:
    pref = session.preference
    return pref is not None and pref.mode == "paper"


def without_queries_and_kicks(raw: bytes, events: list[Event]) -> bytes:
    """`raw` less its status queries and drawer kicks (they went out when they came)."""
    return cut_out(raw, [(e.offset, e.end) for e in events if isinstance(e, StatusRequest | DrawerKick)])


def _add_points(e_receipt: dict, pref: Preference | None) -> None:
    if pref is None or pref.points_balance is None:
        return
    loyalty = e_receipt.get("loyalty") or {"card": None, "points_earned": None}
    loyalty["points_balance"] = str(pref.points_balance)  # amounts are decimal strings in the e-receipt
    e_receipt["loyalty"] = loyalty


def points_this_receipt(e_receipt: dict, pref: Preference | None) -> int | None:
    """The points the hub will book for this receipt, when its answer carried its rules: the hub's own
    computation (gateway.hub.ledger.receipt_entries) on the e-receipt it will receive. None otherwise
    (a cached or default preference, a hub that sends no rules): the stub then shows the balance only."""
    if pref is None or pref.points_rules is None:
        return None
    from gateway.hub.ledger import receipt_entries

    return sum(row["points"] for row in receipt_entries(e_receipt, pref.points_rules))


def _url(template: str, e_receipt: dict) -> str:
    from gateway.printer.stub import qr_url

    return qr_url(template, e_receipt)


