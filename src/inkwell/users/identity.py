"""How names and addresses are compared: one normalisation, applied once, stored as keys.

Python's `str.lower` and SQL's `lower()` disagree outside ASCII (SQLite folds ASCII only;
PostgreSQL follows its collation), so the database never folds case: it compares keys made
here, by Unicode's rules (NFKC, then full case folding), and a unique index on each key
decides what counts as taken. The user search compares a key of its own, without accents
(`names_key`).
"""

import re
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


# Accents as NFKD writes them apart from Latin and Greek letters: combining diacritical
# marks after one. Not after a Cyrillic letter, where a breve makes й a letter apart from и,
# nor other scripts' marks, which are parts of their letters (a Devanagari vowel sign).
_ACCENTS = re.compile("(?<=[A-Za-z\u00c0-\u024f\u0370-\u03ff])[\u0300-\u036f]+")


def search_key(text: str) -> str:
    """The lookup key without its accents, so that `zoe` finds Zoë and `elodie` ÉLODIE, on
    both databases (neither SQLite's lower() nor its LIKE folds beyond ASCII)."""
    decomposed = unicodedata.normalize("NFKD", lookup_key(text))
    return unicodedata.normalize("NFC", _ACCENTS.sub("", decomposed))


def names_key(username: str, display_name: str | None) -> str:
    """What the user search reads: both names' search keys, the username first (it has no
    spaces, so the key starts with the whole of it)."""
    return " ".join(search_key(name) for name in (username, display_name) if name)


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
