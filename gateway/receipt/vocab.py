"""Words tills print, in Dutch, French, German and English (matched without accents, any case).

Each entry is a regular expression fragment; `kw(...)` turns a list into one
pattern anchored on word boundaries. Till profiles add their own words in front.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower case without accents: 'À PAYER' -> 'a payer', 'Rückgeld' -> 'ruckgeld'."""
    if text.isascii():
        return text.lower()
    nfkd = unicodedata.normalize("NFKD", text)
    return "".join(c for c in nfkd if not unicodedata.combining(c)).lower()


def kw(words: list[str] | tuple[str, ...]) -> re.Pattern:
    return re.compile(r"(?<![\w])(?:" + "|".join(words) + r")(?![\w])")


TOTAL = [
    r"totaal(?: te betalen| incl\.? btw| eur)?", r"te betalen", r"total(?:e)?(?: ttc| eur| a payer| due)?",
    r"(?:net )?a payer", r"montant (?:ttc|du|a payer)", r"summe", r"gesamt(?:summe|betrag)?",
    r"zu zahlen", r"endbetrag", r"zahlbetrag", r"amount due", r"balance due", r"to pay", r"grand total",
    r"a regler",
]
NOT_TOTAL = [
    r"sub ?-?tota(?:al|l|le)", r"sous[- ]?total", r"zwischensumme", r"tussentotaal", r"subtotaal",
    r"ht", r"h\.t\.?", r"excl\.?", r"exkl\.?", r"netto", r"net", r"hors taxes?", r"btw", r"tva", r"vat",
    r"mwst\.?", r"ust\.?", r"steuer", r"tax", r"articles?", r"artikel(?:en)?", r"items?", r"stuks?",
    r"positionen", r"korting", r"remises?", r"rabatt", r"discount", r"savings?", r"ersparnis",
    r"economies?", r"punten", r"points?", r"punkte", r"aantal", r"nombre", r"anzahl", r"qty",
    r"stuk", r"pieces?", r"kaart", r"carte", r"karte", r"card", r"credit", r"debit", r"cashback",
]
SUBTOTAL = [r"sub ?-?tota(?:al|l|le)", r"sous[- ]?total", r"zwischensumme", r"tussentotaal"]
CASH = [r"contant(?:e?n)?", r"cash", r"especes", r"comptant", r"liquide", r"bar(?:geld)?", r"bar gegeben",
        r"gegeven", r"recu", r"tendered"]
CARD_BRANDS = {
    "bancontact": r"bancontact|bc/mc|mister cash", "maestro": r"maestro", "visa": r"visa(?: debit)?",
    "mastercard": r"master ?card|mc", "amex": r"amex|american express", "vpay": r"v ?pay",
    "girocard": r"girocard|ec[- ]?karte|ec cash", "payconiq": r"payconiq",
}
CARD = [r"pin", r"pinnen", r"kaart", r"betaalkaart", r"bankkaart", r"carte(?: bancaire| bleue)?", r"cb",
        r"karte", r"kartenzahlung", r"card", r"debit card", r"credit card", r"contactless", r"sans contact",
        r"apple pay", r"google pay"]
VOUCHER = [r"waardebon", r"cadeaubon", r"bon d'achat", r"gutschein", r"voucher", r"cheque(?: cadeau)?",
           r"avoir", r"tegoedbon"]
MEAL_VOUCHER = [r"maaltijdcheque", r"ticket restaurant", r"titre[- ]restaurant", r"cheque repas",
                r"ecocheque", r"meal voucher"]
GIFT_CARD = [r"cadeaukaart", r"giftcard", r"gift card", r"carte cadeau", r"geschenkkarte", r"gutscheinkarte"]
CHANGE = [r"wisselgeld", r"terug(?:gave)?", r"rendu(?: monnaie)?", r"monnaie rendue", r"a rendre",
          r"ruckgeld", r"wechselgeld", r"zuruck", r"change", r"change due"]
DISCOUNT = [r"korting", r"actie", r"promo(?:tie|tion)?", r"remise", r"reduction", r"rabatt", r"nachlass",
            r"discount", r"coupon", r"sconto", r"voordeel", r"aanbieding", r"reduc", r"offre", r"angebot",
            r"-\d+ ?%", r"2e (?:aan )?halve prijs", r"1\+1"]
RETURN = [r"retour", r"return(?:ed)?", r"terugname", r"remboursement", r"rembourse", r"ruckgabe",
          r"storno", r"refund", r"annulation", r"retoure"]
DEPOSIT = [r"leeggoed\w*", r"statiegeld\w*", r"vidanges?", r"consignes?", r"pfand\w*", r"deposit",
           r"emballage", r"leergut\w*", r"bottle deposit"]
SAVINGS = [r"u bespaart", r"uw voordeel", r"totaal korting", r"total remises?", r"vous avez economise",
           r"ihre ersparnis", r"sie sparen", r"you saved", r"total savings?", r"economies"]
RECEIPT_STRONG = [
    r"ticket(?:nummer|nr\.?| n°| no\.?| nr\.?)?", r"kassabon(?: nr\.?)?", r"bon(?:nr\.?|nummer|-nr\.?| nr\.?)?",
    r"beleg(?:-?nr\.?|nummer)?", r"receipt(?: no\.?| number| nr)?", r"rechnung(?:s-?nr\.?| nr\.?)?",
    r"facture(?: n°| no)?", r"invoice(?: no\.?)?", r"quittung", r"kassenbon(?: nr\.?)?",
]
RECEIPT_WEAK = [r"transactie(?:nr\.?|nummer)?", r"transaction(?: no\.?)?", r"trans\.?(?: no\.?)?",
                r"n°", r"no\.", r"nr\.?", r"#"]
RECEIPT_EXCLUDE = [r"ticket restaurant", r"bon d'achat", r"bon de reduction", r"kassa", r"caisse",
                   r"kasse", r"till", r"terminal", r"tel", r"btw", r"tva", r"vat", r"fdm", r"tse",
                   r"kaart", r"carte", r"card", r"karte", r"klant", r"client", r"kunde", r"customer"]
HEADINGS = [r"sales", r"invoice", r"receipt", r"facture", r"rechnung", r"kassenbon", r"kassabon",
            r"quittung", r"omschrijving", r"artikel", r"bezeichnung", r"art", r"nr", r"description", r"designation", r"article", r"qte", r"qty",
            r"aantal", r"menge", r"prijs", r"prix", r"preis", r"price", r"bedrag", r"montant", r"betrag",
            r"amount", r"eur", r"pu", r"total", r"totaal", r"btw", r"tva", r"mwst", r"vat"]
VAT_WORDS = [r"btw", r"tva", r"mwst\.?", r"ust\.?", r"vat", r"tax", r"steuer", r"taux", r"tarief"]
VAT_TOTAL = [r"totaal btw", r"btw totaal", r"total tva", r"tva totale", r"mwst\.? gesamt",
             r"summe mwst", r"enth(?:altene)? mwst", r"total vat", r"vat total", r"dont tva", r"incl\.? btw",
             r"total tax"]
NET_TOTAL = [r"total ht", r"totaal excl\.? btw", r"totaal excl", r"netto(?:summe|betrag)?", r"net total",
             r"total excl\.? vat", r"total net", r"montant ht"]
LOYALTY_EARNED = [r"spaarpunten(?: deze aankoop)?", r"verdiende punten", r"punten verdiend", r"gespaarde punten", r"points gagnes",
                  r"points acquis", r"punkte gesammelt", r"gesammelte punkte", r"bonuspunkte", r"points earned",
                  r"points this visit", r"punten deze aankoop", r"points de ce ticket"]
LOYALTY_BALANCE = [r"saldo punten", r"puntensaldo", r"totaal punten", r"nouveau solde", r"solde points",
                   r"solde de points", r"punktestand", r"punkte(?:konto|stand| gesamt)", r"points balance",
                   r"total points", r"balance points"]
LOYALTY_CARD = [r"klantenkaart", r"spaarkaart", r"carte (?:de )?fidelite", r"kundenkarte", r"payback",
                r"loyalty card", r"member(?:ship)? card", r"clubcard"]
VALIDITY = [r"geldig tot", r"geldig t/m", r"valable jusqu", r"gultig bis", r"valid until", r"expires?",
            r"ruilen tot", r"echange jusqu", r"houdbaar", r"best before", r"umtausch bis"]
FISCAL_MARKERS = [
    r"fdm", r"vsc", r"gks", r"scu", r"plu[- ]?hash", r"fiscal data module", r"ticketteller", r"ticket counter",
    r"handtekening", r"controle ?data", r"compteur de tickets", r"tse", r"tse-\w+", r"signatur(?:zahler)?",
    r"kassen-?seriennummer", r"seriennummer kasse", r"prozess(?:typ|daten)", r"hashalgorithmus",
    r"zeitformat", r"public ?key", r"nf ?525", r"certifie", r"certificat", r"empreinte", r"signature",
]
GREETINGS = [r"welkom", r"bienvenue", r"willkommen", r"welcome", r"bedankt", r"merci", r"danke", r"thank",
             r"tot ziens", r"au revoir", r"auf wiedersehen",
             # banners printed big at the top that are no shop name
             r"copy", r"kopie", r"duplicaat", r"duplicata", r"duplikat", r"reprint", r"training", r"oefen\w*",
             r"copie", r"nachdruck"]
PHONE = [r"tel\.?", r"tél\.?", r"telefon", r"phone", r"fax", r"gsm", r"www", r"http", r"e-?mail", r"@"]
