"""How names and addresses are compared: one normalisation, applied once, stored as keys.

Python's `str.lower` and SQL's `lower()` disagree outside ASCII (SQLite folds ASCII only;
PostgreSQL follows its collation), so the database never folds case: it compares keys made
here, by Unicode's rules (NFKC, then full case folding), and a unique index on each key
decides what counts as taken.
"""

import unicodedata

from disarm import is_mixed_script, skeleton_key


def lookup_key(text: str) -> str:
    """NFKC, case-folded, NFKC again (folding can leave text unnormalised): `ΟΔΟΣ`, `οδος`
    and `οδοσ` share one key, as do `İSTANBUL` and `i̇stanbul`, `ÉMILE` and `émile`."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def confusable_skeleton(text: str) -> str:
    """The Unicode TR39 skeleton of the lookup key: `alice` with a Cyrillic a (U+0430) or
    `a1ice` has the skeleton of `alice`, so no new name can pass for an existing one. Digits
    fold too (`0` is `o`, `1` is `l`), as TR39 asks of identifiers."""
    return skeleton_key(lookup_key(text), digit_policy="tr39")


def refuse_mixed_scripts(username: str) -> str:
    """A name is written in one writing system (TR39 §5.1: Japanese may mix Han and kana),
    since letters borrowed from another one are how a name imitates someone else's.
    Digits, `_`, `.` and `-` belong to every script."""
    if is_mixed_script(username):
        raise ValueError(
            "must be written in one script: letters from different alphabets "
            "(such as Latin and Cyrillic) can imitate other names"
        )
    return username


def user_keys(username: str, email: str) -> dict[str, str]:
    """A user's stored keys, for inserts that bypass the model (bulk seeding, migrations)."""
    return {
        "username_key": lookup_key(username),
        "username_skeleton": confusable_skeleton(username),
        "email_key": lookup_key(email),
    }
