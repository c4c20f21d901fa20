"""Is a typed literal's lexical form in its XSD datatype's lexical space? (XML Schema 1.1 Part 2.)

The patterns are the standard's own, in ASCII only: Python's ``int()`` would take '٣' and '1_000' and
fail past 4300 digits, and rdflib's checks follow ``int()``. Datatypes not listed here are not checked.
Leading and trailing whitespace is allowed, as the whiteSpace facet "collapse" of these types says.
"""

from __future__ import annotations

import re
from datetime import date

XSD = "http://www.w3.org/2001/XMLSchema#"

_TZ = r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_YEAR = r"-?([1-9][0-9]{3,}|0[0-9]{3})"
_DATE = _YEAR + r"-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = r"(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|24:00:00(\.0+)?)"
_DECIMAL = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"

#: The integer types and their inclusive bounds (None: unbounded).
_INTEGERS: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-(2**7), 2**7 - 1),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 2**8 - 1),
}

_PATTERNS: dict[str, re.Pattern[str]] = {
    "decimal": re.compile(_DECIMAL),
    "double": re.compile(r"(" + _DECIMAL + r"([Ee][+-]?[0-9]+)?|[+-]?INF|NaN)"),
    "float": re.compile(r"(" + _DECIMAL + r"([Ee][+-]?[0-9]+)?|[+-]?INF|NaN)"),
    "boolean": re.compile(r"true|false|1|0"),
    "date": re.compile(_DATE + _TZ),
    "dateTime": re.compile(_DATE + "T" + _TIME + _TZ),
    "dateTimeStamp": re.compile(_DATE + "T" + _TIME + r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"),
    "time": re.compile(_TIME + _TZ),
    "gYear": re.compile(_YEAR + _TZ),
    "gYearMonth": re.compile(_YEAR + r"-(0[1-9]|1[0-2])" + _TZ),
    **{name: re.compile(r"[+-]?[0-9]+") for name in _INTEGERS},
}


def checked(datatype: str) -> bool:
    """True when :func:`ill_typed` knows ``datatype``."""
    return datatype.startswith(XSD) and datatype[len(XSD) :] in _PATTERNS


def ill_typed(value: str, datatype: str) -> str | None:
    """Why ``value`` is not a lexical form of ``datatype`` (English / bokmål), or None when it is (or unknown)."""
    if not checked(datatype):
        return None
    name = datatype[len(XSD) :]
    text = value.strip(" \t\n\r")
    if not _PATTERNS[name].fullmatch(text):
        return f"not a valid xsd:{name} / ikke en gyldig xsd:{name}"
    if name in _INTEGERS:
        low, high = _INTEGERS[name]
        digits = text.lstrip("+-").lstrip("0")
        if (low is not None or high is not None) and len(digits) > 40:  # far outside every bounded type
            return f"out of the range of xsd:{name} / utenfor verdiområdet til xsd:{name}"
        if low is not None or high is not None:
            number = int(text)
            if (low is not None and number < low) or (high is not None and number > high):
                return f"out of the range of xsd:{name} / utenfor verdiområdet til xsd:{name}"
    if name in ("date", "dateTime", "dateTimeStamp"):
        year, month, day = re.match(r"-?(\d+)-(\d+)-(\d+)", text).groups()  # type: ignore[union-attr]
        leap_year = 2000 if int(year) % 4 == 0 and (int(year) % 100 != 0 or int(year) % 400 == 0) else 2001
        try:
            date(leap_year, int(month), int(day))  # the day exists in that month (29 February in leap years)
        except ValueError:
            return f"no such day in xsd:{name} / ingen slik dag i xsd:{name}"
    return None
