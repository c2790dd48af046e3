"""What a hostile or broken sender can put in a body: JSON nested past any use, numbers past Python's digit
limit, controls in ids, amounts past the documented bound. Each is refused as InvalidInput or a
validation error naming the field; none escapes as RecursionError, ValueError or OverflowError."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import create_engine, exc, text

from shared.kernel.events.activities import Ref, Text
from shared.kernel.events.envelope import validate_event
from shared.kernel.metrics.figures import Credit, totals
from shared.kernel.money import Amount, exact_sum
from shared.platform.errors import InvalidInput
from shared.platform.json_input import MAX_DEPTH, NotJson, decode_json
from shared.platform.poison import describe
from tests.support import deal_won

AMOUNT = TypeAdapter(Amount)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nests deeper than 64 levels"),  # RecursionError inside json
        (b'{"a":' * 500 + b"1" + b"}" * 500, "nests deeper than 64 levels"),  # decodes, then refused
        (b'{"amount": ' + b"9" * 5000 + b"}", "a number of 5000 digits"),  # ValueError inside json
        (b'{"amount": 1.' + b"5" * 60 + b"}", "a number of 62 characters"),
        (b'{"amount": NaN}', "NaN, which is not a JSON number"),
        (b'{"amount": -Infinity}', "-Infinity, which is not a JSON number"),
        (b'{"rep_id": "\\ud800"}', "unpaired UTF-16 surrogate"),
        (b'{"\\udfff": 1}', "unpaired UTF-16 surrogate"),
        (b'{"rep_id": "\xed\xa0\x80"}', "unpaired UTF-16 surrogate"),  # the same, as CESU-8 bytes
        (b'{"ids": [1, 2, "\\ud83d"]}', "unpaired UTF-16 surrogate"),  # half an emoji
    ],
)
def test_json_beyond_the_bounds_is_invalid_input_saying_why(body, says):
    with pytest.raises(InvalidInput, match=says) as refused:
        decode_json(body)
    assert not isinstance(refused.value, NotJson)


def test_json_within_the_bounds_is_read_exactly():
    nested = b"[" * (MAX_DEPTH - 1) + b"[]" + b"]" * (MAX_DEPTH - 1)
    assert decode_json(nested) is not None
    assert decode_json(b'{"amount": 1200.50, "n": 12345678901234567890, "emoji": "\\ud83d\\ude00"}') == {
        "amount": Decimal("1200.50"),
        "n": 12345678901234567890,
        "emoji": "😀",
    }


@pytest.mark.parametrize("body", [b"{broken", b"\xff\xfe\x00", b""])
def test_what_is_not_json_says_so(body):
    with pytest.raises(NotJson, match="is not JSON"):
        decode_json(body)


def test_the_depth_refusal_points_at_where_it_went_too_deep():
    with pytest.raises(InvalidInput) as refused:
        decode_json(b'{"data": ' + b"[" * 70 + b"]" * 70 + b"}")
    assert refused.value.errors[0].pointer == "/data" + "/0" * (MAX_DEPTH - 1)


@pytest.mark.parametrize("value", ["r\x00-1", "r\x01", "r-1\x7f", "r\x85-1", "r\u009f", "r\ud800"])
def test_identifiers_refuse_every_control_character(value):
    # (pydantic itself refuses an unpaired surrogate, as no unicode string)
    with pytest.raises(ValidationError, match=r"must not hold control characters|unable to parse raw data"):
        TypeAdapter(Ref).validate_python(value)


def test_text_keeps_line_breaks_and_tabs_but_refuses_other_controls():
    assert TypeAdapter(Text).validate_python("lost to a rival\n\tprice") == "lost to a rival\n\tprice"
    with pytest.raises(ValidationError, match="U\\+0000 is character 5"):
        TypeAdapter(Text).validate_python("lost\x00")
    with pytest.raises(ValidationError, match="U\\+000A"):
        TypeAdapter(Ref).validate_python("r-1\nr-2")


@pytest.mark.parametrize(
    ("field", "value", "pointer"),
    [
        ("rep_id", "r-\x001", "/data/rep_id"),
        ("customer_id", "c\x1b[31m", "/data/customer_id"),
        ("deal_id", "d\u0085-1", "/data/deal_id"),
    ],
)
def test_the_envelope_refuses_controls_in_data_naming_the_field(field, value, pointer):
    event = deal_won()
    event["data"][field] = value
    with pytest.raises(InvalidInput) as refused:
        validate_event(event, [])
    assert [e.pointer for e in refused.value.errors] == [pointer]


@pytest.mark.parametrize(
    ("attribute", "value"),
    [("id", "e\x00"), ("source", "crm://x\x00"), ("subject", "s\x07"), ("time", "9999-12-31T23:59:59-23:59")],
)
def test_the_envelope_refuses_controls_and_unrepresentable_times_in_attributes(attribute, value):
    event = {**deal_won(), attribute: value}
    with pytest.raises(InvalidInput) as refused:
        validate_event(event, [3])
    assert [e.pointer for e in refused.value.errors] == [f"/3/{attribute}"]


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("1000000000000000", "below 1,000,000,000,000,000"),
        ("1E+15", "below 1,000,000,000,000,000"),
        ("1E+999999999", "below 1,000,000,000,000,000"),
        ("0.0000001", "at most 6 decimal places"),
        ("1E-999999", "at most 6 decimal places"),
        ("1E-999999999999", "at most 6 decimal places"),
        ("1" * 51, "at most 50 characters"),
        ("-0.01", "must not be negative"),
    ],
)
def test_amounts_beyond_the_bound_are_refused(raw, says):
    with pytest.raises(ValidationError, match=says):
        AMOUNT.validate_python(raw)


@pytest.mark.parametrize(
    "raw", ["999999999999999.999999", "0.000001", "1.50000000", "1E+14", "0", Decimal("120000.00"), 42]
)
def test_amounts_within_the_bound_are_kept_as_written(raw):
    assert AMOUNT.validate_python(raw) == Decimal(raw)


def test_sums_of_bounded_amounts_and_their_shares_are_exact():
    # A third of the largest bounded amount (a split's share: 27 significant digits, exact), credited a
    # million times: Python's default 28 digits would round the running sum; the figures' context must not.
    largest = Decimal("999999999999999.999999")
    share = largest * Decimal("33.3333") / 100
    assert share == Decimal("333332999999999.999999666667")
    expected = Decimal("333332999999999999999666667") / Decimal(10) ** 6  # share * 10^6, written out
    assert exact_sum([share] * 1_000_000) == expected
    credits = [Credit("revenue_won", "r-1", date(2026, 10, 5), share, "CNY", None, None)] * 1_000_000
    assert totals(credits, "CNY")["revenue_won"] == expected


def test_a_database_that_does_not_answer_is_named_not_quoted():
    engine = create_engine("postgresql+psycopg://secret_user@127.0.0.1:1/db", connect_args={"connect_timeout": 1})
    with pytest.raises(exc.OperationalError) as refused, engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    assert "secret_user" in str(refused.value) or "127.0.0.1" in str(refused.value)  # what the driver says
    assert describe(refused.value) == "OperationalError: the database did not answer"
