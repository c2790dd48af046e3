"""Canonical JSON is the one byte form of anything hashed: worked examples of each rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.platform.canonical import canonical_hash, canonical_json, format_timestamp


def test_keys_are_sorted_and_there_is_no_white_space():
    assert canonical_json({"b": 1, "a": {"d": [1, 2], "c": None}}) == b'{"a":{"c":null,"d":[1,2]},"b":1}'


def test_decimals_keep_their_written_scale_as_strings():
    assert canonical_json({"amount": Decimal("1200.50")}) == b'{"amount":"1200.50"}'
    assert canonical_json([Decimal("1E+3")]) == b'["1E+3"]'


def test_timestamps_are_utc_with_six_fraction_digits():
    shanghai = timezone(timedelta(hours=8))
    assert format_timestamp(datetime(2026, 2, 1, 7, 30, tzinfo=shanghai)) == "2026-01-31T23:30:00.000000Z"
    assert canonical_json([date(2026, 1, 31)]) == b'["2026-01-31"]'
    with pytest.raises(ValueError, match="naive"):
        format_timestamp(datetime(2026, 1, 1))


def test_uuids_are_lower_case_hyphenated():
    assert canonical_json(UUID("6F1D3C0E-2B7A-4B8E-9A51-3C2F7D9E1A40")) == b'"6f1d3c0e-2b7a-4b8e-9a51-3c2f7d9e1a40"'


@pytest.mark.parametrize("value", [1.5, Decimal("NaN"), Decimal("Infinity"), {1, 2}, object(), 2**63, -(2**63) - 1])
def test_values_without_one_spelling_are_refused(value):
    with pytest.raises((TypeError, ValueError)):
        canonical_json({"x": value})


def test_non_ascii_text_is_utf8_not_escaped():
    assert canonical_json({"客户": "华东"}) == '{"客户":"华东"}'.encode()


def test_hash_of_a_known_document():
    # sha256(b'{"a":1}') computed independently.
    assert canonical_hash({"a": 1}) == "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=5), json_values, max_size=6))
def test_insertion_order_never_changes_the_bytes(document):
    reordered = dict(reversed(list(document.items())))
    assert canonical_json(document) == canonical_json(reordered)
