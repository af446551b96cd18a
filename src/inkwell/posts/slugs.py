"""Readable names made of a text: a post's slug (`/posts/42-hello-world`) and a tag's name.

Transliteration to ASCII is anyascii's (maintained, ISC, covering every script and emoji:
`東京` is `DongJing`, `Привет` is `Privet`); what remains is lower case ASCII letters and
digits joined by single hyphens, which no URL needs to escape.
"""

import re

from anyascii import anyascii

SLUG_MAX_LENGTH = 80
TAG_MAX_LENGTH = 30
# A title with nothing transliterable (only punctuation) still gets a readable address.
FALLBACK_SLUG = "post"

_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def _hyphenated(text: str) -> str:
    """ASCII lower case letters and digits, each run of anything else one hyphen."""
    return _NOT_ALPHANUMERIC.sub("-", anyascii(text).lower()).strip("-")


def slugify(title: str) -> str:
    """A post's slug: at most SLUG_MAX_LENGTH characters, cut at a hyphen when it can be."""
    slug = _hyphenated(title)
    if len(slug) > SLUG_MAX_LENGTH:
        cut = slug[: SLUG_MAX_LENGTH + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:SLUG_MAX_LENGTH]
    return slug or FALLBACK_SLUG


def tag_name(text: str) -> str:
    """A tag as stored and shown: `Python`, ` python ` and `PYTHON` are one tag, `Async IO`
    is `async-io`. Refuses (ValueError) what leaves nothing, or more than TAG_MAX_LENGTH
    characters: cutting would silently merge different tags."""
    name = _hyphenated(text)
    if not name:
        raise ValueError("a tag needs at least one letter or digit")
    if len(name) > TAG_MAX_LENGTH:
        raise ValueError(f"a tag has at most {TAG_MAX_LENGTH} characters, not {len(name)}")
    return name


def tag_filter(tag: str | None) -> str | None:
    """A listing's `?tag=`, for every API: `Python` names the tag `python`; a tag no post
    could carry names none (""), so it lists nothing rather than answering 422."""
    if tag is None:
        return None
    try:
        return tag_name(tag)
    except ValueError:
        return ""
