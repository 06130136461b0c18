"""Lines worded like a total that are not the total: never a wrong total with high confidence."""

import pytest

from gateway.receipt import extract
from gateway.receipt.checks import HIGH

HEAD = ["Corner Shop", "Receipt 12   12/03/2024 10:00"]


def run(*lines: str) -> dict:
    return extract([*HEAD, *lines])


def test_total_savings_above_the_total_is_not_the_total():
    e = run("Milk            2.00", "Bread           3.00", "Discount       -1.00", "Total savings   1.00",
            "TOTAL           4.00", "Cash           10.00", "Change          6.00")
    assert e["totals"]["gross"] == "4.00" and e["totals"]["change"] == "6.00"
    assert [x["amount"] for x in e["lines"]] == ["2.00", "3.00", "-1.00"]


@pytest.mark.parametrize("not_a_total", ["Subtotal        5.00", "Total savings   1.00", "Change given    5.00",
                                         "Zwischensumme   5,00", "Sous-total      5,00", "Subtotaal       5,00"])
def test_without_a_total_line_nothing_else_is_taken_for_it(not_a_total):
    e = run("Milk            2.00", "Bread           3.00", not_a_total, "Cash           10.00")
    assert e["totals"]["gross"] is None
    assert e["extraction"]["confidence"] < HIGH
    assert "total not found" in e["extraction"]["warnings"]


def test_item_counts_and_net_totals_are_neither_items_nor_the_total():
    e = run("Milk            2.00", "Bread           3.00", "Total items        2", "Total articles  2,00",
            "TOTAL HT        4,17", "TOTAL TTC       5,00")
    assert e["totals"]["gross"] == "5.00"
    assert [x["amount"] for x in e["lines"]] == ["2.00", "3.00"]


def test_payment_and_change_printed_above_the_total():
    e = run("Milk            2.00", "Bread           3.00", "Tendered       10.00", "Change          5.00",
            "TOTAL           5.00")
    assert e["totals"]["gross"] == "5.00" and e["totals"]["change"] == "5.00"
    assert [x["amount"] for x in e["lines"]] == ["2.00", "3.00"]
    assert e["payments"] == [{"method": "cash", "amount": "10.00", "card_masked": None}]


def test_a_total_that_the_lines_do_not_reach_is_not_trusted():
    e = run("Milk            2.00", "Bread           3.00", "TOTAL           7.00", "Cash           10.00",
            "Change          3.00")
    assert e["totals"]["gross"] == "7.00"
    assert e["extraction"]["confidence"] < HIGH


@pytest.mark.parametrize("neg", ["-1,00", "1,00-", "(1,00)"])
def test_negative_amounts_in_the_three_ways_tills_print_them(neg):
    e = extract(["Bakkerij", "Kassabon 7   12-03-2024 10:00", "Brood           3,00 A",
                 f"Korting         {neg} A", "Totaal          2,00", "Contant         2,00"])
    assert [x["amount"] for x in e["lines"]] == ["3.00", "-1.00"]
    assert e["lines"][1]["kind"] == "discount" and e["lines"][1]["vat_code"] == "A"
    assert e["extraction"]["confidence"] >= HIGH


def test_vat_letter_before_the_amount_and_an_ean_line_above_the_item():
    e = extract(["Laden", "Bon-Nr. 12   12.03.2024 10:00", "4006381333931", "  2 x 1,50",
                 "Brot                A    3,00", "Milch               B    1,20", "Summe                    4,20",
                 "Bar                      5,00", "Rückgeld                 0,80"])
    assert [(x["description"], x["quantity"], x["unit_price"], x["vat_code"]) for x in e["lines"]] == [
        ("Brot", "2", "1.50", "A"), ("Milch", "1", "1.20", "B")]
    assert e["totals"]["gross"] == "4.20"


def test_total_label_with_its_amount_on_the_line_below():
    # a double-size total the till prints as two lines, or a till that wraps it itself
    e = run("Milk            2.00", "Chocolate bar", "                1.20", "Subtotal", "            3.20",
            "TOTAL EUR", "            3.20", "Cash           10.00", "Change          6.80")
    assert e["totals"]["gross"] == "3.20"
    assert [(x["description"], x["amount"]) for x in e["lines"]] == [("Milk", "2.00"), ("Chocolate bar", "1.20")]
    assert e["extraction"]["confidence"] >= HIGH
