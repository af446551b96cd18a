"""How names and addresses are compared: one normalisation, applied once, stored as keys.

Python's `str.lower` and SQL's `lower()` disagree outside ASCII (SQLite folds ASCII only;
PostgreSQL follows its collation), so the database never folds case: it compares keys made
here, by Unicode's rules (NFKC, then full case folding), and a unique index on each key
decides what counts as taken.
"""

import unicodedata

from disarm import is_mixed_script, skeleton_key

from inkwell.field_errors import FieldCode, FieldProblem


def lookup_key(text: str) -> str:
    """NFKC, case-folded, NFKC again (folding can leave text unnormalised): `ΟΔΟΣ`, `οδος`
    and `οδοσ` share one key, as do `İSTANBUL` and `i̇stanbul`, `ÉMILE` and `émile`. A NUL,
    which no name holds and PostgreSQL's text cannot, becomes U+FFFD: looking up a name
    with one finds no one instead of failing."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return folded.replace("\x00", "\ufffd")


def confusable_skeleton(text: str) -> str:
    """The Unicode TR39 skeleton of the lookup key: `alice` with a Cyrillic a (U+0430) or
    `a1ice` has the skeleton of `alice`, so no new name can pass for an existing one. Digits
    fold too (`0` is `o`, `1` is `l`), as TR39 asks of identifiers."""
    return skeleton_key(lookup_key(text), digit_policy="tr39")


def refuse_confusable_mixed_scripts(username: str) -> str:
    """Letters of several writing systems may share a name (`東京tower`), unless one of them
    looks like another's letter (`alice` with a Cyrillic a): that is how a name imitates
    someone else's. Digits, `_`, `.` and `-` belong to every script."""
    key = lookup_key(username)
    if is_mixed_script(username) and skeleton_key(key) != key:
        raise FieldProblem(
            "mixes scripts with letters that look like letters of another script "
            "(such as a Cyrillic a among Latin letters); write it in one script",
            code=FieldCode.MIXED_SCRIPTS,
            message="Write the name in one alphabet: some of its letters look like "
            "letters of another.",
        )
    return username


def user_keys(username: str, email: str) -> dict[str, str]:
    """A user's stored keys, for inserts that bypass the model (bulk seeding, migrations)."""
    return {
        "username_key": lookup_key(username),
        "username_skeleton": confusable_skeleton(username),
        "email_key": lookup_key(email),
    }
