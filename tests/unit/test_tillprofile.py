"""Till profiles: a technician pins what the generic extractor cannot read."""

import pytest

from gateway.config import ConfigError
from gateway.receipt import extract
from gateway.receipt.tillprofile import builtin_names, load_till_profile

HORECA = ["Brasserie De Kroon", "Markt 3", "8000 Brugge", "BTW BE0417.497.106", "Tafel 12",
          "Volgnr 4711     120324 2045", "----------", "2 Pils 5,00 A", "1 Spaghetti bolognese 14,50 A",
          "3 Koffie 9,00 A", "----------", "TE BETALEN     28,50", "Bancontact     28,50"]


def test_builtins_are_listed_and_load():
    assert {"horeca-be-compact", "artnr-columns-48", "fr-note-net"} <= set(builtin_names())
    for name in builtin_names():
        assert load_till_profile(name).name == name


def test_horeca_profile_reads_number_compact_date_and_bare_quantities():
    generic = extract(HORECA)
    assert generic["receipt_number"] is None and generic["issued_at"] is None  # no guess
    d = extract(HORECA, profile=load_till_profile("horeca-be-compact"))
    assert d["receipt_number"] == "4711"
    assert d["issued_at"].startswith("2024-03-12T20:45:00")
    assert [(x["quantity"], x["description"], x["amount"]) for x in d["lines"]] == [
        ("2", "Pils", "5.00"), ("1", "Spaghetti bolognese", "14.50"), ("3", "Koffie", "9.00")]
    assert d["extraction"]["till_profile"] == "horeca-be-compact"


def test_column_profile_cuts_the_article_number_off():
    row = "{:<8}{:<16}{:>5}{:>8}{:>9} {}"
    lines = ["Metzgerei Becker", "Bon 123   12.03.2024 10:15",
             "Art.Nr  Bezeichnung     Menge   Preis   Betrag",
             row.format("40012", "Leberkaese", "2", "1,50", "3,00", "A"),
             row.format("40013", "Brezel 120g", "1", "0,90", "0,90", "B"),
             "SUMME   3,90", "Bar   3,90"]
    d = extract(lines, profile=load_till_profile("artnr-columns-48"))
    assert [(x["description"], x["quantity"], x["unit_price"], x["amount"], x["vat_code"]) for x in d["lines"]] == [
        ("Leberkaese", "2", "1.50", "3.00", "A"), ("Brezel 120g", "1", "0.90", "0.90", "B")]


def test_pattern_profile_reads_a_total_the_generic_words_exclude():
    lines = ["Chez Paul", "Note 57/2   14/03/2024 21:10", "Couverts: 2", "Entrecote   24,00",
             "Vin   12,00", "NET   36,00", "CB   36,00"]
    assert extract(lines)["totals"]["gross"] is None
    d = extract(lines, profile=load_till_profile("fr-note-net"))
    assert d["totals"]["gross"] == "36.00" and d["receipt_number"] == "57"


def test_profile_from_a_file_and_its_errors_name_file_line_and_key(tmp_path):
    good = tmp_path / "mine.toml"
    good.write_text('[till]\nname = "mine"\n[keywords]\ntotal = ["A ENCAISSER"]\n', encoding="utf-8")
    lines = ["Shop", "Pain 2,00", "A ENCAISSER  2,00"]
    assert extract(lines)["totals"]["gross"] is None
    d = extract(lines, profile=load_till_profile(str(good)))
    assert d["totals"]["gross"] == "2.00"
    bad = tmp_path / "bad.toml"
    bad.write_text('[till]\nname = "x"\n[patterns]\nitem = "(unclosed"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_till_profile(str(bad))
    assert "bad.toml:4" in str(err.value) and "item" in str(err.value)
    with pytest.raises(ConfigError, match="unknown till profile"):
        load_till_profile("no-such-till")


def test_profile_currency_fills_in_only_when_the_receipt_prints_none():
    profile = load_till_profile("horeca-be-compact")  # currency = "EUR"
    d = extract(HORECA, profile=profile, default_currency="CHF")
    assert d["currency"] == "EUR" and not any("currency" in w for w in d["extraction"]["warnings"])
    printed = [*HORECA[:-1], "Bancontact     28,50 GBP", "Total paid     GBP 28,50"]
    assert extract(printed, profile=profile)["currency"] == "GBP"
