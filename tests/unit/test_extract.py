"""The generic extractor on printed lines: the fields a customer would check on paper."""

from zoneinfo import ZoneInfo

from gateway.receipt import extract
from gateway.receipt.checks import HIGH

BRUSSELS = ZoneInfo("Europe/Brussels")

NL = """\
       SUPERMARKT DE LINDE
     Kerkstraat 12
     2000 Antwerpen
   BTW BE 0123.456.749
Tel. 03 123 45 67
Kassabon 004711    12-03-2024 14:32
------------------------------------------
Cola Zero 33cl         2 x 0,80   1,60 A
Biologische volle melk
halfvol 1L                        1,29 A
Bananen 1,234 kg x 1,99 €/kg      2,46 A
Korting actie                    -0,50 A
Leeggoed                          0,30 D
------------------------------------------
TOTAAL                       EUR  5,15
Bancontact                        5,15
BTW     %    Excl    BTW    Incl
A      6%    4,57   0,28    4,85
D      0%    0,30   0,00    0,30

Kaart: XXXX XXXX XXXX 1234
Spaarpunten deze aankoop: 5
Saldo punten: 120
FDM ID: CFDM12345678
Handtekening: ABCDEF0123456789ABCDEF
   0123456789ABCDEF
Bedankt en tot ziens""".splitlines()


def amounts(doc):
    return [x["amount"] for x in doc["lines"]]


def test_dutch_supermarket_receipt():
    d = extract(NL, tz=BRUSSELS)
    assert d["merchant"] == {"name": "SUPERMARKT DE LINDE", "address": "Kerkstraat 12, 2000 Antwerpen",
                             "vat_id": "BE0123456749"}
    assert d["receipt_number"] == "004711"
    assert d["issued_at"] == "2024-03-12T14:32:00+01:00"
    assert d["totals"]["gross"] == "5.15" and d["totals"]["discount"] == "0.50"
    assert amounts(d) == ["1.60", "1.29", "2.46", "-0.50", "0.30"]
    assert [x["kind"] for x in d["lines"]] == ["sale", "sale", "sale", "discount", "deposit"]
    assert d["lines"][0]["quantity"] == "2" and d["lines"][0]["unit_price"] == "0.80"
    assert d["lines"][1]["description"] == "Biologische volle melk halfvol 1L"
    assert d["lines"][2]["quantity"] == "1.234"
    assert d["vat"] == [{"code": "A", "rate": "6", "base": "4.57", "vat": "0.28", "gross": "4.85"},
                        {"code": "D", "rate": "0", "base": "0.30", "vat": "0.00", "gross": "0.30"}]
    assert d["payments"] == [{"method": "bancontact", "amount": "5.15", "card_masked": "************1234"}]
    assert d["loyalty"] == {"card": None, "points_earned": "5", "points_balance": "120"}
    assert d["fiscal"]["lines"] == NL[-4:-1]  # copied unchanged
    assert d["extraction"]["confidence"] >= HIGH and d["extraction"]["warnings"] == []


def test_french_receipt_with_cash_and_change_in_summer_time():
    lines = """\
Épicerie du Marché
12 rue de la Gare
75010 Paris
TVA FR 40 303 265 045
Ticket N° 2024-000123
Date: 05/07/2024   Heure: 09:05
--------------------------------
Baguette tradition          1,30 2
Camembert  2 x 3,10         6,20 2
Vin rouge 0,75L            12,90 1
Remise fidélité            -1,00 1
--------------------------------
Net à payer                19,40
Espèces                    20,00
Rendu monnaie               0,60
TVA   Taux    HT     TVA    TTC
1     20%   9,92    1,98  11,90
2     5,5%  7,11    0,39   7,50
Logiciel certifié NF525 - Certificat n° 0123""".splitlines()
    d = extract(lines, tz=BRUSSELS)
    assert d["receipt_number"] == "2024-000123"
    assert d["issued_at"] == "2024-07-05T09:05:00+02:00"
    assert d["totals"]["gross"] == "19.40" and d["totals"]["change"] == "0.60"
    assert amounts(d) == ["1.30", "6.20", "12.90", "-1.00"]
    assert [v["rate"] for v in d["vat"]] == ["20", "5.5"]
    assert d["payments"] == [{"method": "cash", "amount": "20.00", "card_masked": None}]
    assert d["fiscal"]["lines"] == [lines[-1]]
    assert d["extraction"]["confidence"] >= HIGH


def test_german_receipt_tse_block_and_qr_are_fiscal():
    lines = """\
Bäckerei Müller
Hauptstraße 5
10115 Berlin
USt-IdNr. DE 136 695 976
Beleg-Nr. 4711   12.03.2024 07:45
Brötchen         6 x 0,45   2,70 B
Kaffee to go                3,20 A
Pfand                       0,25 A
SUMME                       6,15
EC-Karte                    6,15
MwSt  %    Netto  Steuer  Brutto
A    19%    2,90    0,55    3,45
B     7%    2,52    0,18    2,70
TSE-Transaktion: 4711
TSE-Signatur:
MEUCIQDx3jYhX2uO8Lk5R9cW0
Vielen Dank""".splitlines()
    qr = "V0;Kasse1;Kassenbeleg-V1;Beleg^6.15_0.00:Bar;4711"
    d = extract(lines, [{"type": "qr", "data": qr}], tz=BRUSSELS)
    assert d["receipt_number"] == "4711"
    assert d["totals"]["gross"] == "6.15"
    assert [x["kind"] for x in d["lines"]] == ["sale", "sale", "deposit"]
    assert d["lines"][0]["quantity"] == "6"
    assert d["payments"][0]["method"] == "girocard"
    assert d["fiscal"] == {"lines": lines[13:16], "qr": [qr]}
    assert d["codes"] == [{"type": "qr", "data": qr}]


def test_english_receipt_with_return_and_quantity_below():
    lines = """\
Corner Shop
14 Avenue de la Liberté
L-1930 Luxembourg
VAT LU 15027442
Receipt #88812
12 Mar 2024 18:02
Whole milk 1L               3.00 A
   2 x 1.50
Return Newspaper           -2.50 A
TOTAL                       0.50
Cash                        0.50""".splitlines()
    d = extract(lines)
    assert d["receipt_number"] == "88812"
    assert d["issued_at"].startswith("2024-03-12T18:02:00")
    assert d["lines"][0]["quantity"] == "2" and d["lines"][0]["unit_price"] == "1.50"
    assert d["lines"][1]["kind"] == "return" and d["lines"][1]["amount"] == "-2.50"
    assert d["merchant"]["vat_id"] == "LU15027442"


def test_columns_wrapped_below_the_amount_line():
    lines = """\
Shop
Datum: 01-02-2024 10:00
------------------------------
Biologische  2   1,50   3,00 A
halfvolle
melk
Kaas         1   4,00   4,00 B
------------------------------
TOTAAL                  7,00""".splitlines()
    d = extract(lines)
    assert [x["description"] for x in d["lines"]] == ["Biologische halfvolle melk", "Kaas"]


def test_vat_row_order_is_read_from_arithmetic():
    lines = ["Shop", "01.02.2024 10:00", "Artikel  11,90 A", "SUMME  11,90", "Bar  11,90",
             "A=19,0%  MwSt 1,90  Netto 10,00  Brutto 11,90"]
    assert extract(lines)["vat"] == [{"code": "A", "rate": "19", "base": "10.00", "vat": "1.90", "gross": "11.90"}]


def test_lines_that_disagree_with_the_total_lower_confidence():
    lines = ["Shop", "12-03-2024 14:00", "Ticket 5", "Brood  2,00", "Kaas  3,00", "TOTAAL  9,00",
             "Contant  9,00"]
    d = extract(lines)
    assert d["totals"]["gross"] == "9.00"
    assert d["extraction"]["confidence"] < HIGH
    assert any("lines add up to 5.00" in w for w in d["extraction"]["warnings"])


def test_unsure_fields_are_null_with_a_warning_never_guessed():
    d = extract(["Bedankt voor uw bezoek", "Tot ziens"])
    assert d["totals"]["gross"] is None and d["issued_at"] is None and d["receipt_number"] is None
    assert {"total not found", "date not found", "receipt number not found"} <= set(d["extraction"]["warnings"])
    assert d["extraction"]["confidence"] < 0.5


def test_date_without_time_is_a_date_only():
    d = extract(["Shop", "Datum 12-03-2024", "TOTAL 1,00"])
    assert d["issued_at"] == "2024-03-12"
    assert any("time not found" in w for w in d["extraction"]["warnings"])


def test_a_full_card_number_never_leaves_in_clear():
    d = extract(["Shop", "TOTAL 10,00", "Visa 10,00", "Card 4111 1111 1111 1111"])
    assert "4111 1111 1111 1111" not in "\n".join(d["text"])
    assert d["payments"][0]["card_masked"] == "************1111"


def test_validity_and_slip_dates_do_not_replace_the_receipt_date():
    d = extract(["Shop", "Bon 12  03-04-2024 11:11", "Item  1,00", "TOTAL  1,00",
                 "Bon geldig tot 31-12-2024"])
    assert d["issued_at"].startswith("2024-04-03T11:11")
