"""Refuses the passwords that attackers try first.

The list is the 30,000 most common passwords that zxcvbn ships (drawn from leaked password
dumps); only the list is used, not zxcvbn's strength estimate, so there are no composition
rules and any long enough password that is not on the list is accepted.
"""

from functools import cache

from zxcvbn.frequency_lists import FREQUENCY_LISTS

from inkwell.field_errors import FieldCode, FieldProblem


def _load_common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


_common_passwords = cache(_load_common_passwords)


def refuse_common(password: str) -> str:
    if password.lower() in _common_passwords():
        raise FieldProblem(
            "is one of the most common passwords; choose another",
            code=FieldCode.COMMON_PASSWORD,
            message="Choose a less common password: this one is among the first that "
            "attackers try.",
        )
    return password
