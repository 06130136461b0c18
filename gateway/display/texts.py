"""What the customer display says, in Dutch, French, German and English. Pure data.

Screen texts are short: a customer reads them at a glance from a metre away.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

LANGUAGES = ("en", "nl", "fr", "de")

TEXTS: dict[str, dict[str, str]] = {
    "idle.title": {"en": "Paperless receipt?", "nl": "Papierloos ticket?", "fr": "Ticket sans papier ?",
                   "de": "Beleg ohne Papier?"},
    "idle.body": {"en": "Scan your card for a paperless receipt",
                  "nl": "Scan uw kaart voor een papierloos kasticket",
                  "fr": "Scannez votre carte pour un ticket sans papier",
                  "de": "Scannen Sie Ihre Karte für einen papierlosen Beleg"},
    "card.welcome": {"en": "Welcome!", "nl": "Welkom!", "fr": "Bienvenue !", "de": "Willkommen!"},
    "mode.paper": {"en": "Your receipt will be printed", "nl": "Uw kasticket wordt afgedrukt",
                   "fr": "Votre ticket sera imprimé", "de": "Ihr Beleg wird gedruckt"},
    "mode.qr": {"en": "Short ticket with a QR code to your receipt",
                "nl": "Kort ticket met een QR-code naar uw kasticket",
                "fr": "Ticket court avec un QR code vers votre ticket",
                "de": "Kurzbeleg mit QR-Code zu Ihrem Beleg"},
    "mode.none": {"en": "No paper: your receipt goes to your account",
                  "nl": "Geen papier: uw kasticket komt in uw account",
                  "fr": "Pas de papier : votre ticket arrive dans votre compte",
                  "de": "Kein Papier: Ihr Beleg kommt in Ihr Konto"},
    "sent.title": {"en": "Receipt sent", "nl": "Kasticket verzonden", "fr": "Ticket envoyé",
                   "de": "Beleg gesendet"},
    "sent.total": {"en": "Total", "nl": "Totaal", "fr": "Total", "de": "Summe"},
    "sent.hint": {"en": "Scan the code with your phone", "nl": "Scan de code met uw telefoon",
                  "fr": "Scannez le code avec votre téléphone", "de": "Code mit dem Handy scannen"},
    "printing.title": {"en": "Printing", "nl": "Afdrukken", "fr": "Impression", "de": "Druck"},
    "printing.body": {"en": "Your receipt is being printed", "nl": "Uw kasticket wordt afgedrukt",
                      "fr": "Votre ticket est en cours d'impression", "de": "Ihr Beleg wird gedruckt"},
    "error.invalid_card.title": {"en": "Card not recognised", "nl": "Kaart niet herkend",
                                 "fr": "Carte non reconnue", "de": "Karte nicht erkannt"},
    "error.invalid_card.body": {"en": "Please scan your card again", "nl": "Scan uw kaart opnieuw",
                                "fr": "Veuillez scanner à nouveau votre carte",
                                "de": "Bitte scannen Sie Ihre Karte erneut"},
    "error.paper_out.title": {"en": "Printer out of paper", "nl": "Printer zonder papier",
                              "fr": "Plus de papier", "de": "Drucker ohne Papier"},
    "error.paper_out.body": {"en": "Please ask a member of staff", "nl": "Vraag het even aan het personeel",
                             "fr": "Veuillez vous adresser au personnel",
                             "de": "Bitte wenden Sie sich an das Personal"},
    "error.printer_offline.title": {"en": "Printer not available", "nl": "Printer niet beschikbaar",
                                    "fr": "Imprimante indisponible", "de": "Drucker nicht verfügbar"},
    "error.printer_offline.body": {"en": "Please ask a member of staff", "nl": "Vraag het even aan het personeel",
                                   "fr": "Veuillez vous adresser au personnel",
                                   "de": "Bitte wenden Sie sich an das Personal"},
    "error.no_answer.title": {"en": "No answer", "nl": "Geen antwoord", "fr": "Pas de réponse",
                              "de": "Keine Antwort"},
    "error.no_answer.body": {"en": "Your receipt prints as usual", "nl": "Uw kasticket wordt gewoon afgedrukt",
                             "fr": "Votre ticket s'imprime comme d'habitude",
                             "de": "Ihr Beleg wird wie gewohnt gedruckt"},
    "error.other.title": {"en": "Sorry", "nl": "Sorry", "fr": "Désolé", "de": "Entschuldigung"},
    "error.other.body": {"en": "Please ask a member of staff", "nl": "Vraag het even aan het personeel",
                         "fr": "Veuillez vous adresser au personnel",
                         "de": "Bitte wenden Sie sich an das Personal"},
}

ERROR_KINDS = ("invalid_card", "paper_out", "printer_offline", "no_answer")


def text(key: str, lang: str) -> str:
    entry = TEXTS[key]
    return entry.get(lang) or entry["en"]


SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "CHF": "CHF"}


def money(total, currency: str = "EUR", lang: str = "en") -> str:
    """'7.50' -> '€7.50' (en), '€ 7,50' (nl), '7,50 €' (fr, de). Unparseable totals as given."""
    try:
        amount = Decimal(str(total)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(total)
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    symbol = SYMBOLS.get(currency, currency)
    if lang == "en":
        return f"{sign}{symbol}{whole}.{cents}"
    if lang == "nl":
        return f"{symbol} {sign}{whole},{cents}"
    return f"{sign}{whole},{cents}\u00a0{symbol}"
