"""The hub's pages in English, Dutch and French: the messages and choosing the language.

The language is, in order: the `lang` cookie the language switch sets, then the
browser's Accept-Language (q-values honoured, "nl-BE" counts as "nl"), then English.
`t(locale, key, **fields)` gives a message; a key missing in one language falls
back to English, so a page never shows a raw key.
"""

from __future__ import annotations

import re

LOCALES = ("en", "nl", "fr")
DEFAULT = "en"
NAMES = {"en": "English", "nl": "Nederlands", "fr": "Français"}

# key: (English, Nederlands, Français)
_M: dict[str, tuple[str, str, str]] = {
    "site": ("Receipts", "Kassabonnen", "Tickets de caisse"),
    "skip": ("Skip to content", "Naar de inhoud", "Aller au contenu"),
    "nav": ("Main", "Hoofdmenu", "Menu principal"),
    "nav.receipts": ("My receipts", "Mijn kassabonnen", "Mes tickets"),
    "nav.points": ("Points", "Punten", "Points"),
    "nav.settings": ("Settings", "Instellingen", "Paramètres"),
    "nav.signin": ("Sign in", "Aanmelden", "Se connecter"),
    "nav.signout": ("Sign out", "Afmelden", "Se déconnecter"),
    "language": ("Language", "Taal", "Langue"),
    "home.title": ("Your receipts, without the paper", "Je kassabonnen, zonder papier",
                   "Vos tickets, sans papier"),
    "home.text": ("Scan your loyalty card at the till and choose: a paper receipt, a short stub "
                  "with a QR code, or nothing at all. Every receipt is kept here, with your points.",
                  "Scan je klantenkaart aan de kassa en kies: een papieren kassabon, een kort "
                  "strookje met een QR-code of helemaal niets. Elke kassabon staat hier, met je punten.",
                  "Scannez votre carte de fidélité en caisse et choisissez : un ticket papier, un "
                  "court talon avec un QR code, ou rien du tout. Chaque ticket est gardé ici, avec "
                  "vos points."),
    # receipt page
    "receipt": ("Receipt", "Kassabon", "Ticket de caisse"),
    "receipt.paper": ("The receipt as printed", "De kassabon zoals gedrukt", "Le ticket tel qu'imprimé"),
    "receipt.details": ("Details", "Details", "Détails"),
    "receipt.number": ("Receipt number", "Bonnummer", "Numéro de ticket"),
    "receipt.date": ("Date", "Datum", "Date"),
    "receipt.store": ("Shop", "Winkel", "Magasin"),
    "receipt.vat_id": ("VAT number", "Btw-nummer", "Numéro de TVA"),
    "download.png": ("Download picture (PNG)", "Afbeelding downloaden (PNG)", "Télécharger l'image (PNG)"),
    "download.pdf": ("Download PDF", "PDF downloaden", "Télécharger le PDF"),
    "receipt.add": ("Add to my account", "Toevoegen aan mijn account", "Ajouter à mon compte"),
    "receipt.add_signin": ("Sign in to add it to your account", "Meld je aan om hem aan je account toe te voegen",
                           "Connectez-vous pour l'ajouter à votre compte"),
    "receipt.mine": ("This receipt is in your account.", "Deze kassabon staat in je account.",
                     "Ce ticket est dans votre compte."),
    "receipt.taken": ("This receipt is already in an account.", "Deze kassabon staat al in een account.",
                      "Ce ticket est déjà dans un compte."),
    "receipt.added": ("Added to your account.", "Toegevoegd aan je account.", "Ajouté à votre compte."),
    "items": ("Items", "Artikelen", "Articles"),
    "item.description": ("Description", "Omschrijving", "Description"),
    "item.quantity": ("Qty", "Aantal", "Qté"),
    "item.unit_price": ("Price", "Prijs", "Prix"),
    "item.amount": ("Amount", "Bedrag", "Montant"),
    "vat": ("VAT", "Btw", "TVA"),
    "vat.code": ("Code", "Code", "Code"),
    "vat.rate": ("Rate", "Tarief", "Taux"),
    "vat.base": ("Excl. VAT", "Excl. btw", "HTVA"),
    "vat.vat": ("VAT", "Btw", "TVA"),
    "vat.gross": ("Incl. VAT", "Incl. btw", "TVAC"),
    "total": ("Total", "Totaal", "Total"),
    "payments": ("Paid with", "Betaald met", "Payé par"),
    "change": ("Change", "Wisselgeld", "Rendu"),
    "pay.cash": ("Cash", "Contant", "Espèces"),
    "pay.card": ("Card", "Kaart", "Carte"),
    "pay.gift_card": ("Gift card", "Cadeaukaart", "Carte cadeau"),
    "pay.meal_voucher": ("Meal voucher", "Maaltijdcheque", "Titre-repas"),
    "pay.voucher": ("Voucher", "Waardebon", "Bon d'achat"),
    "points.earned": ("Points earned", "Verdiende punten", "Points gagnés"),
    "points.balance": ("Points balance", "Puntensaldo", "Solde de points"),
    "kind.return": ("return", "retour", "retour"),
    "kind.discount": ("discount", "korting", "remise"),
    "kind.deposit": ("deposit", "statiegeld", "consigne"),
    # errors
    "notfound.title": ("Not found", "Niet gevonden", "Introuvable"),
    "notfound.text": ("This page does not exist or is no longer available.",
                      "Deze pagina bestaat niet of is niet meer beschikbaar.",
                      "Cette page n'existe pas ou n'est plus disponible."),
    "ratelimit.title": ("Too many attempts", "Te veel pogingen", "Trop de tentatives"),
    "ratelimit.text": ("Please wait a few minutes and try again.", "Wacht enkele minuten en probeer opnieuw.",
                       "Veuillez patienter quelques minutes et réessayer."),
    "csrf.title": ("This form has expired", "Dit formulier is verlopen", "Ce formulaire a expiré"),
    "csrf.text": ("Go back, reload the page and try again.", "Ga terug, laad de pagina opnieuw en probeer nog eens.",
                  "Revenez en arrière, rechargez la page et réessayez."),
    "back": ("Back", "Terug", "Retour"),
    # sign-in
    "signin.title": ("Sign in", "Aanmelden", "Connexion"),
    "signin.by_email": ("With your email address", "Met je e-mailadres", "Avec votre adresse e-mail"),
    "signin.email": ("Email address", "E-mailadres", "Adresse e-mail"),
    "signin.send_link": ("Send me a sign-in link", "Stuur me een aanmeldlink", "M'envoyer un lien de connexion"),
    "signin.by_card": ("With your loyalty card", "Met je klantenkaart", "Avec votre carte de fidélité"),
    "signin.card": ("Loyalty card number", "Nummer van je klantenkaart", "Numéro de carte de fidélité"),
    "signin.send_code": ("Send me a code", "Stuur me een code", "M'envoyer un code"),
    "signin.no_password": ("No password: we email you a link or a one-time code.",
                           "Geen wachtwoord: we mailen je een link of een eenmalige code.",
                           "Pas de mot de passe : nous vous envoyons un lien ou un code à usage unique."),
    "signin.link_sent": ("If this address can sign in, a link is on its way. It works once, within 15 minutes.",
                         "Als dit adres zich kan aanmelden, is er een link onderweg. Hij werkt één keer, binnen 15 minuten.",
                         "Si cette adresse peut se connecter, un lien est en route. Il fonctionne une fois, dans les 15 minutes."),
    "signin.code_sent": ("If this card has an account with an email address, we sent a code there. "
                         "Enter it below within 15 minutes.",
                         "Als deze kaart een account met een e-mailadres heeft, hebben we daar een code "
                         "naartoe gestuurd. Vul ze hieronder in binnen 15 minuten.",
                         "Si cette carte a un compte avec une adresse e-mail, nous y avons envoyé un code. "
                         "Saisissez-le ci-dessous dans les 15 minutes."),
    "signin.code": ("One-time code (6 digits)", "Eenmalige code (6 cijfers)", "Code à usage unique (6 chiffres)"),
    "signin.submit": ("Sign in", "Aanmelden", "Se connecter"),
    "signin.bad_code": ("This code is wrong or has expired.", "Deze code is fout of verlopen.",
                        "Ce code est erroné ou a expiré."),
    "signin.bad_link": ("This sign-in link is invalid or has expired. Ask for a new one.",
                        "Deze aanmeldlink is ongeldig of verlopen. Vraag een nieuwe aan.",
                        "Ce lien de connexion est invalide ou a expiré. Demandez-en un nouveau."),
    "signin.bad_email": ("Enter an email address like name@example.com.",
                         "Vul een e-mailadres in zoals naam@voorbeeld.be.",
                         "Saisissez une adresse e-mail comme nom@exemple.fr."),
    "signin.bad_card": ("Enter the number printed on your card (digits only).",
                        "Vul het nummer in dat op je kaart staat (alleen cijfers).",
                        "Saisissez le numéro imprimé sur votre carte (chiffres uniquement)."),
    "signin.signed_out": ("You are signed out.", "Je bent afgemeld.", "Vous êtes déconnecté."),
    "mail.link.subject": ("Your sign-in link", "Je aanmeldlink", "Votre lien de connexion"),
    "mail.link.body": ("Open this link to sign in to your receipts (valid once, for 15 minutes):\n\n{link}\n\n"
                       "If you did not ask for it, ignore this message.",
                       "Open deze link om je aan te melden bij je kassabonnen (één keer geldig, 15 minuten):"
                       "\n\n{link}\n\nHeb je dit niet gevraagd? Negeer dan dit bericht.",
                       "Ouvrez ce lien pour accéder à vos tickets (valable une fois, 15 minutes) :\n\n{link}\n\n"
                       "Si vous ne l'avez pas demandé, ignorez ce message."),
    "mail.code.subject": ("Your sign-in code", "Je aanmeldcode", "Votre code de connexion"),
    "mail.code.body": ("Your one-time code is {code}. It is valid for 15 minutes.\n\n"
                       "If you did not ask for it, ignore this message.",
                       "Je eenmalige code is {code}. Hij is 15 minuten geldig.\n\n"
                       "Heb je dit niet gevraagd? Negeer dan dit bericht.",
                       "Votre code à usage unique est {code}. Il est valable 15 minutes.\n\n"
                       "Si vous ne l'avez pas demandé, ignorez ce message."),
    # account: history
    "history.title": ("My receipts", "Mijn kassabonnen", "Mes tickets"),
    "history.search": ("Search (shop, number, item)", "Zoeken (winkel, nummer, artikel)",
                       "Rechercher (magasin, numéro, article)"),
    "history.month": ("Month", "Maand", "Mois"),
    "history.all_months": ("All months", "Alle maanden", "Tous les mois"),
    "history.filter": ("Show", "Tonen", "Afficher"),
    "history.empty": ("No receipts found.", "Geen kassabonnen gevonden.", "Aucun ticket trouvé."),
    "history.count": ("Receipts", "Kassabonnen", "Tickets"),
    "history.monthly": ("Totals per month", "Totalen per maand", "Totaux par mois"),
    "history.previous": ("Previous", "Vorige", "Précédent"),
    "history.next": ("Next", "Volgende", "Suivant"),
    "claim.title": ("Claim a receipt", "Een kassabon opeisen", "Réclamer un ticket"),
    "claim.help": ("Forgot your card? Enter the receipt number, date and total printed on the receipt.",
                   "Kaart vergeten? Vul het bonnummer, de datum en het totaal van de kassabon in.",
                   "Carte oubliée ? Saisissez le numéro, la date et le total imprimés sur le ticket."),
    "claim.total": ("Total (e.g. 12.50)", "Totaal (bv. 12,50)", "Total (ex. 12,50)"),
    "claim.submit": ("Claim", "Opeisen", "Réclamer"),
    "claim.ok": ("Found it: the receipt is now in your account.", "Gevonden: de kassabon staat nu in je account.",
                 "Trouvé : le ticket est maintenant dans votre compte."),
    "claim.none": ("No receipt matches these three details.", "Geen kassabon past bij deze drie gegevens.",
                   "Aucun ticket ne correspond à ces trois informations."),
    "claim.bad": ("Fill in all three: number, date (YYYY-MM-DD) and total.",
                  "Vul alle drie in: nummer, datum (JJJJ-MM-DD) en totaal.",
                  "Remplissez les trois : numéro, date (AAAA-MM-JJ) et total."),
    # points
    "points.title": ("My points", "Mijn punten", "Mes points"),
    "points.ledger": ("Every change", "Alle wijzigingen", "Tous les mouvements"),
    "points.when": ("When", "Wanneer", "Quand"),
    "points.what": ("What", "Wat", "Quoi"),
    "points.points": ("Points", "Punten", "Points"),
    "points.expires": ("Expires", "Vervalt", "Expire"),
    "points.none": ("No points yet.", "Nog geen punten.", "Pas encore de points."),
    "ledger.earn": ("earned", "verdiend", "gagnés"),
    "ledger.redeem": ("redeemed", "ingewisseld", "utilisés"),
    "ledger.bonus": ("bonus", "bonus", "bonus"),
    "ledger.expire": ("expired", "vervallen", "expirés"),
    "ledger.adjust": ("adjustment", "correctie", "correction"),
    # settings
    "settings.title": ("Settings", "Instellingen", "Paramètres"),
    "settings.mode": ("At the till, after scanning my card", "Aan de kassa, na het scannen van mijn kaart",
                      "En caisse, après le scan de ma carte"),
    "mode.paper": ("Print the full paper receipt", "De volledige kassabon afdrukken",
                   "Imprimer le ticket complet"),
    "mode.qr": ("Print a short stub with a QR code", "Een kort strookje met QR-code afdrukken",
                "Imprimer un court talon avec QR code"),
    "mode.none": ("Print nothing: keep it in my account", "Niets afdrukken: bewaar hem in mijn account",
                  "Ne rien imprimer : le garder dans mon compte"),
    "settings.save": ("Save", "Opslaan", "Enregistrer"),
    "settings.saved": ("Saved.", "Opgeslagen.", "Enregistré."),
    "settings.email": ("Email address", "E-mailadres", "Adresse e-mail"),
    "settings.none": ("none", "geen", "aucune"),
    "delete.title": ("Delete my account", "Mijn account verwijderen", "Supprimer mon compte"),
    "delete.text": ("This deletes your account, your cards, your points and their history. Your receipts "
                    "are no longer linked to you. This cannot be undone.",
                    "Dit verwijdert je account, je kaarten, je punten en hun geschiedenis. Je kassabonnen "
                    "zijn niet langer aan jou gekoppeld. Dit kan niet ongedaan worden.",
                    "Cela supprime votre compte, vos cartes, vos points et leur historique. Vos tickets ne "
                    "sont plus liés à vous. C'est irréversible."),
    "delete.confirm": ("I understand, delete everything", "Ik begrijp het, verwijder alles",
                       "Je comprends, tout supprimer"),
    "delete.submit": ("Delete my account", "Mijn account verwijderen", "Supprimer mon compte"),
    "delete.need_confirm": ("Tick the box to confirm.", "Vink het vakje aan om te bevestigen.",
                            "Cochez la case pour confirmer."),
    "delete.done": ("Your account and its data are deleted.", "Je account en zijn gegevens zijn verwijderd.",
                    "Votre compte et ses données sont supprimés."),
}

_INDEX = {loc: i for i, loc in enumerate(LOCALES)}


def t(locale: str, key: str, **fields) -> str:
    row = _M.get(key)
    if row is None:
        raise KeyError(f"no message {key!r}")
    text = row[_INDEX.get(locale, 0)] or row[0]
    return text.format(**fields) if fields else text


def t_or(locale: str, key: str, default: str) -> str:
    """The message for `key`, or `default` (e.g. a card brand name) when there is none."""
    return t(locale, key) if key in _M else default


def negotiate(accept_language: str | None, cookie: str | None = None) -> str:
    """The page language: the switch's cookie, else the best Accept-Language match, else English."""
    if cookie in LOCALES:
        return cookie
    best, best_q = DEFAULT, 0.0
    for order, part in enumerate((accept_language or "").split(",")[:20]):
        m = re.fullmatch(r"\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([01](?:\.\d{0,3})?))?\s*",
                         part)
        if not m:
            continue
        lang, q = m.group(1).lower(), float(m.group(2)) if m.group(2) else 1.0
        q -= order * 1e-6  # equal q: the first listed wins
        if lang in LOCALES and q > best_q:
            best, best_q = lang, q
    return best


def keys() -> list[str]:
    return list(_M)
