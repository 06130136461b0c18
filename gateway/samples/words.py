"""What the sample tills print, per language: shops, products, labels."""

from __future__ import annotations

SHOPS = {
    "nl": [("Supermarkt De Linde", "Kerkstraat 12", "2000 Antwerpen", "BE"),
           ("Bakkerij Vermeulen", "Stationsplein 4", "3511 ED Utrecht", "NL"),
           ("Slagerij Peeters bv", "Grote Markt 27", "9000 Gent", "BE"),
           ("Drogisterij Het Anker", "Dorpsstraat 101", "1012 AB Amsterdam", "NL")],
    "fr": [("Épicerie du Marché", "12 rue de la Gare", "75010 Paris", "FR"),
           ("Boulangerie Dupont", "3 place Saint-Lambert", "4000 Liège", "BE"),
           ("Pharmacie Centrale", "45 avenue Jean Jaurès", "69007 Lyon", "FR"),
           ("Café des Arts", "8 Grand-Rue", "L-1660 Luxembourg", "LU")],
    "de": [("Bäckerei Müller", "Hauptstraße 5", "10115 Berlin", "DE"),
           ("Getränkemarkt Schulz", "Bahnhofstr. 22", "50667 Köln", "DE"),
           ("Drogerie Weiß GmbH", "Königsallee 9", "40212 Düsseldorf", "DE"),
           ("Metzgerei Becker", "Marktplatz 1", "L-9010 Ettelbruck", "LU")],
    "en": [("Corner Shop", "14 Avenue de la Liberté", "L-1930 Luxembourg", "LU"),
           ("Green Grocer", "2 Rue du Fort", "L-2419 Luxembourg", "LU"),
           ("City Books", "Boulevard Royal 21", "L-2449 Luxembourg", "LU"),
           ("Station Kiosk", "Place de la Gare 1", "L-1616 Luxembourg", "LU")],
}

PRODUCTS = {
    "nl": ["Cola Zero 33cl", "Volle melk 1L", "Bruin brood", "Bananen", "Kaas jong belegen", "Wijn rood 0,75L",
           "Eieren 12st", "Pindakaas", "Appelsap 1,5L", "Tandpasta", "Biologische halfvolle melk",
           "Chips paprika 200g", "Koffiebonen 500g", "Spa blauw 6x1,5L", "Croissant", "Stroopwafels",
           "Boter ongezouten 250g", "Tomaten trostomaat", "Rundergehakt 500g", "Vaatwastabletten 40st"],
    "fr": ["Baguette tradition", "Lait demi-écrémé 1L", "Camembert", "Pommes Golden", "Café moulu 250g",
           "Vin rouge Bordeaux 0,75L", "Œufs x6", "Croissant au beurre", "Eau minérale 1,5L", "Yaourt nature x4",
           "Jambon blanc 4 tranches", "Pâtes fusilli 500g", "Dentifrice", "Chocolat noir 70%",
           "Crème fraîche épaisse", "Confiture de fraises", "Petit pain aux céréales", "Jus d'orange 1L"],
    "de": ["Vollkornbrot", "Milch 3,5% 1L", "Brötchen", "Äpfel Elstar", "Käse Gouda", "Mineralwasser 1,5l",
           "Kaffee gemahlen 500g", "Butter 250g", "Bier Pils 0,5l", "Zahnpasta", "Nudeln 500g",
           "Schokolade Vollmilch", "Apfelsaft naturtrüb 1l", "Laugenbrezel", "Orangensaft 1l",
           "Müsli Früchte 750g", "Spülmittel", "Weißwurst 2 Stück"],
    "en": ["Whole milk 1L", "Sourdough loaf", "Bananas", "Cheddar cheese", "Orange juice 1L", "Coffee beans 500g",
           "Sparkling water 1.5L", "Free range eggs x6", "Chocolate bar", "Toothpaste", "Paperback novel",
           "Greeting card", "Newspaper", "Apples Pink Lady", "Tea bags 80", "Butter 250g", "Crisps sea salt"],
}

# VAT: (code, rate percent) per country; first is the standard rate. The deposit code last.
VAT = {
    "BE": [("A", "21"), ("B", "12"), ("C", "6"), ("D", "0")],
    "NL": [("A", "21"), ("B", "9"), ("C", "0")],
    "FR": [("1", "20"), ("2", "10"), ("3", "5.5"), ("4", "0")],
    "DE": [("A", "19"), ("B", "7"), ("C", "0")],
    "LU": [("A", "17"), ("B", "8"), ("C", "3"), ("D", "0")],
}

VAT_IDS = {"BE": ["BE 0403.170.701", "BE0417.497.106", "BE 0123.456.749"],
           "NL": ["NL 123456782B01", "NL 123456782B90", "NL809451392B01"],
           "FR": ["FR 40 303 265 045", "FR83404833048", "FR 12 552 081 317"],
           "DE": ["DE 136 695 976", "DE129273398", "DE 811 907 980"],
           "LU": ["LU 15027442", "LU20165772", "LU 10000356"]}

L = {
    "nl": dict(total=["TOTAAL", "Te betalen", "TOTAAL EUR", "Totaal te betalen"], subtotal="Subtotaal",
               receipt=["Kassabon", "Bonnr.", "Ticket", "Bonnummer:", "Transactie"], date="Datum", time="Tijd",
               cash="Contant", change="Wisselgeld", card=["Bancontact", "Maestro", "Pinnen", "Visa"],
               voucher="Waardebon", gift="Cadeaukaart", discount=["Korting", "Actie 2e halve prijs", "Promo -20%"],
               deposit="Leeggoed", deposit_back="Leeggoed retour", ret="Retour", vat="BTW",
               vat_head=("BTW", "%", "Excl", "BTW", "Incl"), earned="Spaarpunten deze aankoop",
               balance="Saldo punten", card_label="Kaart", amount_label="Bedrag", till="Kassa",
               heading=("Omschrijving", "Bedrag"), bye="Bedankt en tot ziens!", clerk="Bediende",
               items="Aantal artikelen"),
    "fr": dict(total=["TOTAL", "Net à payer", "À PAYER", "TOTAL TTC"], subtotal="Sous-total",
               receipt=["Ticket N°", "Ticket :", "N°", "Facture n°"], date="Date", time="Heure",
               cash="Espèces", change="Rendu monnaie", card=["Carte bancaire", "CB", "Visa", "Bancontact"],
               voucher="Bon d'achat", gift="Carte cadeau", discount=["Remise", "Promo -30%", "Réduction fidélité"],
               deposit="Consigne", deposit_back="Retour consigne", ret="Retour article", vat="TVA",
               vat_head=("TVA", "Taux", "HT", "TVA", "TTC"), earned="Points gagnés", balance="Nouveau solde",
               card_label="Carte", amount_label="Montant", till="Caisse", heading=("Désignation", "Montant"),
               bye="Merci de votre visite", clerk="Vendeur", items="Nombre d'articles"),
    "de": dict(total=["SUMME", "Zu zahlen", "Gesamt", "SUMME EUR"], subtotal="Zwischensumme",
               receipt=["Beleg-Nr.", "Bon-Nr.", "Bon", "Belegnummer:"], date="Datum", time="Uhrzeit",
               cash="Bar", change="Rückgeld", card=["EC-Karte", "Girocard", "Visa", "Mastercard"],
               voucher="Gutschein", gift="Geschenkkarte", discount=["Rabatt", "Aktion -20%", "Nachlass"],
               deposit="Pfand", deposit_back="Pfandrückgabe", ret="Rückgabe", vat="MwSt",
               vat_head=("MwSt", "%", "Netto", "Steuer", "Brutto"), earned="Punkte gesammelt",
               balance="Punktestand", card_label="Karte", amount_label="Betrag", till="Kasse",
               heading=("Artikel", "EUR"), bye="Vielen Dank für Ihren Einkauf", clerk="Es bediente Sie",
               items="Anzahl Artikel"),
    "en": dict(total=["TOTAL", "Amount due", "TOTAL EUR", "Balance due"], subtotal="Subtotal",
               receipt=["Receipt No", "Receipt #", "Receipt:", "Transaction"], date="Date", time="Time",
               cash="Cash", change="Change", card=["Visa", "Mastercard", "Card", "Maestro"],
               voucher="Voucher", gift="Gift card", discount=["Discount", "Promo -10%", "Member discount"],
               deposit="Bottle deposit", deposit_back="Deposit refund", ret="Return", vat="VAT",
               vat_head=("VAT", "Rate", "Net", "VAT", "Gross"), earned="Points earned", balance="Points balance",
               card_label="Card", amount_label="Amount", till="Till", heading=("Item", "EUR"),
               bye="Thank you for shopping with us", clerk="Served by", items="Items"),
}

# adversarial lines near the total: an item count and savings, both worded like a total
ITEM_COUNT = {"nl": "Totaal artikelen", "fr": "Total articles", "de": "Summe Artikel", "en": "Total items"}
SAVED = {"nl": "Totaal korting", "fr": "Total remises", "de": "Sie sparen", "en": "Total savings"}

MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
