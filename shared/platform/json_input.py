"""JSON from outside (webhooks, imports, CRM bodies), read exactly and safely: numbers become Decimal or int,
never float, and a hostile body costs no more than its size. Python's json module recurses once per
nesting level (RecursionError near 1,000) and refuses integers of more than 4,300 digits with a ValueError;
both would escape as a 500, so nesting and number length are bounded here, below either limit, and every
refusal is an InvalidInput saying what is wrong."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from shared.platform.errors import FieldError, InvalidInput, json_pointer

MAX_DEPTH = 64  # CRM and CloudEvents bodies nest a handful of levels; a few dozen is already odd
MAX_NUMBER_CHARS = 50  # the longest number any field reads is an amount or a 20-digit id
LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # "\ud800" decodes to a str that UTF-8 cannot encode
# What a lone surrogate looks like in the raw text: a high escape with no low one after it, a low escape with
# no high one before it, or CESU-8 bytes. A pair (an emoji written as two escapes) is a character.
LONE_SURROGATE_IN_TEXT = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
    rb"|\xed[\xa0-\xbf]"
)


class NotJson(InvalidInput):
    """The bytes are not JSON text at all (as opposed to JSON beyond our bounds)."""


class _NumberRefused(Exception):
    """Raised inside the parser's number hooks, so no Python int or Decimal of that size is ever built."""


def _integer(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _NumberRefused(f"a number of {len(text)} digits (at most {MAX_NUMBER_CHARS} characters)")
    return int(text)


def _decimal(text: str) -> Decimal:
    if len(text) > MAX_NUMBER_CHARS:
        raise _NumberRefused(f"a number of {len(text)} characters (at most {MAX_NUMBER_CHARS})")
    return Decimal(text)


def _constant(name: str) -> Any:
    raise _NumberRefused(f"{name}, which is not a JSON number (RFC 8259)")


def decode_json(body: bytes | str, *, what: str = "the body") -> Any:
    """Decoded JSON within the bounds above, or InvalidInput (NotJson when it is not JSON text at all)."""
    try:
        decoded = json.loads(body, parse_float=_decimal, parse_int=_integer, parse_constant=_constant)
    except RecursionError:
        raise InvalidInput(f"{what} nests deeper than {MAX_DEPTH} levels") from None
    except _NumberRefused as refused:
        raise InvalidInput(f"{what} holds {refused}") from None
    except (UnicodeDecodeError, ValueError) as error:  # JSONDecodeError is a ValueError
        raise NotJson(f"{what} is not JSON: {error}") from None
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    # Cheap tests on the raw text first, so a large flat body is not walked: its nesting cannot exceed its
    # count of brackets, and an unpaired surrogate shows in the raw text.
    deep = raw.count(b"[") + raw.count(b"{") >= MAX_DEPTH
    surrogates = LONE_SURROGATE_IN_TEXT.search(raw) is not None
    if deep or surrogates:
        _check_shape(decoded, what, surrogates)
    return decoded


Link = tuple[Any, str | int] | None  # (the parent's link, the key in the parent): a path, built only on need


def _check_shape(decoded: Any, what: str, surrogates: bool) -> None:
    """Walk the value without recursion: refuse nesting beyond MAX_DEPTH and unpaired surrogates."""
    stack: list[tuple[Any, int, Link]] = [(decoded, 0, None)]
    while stack:
        value, depth, link = stack.pop()
        if not isinstance(value, dict | list):
            if surrogates and isinstance(value, str) and LONE_SURROGATE.search(value):
                _refuse_surrogate(what, link)
            continue
        if depth >= MAX_DEPTH:
            detail = f"nested deeper than {MAX_DEPTH} levels"
            raise InvalidInput(
                f"{what} nests deeper than {MAX_DEPTH} levels", errors=[FieldError(_pointer(link), detail)]
            )
        for key, item in value.items() if isinstance(value, dict) else enumerate(value):
            if surrogates and isinstance(key, str) and LONE_SURROGATE.search(key):
                _refuse_surrogate(what, link)
            if isinstance(item, dict | list) or (surrogates and isinstance(item, str)):
                stack.append((item, depth + 1, (link, key)))


def _pointer(link: Link) -> str:
    path: list[str | int] = []
    while link is not None:
        link, key = link
        path.append(key)
    return json_pointer(path[::-1])


def _refuse_surrogate(what: str, link: Link) -> None:
    detail = "holds an unpaired UTF-16 surrogate escape, which is no character"
    raise InvalidInput(f"{what} {detail}", errors=[FieldError(_pointer(link), detail)])
