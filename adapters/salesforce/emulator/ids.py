"""Record ids: a 3-character key prefix, 12 base-62 characters, a 3-character case-safe suffix (§1).

The REST API returns 18-character ids; 15-character ids are accepted on input and widened. The
counter is written in base 62 with the alphabet in ASCII order, so ids of one object sort in the
order they were made (queries that ``ORDER BY Id`` then follow creation order, as ties on
``SystemModstamp`` need, §14).
"""

from __future__ import annotations

import re

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_POD = "5g"  # two instance characters, as in 00Q5g00000AbCdE
_COUNTER_WIDTH = 10
_ID = re.compile(r"[0-9A-Za-z]{15}(?:[A-Z0-5]{3})?")


def suffix(id15: str) -> str:
    """The 3-character case-safe checksum of a 15-character id.

    Each block of five characters gives one suffix character: bit ``i`` is set when character
    ``i`` of the block is an upper-case letter.
    """
    out = []
    for block in range(3):
        bits = 0
        for position, char in enumerate(id15[block * 5 : block * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        out.append(_SUFFIX[bits])
    return "".join(out)


def make_id(prefix: str, counter: int) -> str:
    """The 18-character id number ``counter`` of the object with key prefix ``prefix``."""
    digits = []
    while counter:
        counter, rest = divmod(counter, 62)
        digits.append(BASE62[rest])
    body = prefix + _POD + "".join(reversed(digits)).rjust(_COUNTER_WIDTH, "0")
    return body + suffix(body)


def normalize(value: str) -> str | None:
    """The 18-character form of a 15- or 18-character id, or ``None`` if it is not id-shaped."""
    if not _ID.fullmatch(value):
        return None
    if len(value) == 15:
        return value + suffix(value)
    return value if suffix(value[:15]) == value[15:] else None
