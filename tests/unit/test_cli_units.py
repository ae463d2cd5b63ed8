"""Quantities and prices as typed on the command line, converted exactly to ledger units."""

from __future__ import annotations

import pytest

from client import units


class TestQuantities:
    @pytest.mark.parametrize("text, kilograms", [
        ("1000t", 1_000_000), ("2.5 t", 2_500), ("0.001t", 1), ("750kg", 750), ("750", 750),
        ("1,200", 1_200), ("1,000T", 1_000_000), (" 3 KG ", 3),
    ])
    def test_tonnes_and_kilograms_become_whole_kilograms(self, text, kilograms):
        assert units.parse_quantity(text) == kilograms

    @pytest.mark.parametrize("text, message", [
        ("12x", "quantity '12x' has unknown unit 'x'; use kg or t"),
        ("0.0005t", "quantity '0.0005t' is not a whole number of kilograms"),
        ("1.5kg", "is not a whole number of kilograms"),
        ("0", "quantity must be positive, got 0"),
        ("-5t", "is not a number with an optional unit (kg or t)"),
        ("ten tonnes", "is not a number with an optional unit"),
        ("", "is not a number with an optional unit"),
    ])
    def test_anything_else_is_refused_with_the_reason(self, text, message):
        with pytest.raises(units.UnitError) as refused:
            units.parse_quantity(text)
        assert message in str(refused.value)

    def test_kilograms_are_shown_in_tonnes_when_that_reads_better(self):
        assert [units.format_quantity(q) for q in (750, 1_500, 1_000_000)] == ["750 kg", "1.5 t", "1,000 t"]


class TestPrices:
    @pytest.mark.parametrize("text, fen_per_kg", [
        ("1200/t", 120), ("1,200/t", 120), ("1200 yuan/t", 120), ("1200元/t", 120), ("1200 CNY / t", 120),
        ("1.2/kg", 120), ("1.20/KG", 120), ("0.01/kg", 1), ("10/t", 1), ("0/t", 0), ("98765.43/kg", 9_876_543),
    ])
    def test_yuan_per_tonne_or_kilogram_become_whole_fen_per_kilogram(self, text, fen_per_kg):
        assert units.parse_price(text) == fen_per_kg

    def test_the_conversion_is_exact_where_floats_would_round(self):
        assert units.parse_price("0.29/kg") == 29  # 0.29 * 100 is 28.999999999999996 in binary floating point
        assert units.parse_price("5730/t") == 573

    @pytest.mark.parametrize("text, message", [
        ("1205/t", "price '1205/t' is 120.5 fen per kg; the ledger records whole fen per kg, so use a multiple "
                   "of 10 yuan/t or of 0.01 yuan/kg"),
        ("1.234/kg", "is 123.4 fen per kg"),
        ("1200", "price '1200' is not an amount in yuan per unit, like 1200/t or 1.2/kg"),
        ("1200/m3", "is not an amount in yuan per unit"),
        ("-5/t", "is not an amount in yuan per unit"),
        ("cheap", "is not an amount in yuan per unit"),
        ("99999999999999/kg", "exceeds the limit of 1000000000000 fen per kg"),
    ])
    def test_prices_that_are_not_whole_fen_per_kilogram_are_refused(self, text, message):
        with pytest.raises(units.UnitError) as refused:
            units.parse_price(text)
        assert message in str(refused.value)

    def test_prices_and_amounts_are_shown_in_yuan(self):
        assert units.format_price(120) == "1,200 yuan/t"
        assert units.format_price(1) == "10 yuan/t"
        assert units.format_amount(13_500_000) == "135,000.00 yuan"
        assert units.format_amount(5) == "0.05 yuan"


class TestYears:
    def test_a_year_in_the_ledgers_range_is_an_integer(self):
        assert units.parse_year(" 2026 ") == 2026

    @pytest.mark.parametrize("text", ["26", "20x6", "1989", "2201", "-2026", ""])
    def test_anything_else_is_refused(self, text):
        with pytest.raises(units.UnitError, match="is not a year between 1990 and 2200"):
            units.parse_year(text)
