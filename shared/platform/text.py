"""Strings taken from outside: identifiers and free text, refused when they hold control characters.

Why: the ledger stores an event as bytes and accepts anything, but read models keep ids in text columns,
and PostgreSQL's text refuses NUL, so one `\\u0000` in a rep id used to stop every projection at that entry.
Other C0 and C1 controls are no part of any real id or name and only confuse logs and terminals; an
unpaired surrogate is no character at all. Identifiers refuse every control character; free text (a
reason, a description) may still hold tab, line feed and carriage return.
"""

from __future__ import annotations

import re

from pydantic import AfterValidator

ANY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def control_character(value: str, pattern: re.Pattern[str] = ANY_CONTROL) -> str | None:
    """Why the value is refused (naming the first control character and where it is), or None."""
    found = pattern.search(value)
    if found is None:
        return None
    return f"must not hold control characters; U+{ord(found.group()):04X} is character {found.start() + 1}"


def _refusing(pattern: re.Pattern[str]) -> AfterValidator:
    def check(value: str) -> str:
        if reason := control_character(value, pattern):
            raise ValueError(reason)
        return value

    return AfterValidator(check)


# Put beside the length constraints: `Annotated[str, StringConstraints(max_length=128), Printable]`.
Printable = _refusing(ANY_CONTROL)  # ids, codes, names of things
PrintableText = _refusing(CONTROL_IN_TEXT)  # reasons, descriptions: line breaks and tabs allowed
