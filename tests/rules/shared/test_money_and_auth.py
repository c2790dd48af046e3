"""Money parsing and rounding, and the API token table."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared.kernel.money import parse_amount, quantize_money, quantize_ratio, show_count, show_money, show_ratio
from shared.platform.auth import Principal, Role, parse_api_tokens, service_token


@pytest.mark.parametrize(
    ("raw", "amount"),
    [("1200.50", Decimal("1200.50")), (" 7 ", Decimal(7)), (Decimal("0.1"), Decimal("0.1")), (3, Decimal(3))],
)
def test_amounts_are_exact_decimals(raw, amount):
    assert parse_amount(raw) == amount


@pytest.mark.parametrize("raw", [0.1, True, "ten", "NaN", "Infinity", None, [1]])
def test_floats_and_non_numbers_are_not_amounts(raw):
    with pytest.raises(ValueError):
        parse_amount(raw)


def test_rounding_is_half_up_to_the_currency_minor_unit():
    assert quantize_money(Decimal("2.345"), "CNY") == Decimal("2.35")
    assert quantize_money(Decimal("2.344"), "CNY") == Decimal("2.34")
    assert quantize_money(Decimal("-2.345"), "CNY") == Decimal("-2.35")  # half away from zero
    assert quantize_money(Decimal("1234.5"), "JPY") == Decimal("1235")
    assert quantize_ratio(Decimal(2) / Decimal(3)) == Decimal("0.6667")


def test_tokens_map_to_roles_and_scopes():
    table = parse_api_tokens("t1=admin, t3=rep:r-17,t4=manager:team-east")
    assert sorted(table.values(), key=str) == sorted(
        [Principal(Role.ADMIN), Principal(Role.REP, "r-17"), Principal(Role.MANAGER, "team-east")], key=str
    )
    assert "t1" not in table  # kept by digest only


def test_a_token_may_name_its_holder_who_then_acts_under_that_name():
    (hr,) = parse_api_tokens("t9=hr@wang.fang").values()
    assert (hr.role, hr.subject, hr.actor) == (Role.HR, "wang.fang", "wang.fang")
    (manager,) = parse_api_tokens("t4=manager:team-east").values()
    assert manager.actor == "manager:team-east"


@pytest.mark.parametrize(
    ("text", "message"),
    [("t1", "token=role"), ("t1=boss", "unknown role"), ("t1=rep", "needs a scope"), ("=admin", "token=role")],
)
def test_malformed_token_entries_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_api_tokens(text)


def test_a_follower_reads_the_ledger_with_the_first_service_token_unless_given_one():
    assert service_token("t1=admin,t2=service@scoring,t3=service") == "t2"
    assert service_token("t1=admin,t4=rep:r-17") is None


@pytest.mark.parametrize(
    ("amount", "currency", "written"),
    [
        ("200000", "CNY", "200000.00"),  # never 200000 beside 4000000.00
        ("4000000.00", "CNY", "4000000.00"),
        ("1E+6", "CNY", "1000000.00"),  # no exponent, whatever the Decimal's form
        ("1000.010000", "CNY", "1000.01"),  # trailing zeros past the fen are no information
        ("333.3366666666666666666666667", "CNY", "333.3366666666666666666666667"),  # a third of 1000.01: exact
        ("0.0000001", "CNY", "0.0000001"),
        ("-0", "CNY", "0.00"),
        ("1234", "JPY", "1234"),  # the yen has no minor unit
        ("12.3", "KWD", "12.300"),  # the dinar has three
        ("999999999999999.999999", "CNY", "999999999999999.999999"),
    ],
)
def test_answers_write_money_to_at_least_the_minor_unit_and_never_round_it(amount, currency, written):
    assert show_money(Decimal(amount), currency) == written


def test_answers_write_counts_as_integers_and_ratios_at_four_places():
    assert show_count(Decimal("12")) == 12 and isinstance(show_count(Decimal("12.000")), int)
    assert show_count(Decimal("0.333333")) == "0.333333"  # a third of a split deal stays exact
    assert str(show_ratio(Decimal(1) / Decimal(3))) == "0.3333"
    assert str(show_ratio(Decimal("0.5"))) == "0.5000"
