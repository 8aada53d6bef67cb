"""Human durations for commands: "7 days", "1 week", "36 hours", "90m", "1 week 2 days", "1h30m".

Strict on purpose: whole numbers with a known unit, nothing else. A typo in a purge's cut-off must be refused,
not read as something else ("7" alone, "1 fortnight", "-1 day" and "0 days" all are).
"""

import re
from datetime import timedelta

UNITS = {
    "weeks": ("w", "wk", "wks", "week", "weeks"),
    "days": ("d", "day", "days"),
    "hours": ("h", "hr", "hrs", "hour", "hours"),
    "minutes": ("m", "min", "mins", "minute", "minutes"),
    "seconds": ("s", "sec", "secs", "second", "seconds"),
}
_UNIT_OF = {spelling: unit for unit, spellings in UNITS.items() for spelling in spellings}
_PART = re.compile(r"(\d+)\s*([a-z]+)")
_SEPARATOR = re.compile(r"(?:\s*,\s*|\s+and\s+|\s*)")
EXAMPLES = '"7 days", "1 week", "36 hours", "90m"'


class DurationError(ValueError):
    """Not a duration we accept; the message says why and shows what is accepted."""


def parse_duration(text: str) -> timedelta:
    """The duration `text` names, longer than zero; DurationError otherwise."""
    original = text
    text = (text or "").strip().lower()
    if not text:
        raise DurationError(f"Give a duration such as {EXAMPLES}.")
    total = timedelta(0)
    seen: set[str] = set()
    position = 0
    while position < len(text):
        separator = _SEPARATOR.match(text, position)
        if position and separator:
            position = separator.end()
        part = _PART.match(text, position)
        if part is None:
            raise DurationError(f"{original!r} is not a duration: use whole numbers with units, such as {EXAMPLES}.")
        number, spelling = part.groups()
        unit = _UNIT_OF.get(spelling)
        if unit is None:
            raise DurationError(
                f"{original!r}: unknown unit {spelling!r}; use weeks, days, hours, minutes or seconds (w, d, h, m, s)."
            )
        if unit in seen:
            raise DurationError(f"{original!r} names {unit} twice.")
        seen.add(unit)
        try:
            total += timedelta(**{unit: int(number)})
        except OverflowError as error:
            raise DurationError(f"{original!r} is too long.") from error
        position = part.end()
    if total <= timedelta(0):
        raise DurationError(f"{original!r} is no time at all; the duration must be longer than zero.")
    return total
