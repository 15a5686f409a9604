"""Generated, human-typable package passwords (docs/package-format.md, "Passwords").

A password is 6 groups of 5 Crockford base32 characters: 4 random characters and a check
character per group, so 24 random characters carry 120 bits of entropy. Staff never choose
one; it is read aloud and typed from the printed notice, so each group carries a Luhn mod 32
check character that also covers the group's position (a group typed in the wrong place is
caught too). A typo is reported as "group 3 is wrong" before the slow KDF runs.

The password lives only in memory and on the printed notice: `Password` redacts itself in
repr/str/format, refuses to be pickled, and no message in this package repeats what was typed.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Callable

from crypto import crockford
from crypto.errors import PasswordTypo

GROUPS = 6
DATA_PER_GROUP = 4  # random characters per group; the fifth is the check character
GROUP_LEN = DATA_PER_GROUP + 1
LENGTH = GROUPS * GROUP_LEN
ENTROPY_BITS = GROUPS * DATA_PER_GROUP * 5  # 120
_RANDOM_BYTES = ENTROPY_BITS // 8  # 15 bytes encode to exactly 24 base32 characters

_HINT = ("compare each group with the password notice; 0 and O, 1, I and L are read the same, "
         "and case, spaces and hyphens do not matter")


class Password:
    """A generated package password. Never printed by accident: use `reveal()` for the notice."""

    __slots__ = ("_canonical",)

    def __init__(self, canonical: str, *, _token: object = None):
        if _token is not _CONSTRUCT:
            raise TypeError("use generate_password() or parse_password(); passwords are never chosen")
        self._canonical = canonical

    def reveal(self) -> str:
        """The grouped form printed on the notice, e.g. 'K7QM3-…' (6 groups)."""
        c = self._canonical
        return "-".join(c[i:i + GROUP_LEN] for i in range(0, LENGTH, GROUP_LEN))

    def _kdf_input(self) -> bytes:
        # The canonical form: 30 upper-case characters, check characters included, no separators.
        return self._canonical.encode("ascii")

    def __repr__(self) -> str:
        return "<Password (redacted)>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self):
        # Keeps passwords out of pickles, caches and multiprocessing queues.
        raise TypeError("passwords cannot be serialized")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Password):
            return NotImplemented
        return hmac.compare_digest(self._canonical, other._canonical)

    __hash__ = None  # type: ignore[assignment]


_CONSTRUCT = object()


def _group_check(index: int, data: str) -> str:
    # The group number (1-based, as a base32 digit) is prefixed to the data so that the
    # check character also depends on where the group stands.
    return crockford.check_char(crockford.ALPHABET[index] + data)


def _generate_password(rng: Callable[[int], bytes]) -> Password:
    data = crockford.encode(rng(_RANDOM_BYTES))
    assert len(data) == GROUPS * DATA_PER_GROUP
    groups = []
    for g in range(GROUPS):
        d = data[g * DATA_PER_GROUP:(g + 1) * DATA_PER_GROUP]
        groups.append(d + _group_check(g + 1, d))
    return Password("".join(groups), _token=_CONSTRUCT)


def generate_password() -> Password:
    """A new random password: 120 bits from the operating system's CSPRNG."""
    return _generate_password(secrets.token_bytes)


def _groups_of(text: str) -> list[str]:
    """The typed groups: as the typist separated them when that gives 6 groups, else by
    position. Separating by the typist's own separators keeps a dropped character inside
    its group instead of shifting every group after it."""
    parts = crockford.split_groups(text)
    if len(parts) == GROUPS:
        return parts
    joined = "".join(parts)
    if len(joined) != LENGTH:
        if not joined:
            raise PasswordTypo("no password was given", "type the password from the password notice")
        first = _first_wrong_group(joined)
        raise PasswordTypo(
            f"the password has {len(joined)} characters; it should have {LENGTH} "
            f"({GROUPS} groups of {GROUP_LEN})",
            f"group {first} is the first that does not match the notice; look for a missing "
            f"or extra character there", groups=(first,))
    return [joined[i:i + GROUP_LEN] for i in range(0, LENGTH, GROUP_LEN)]


def _is_group(number: int, group: str) -> bool:
    return (len(group) == GROUP_LEN and all(c in crockford.ALPHABET for c in group)
            and _group_check(number, group[:-1]) == group[-1])


def _first_wrong_group(joined: str) -> int:
    """Where a character was dropped or added: cut by position, the groups before it still
    check, the first one from it on does not (an extra character after group 6 is group 6's)."""
    for number in range(1, GROUPS + 1):
        if not _is_group(number, joined[(number - 1) * GROUP_LEN:number * GROUP_LEN]):
            return number
    return GROUPS


def _describe(groups: list[int]) -> str:
    if len(groups) == 1:
        return f"group {groups[0]} is wrong"
    names = ", ".join(str(g) for g in groups[:-1])
    return f"groups {names} and {groups[-1]} are wrong"


def parse_password(text: str) -> Password:
    """Normalize a typed password (NFKC, case, look-alikes, separators) and check every group.

    Raises PasswordTypo naming the wrong groups; the slow KDF never runs on a typo.
    """
    if isinstance(text, Password):
        return text
    if not isinstance(text, str):
        raise TypeError("parse_password() takes the typed text as str")
    groups = _groups_of(text.strip())
    wrong = []
    for i, group in enumerate(groups, start=1):
        if not _is_group(i, group):
            wrong.append(i)
    if wrong:
        lengths = [i for i in wrong if len(groups[i - 1]) != GROUP_LEN]
        hint = _HINT
        if lengths:
            hint = (f"each group has {GROUP_LEN} characters; "
                    + ("group " if len(lengths) == 1 else "groups ")
                    + ", ".join(str(i) for i in lengths)
                    + (" has" if len(lengths) == 1 else " have") + " a different number")
        raise PasswordTypo(_describe(wrong), hint, groups=tuple(wrong))
    return Password("".join(groups), _token=_CONSTRUCT)
