"""What a person types about themselves (name, email, password, bio, picture address), as
annotated types that carry their checks, for every façade's schemas: the Inkwell API's, the
pages' forms and Conduit's refuse the same values in the same words."""

import re
import unicodedata
from typing import Annotated, Any

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from inkwell.auth.passwords import refuse_common
from inkwell.field_errors import FieldCode, FieldProblem
from inkwell.schemas import BIDI_CONTROLS, INVISIBLE, NoNul, shows_nothing
from inkwell.users.identity import refuse_confusable_mixed_scripts
from inkwell.users.models import (
    BIO_MAX_LENGTH,
    DISPLAY_NAME_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    PICTURE_ADDRESS_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
)

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128


def nfkc(value: Any) -> Any:
    """One way to write each name (ligature U+FB01 is `fi`, full-width letters are ASCII
    ones), settled before the length and the pattern are checked: NFKC can change both."""
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


Username = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=USERNAME_MAX_LENGTH,
        # Not dots alone: `.` and `..` are steps of a path, not a name in one (`/@..`).
        pattern=r"^[\w.-]*[\w-][\w.-]*$",
    ),
    # Validators wrap what is annotated before them: NFKC runs first, the mixed-script check last.
    BeforeValidator(nfkc),
    AfterValidator(refuse_confusable_mixed_scripts),
    Field(
        description=(
            "Letters, digits, `_`, `.` and `-`, not dots alone, with no letter looking like "
            "another script's "
            "among that script's letters; unique regardless of case, and refused when it "
            "looks like an existing username."
        )
    ),
]


def _refuse_nothing_shown(value: str) -> str:
    """A name or a bio is empty (to clear it) or shows something: not only spaces, invisible
    characters (schemas.INVISIBLE: zero-width spaces, word joiners, byte order marks...) and
    marks with no letter to mark, which a page would show as a blank name or bio."""
    if shows_nothing(value):
        raise FieldProblem(
            "shows nothing: only spaces, invisible characters or marks with no letter",
            code=FieldCode.INVALID_FORMAT,
            message="Write something visible, or leave it empty.",
        )
    return value


_BIDI_CONTROL = re.compile(rf"[{BIDI_CONTROLS}]").match
# What clean_display_name refuses: control characters other than those str.split() takes
# for spaces (folded to one), and the bidirectional controls.
_NAME_REFUSES = rf"\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f{BIDI_CONTROLS}"
# Spaces as str.split() takes them (in any regular expression dialect): a name of nothing
# else is folded to empty, which clears it.
_FOLDED = r"\s\x1c-\x1f\x85"
# Only spaces, or at least one visible character and none of those refused.
_NAME_DOCUMENTED = (
    rf"^(?:[{_FOLDED}]*"
    rf"|[^{_NAME_REFUSES}]*[^{_NAME_REFUSES}{_FOLDED}{INVISIBLE}][^{_NAME_REFUSES}]*)$"
)


def clean_display_name(value: str) -> str:
    """Spaces folded to one, none at either end; control characters and bidirectional
    overrides refused; an empty name (clearing it) stays empty; one that shows nothing is
    refused (_refuse_nothing_shown)."""
    value = " ".join(value.split())
    if any(unicodedata.category(char) == "Cc" or _BIDI_CONTROL(char) for char in value):
        raise FieldProblem(
            "control characters and direction overrides are not allowed",
            code=FieldCode.CONTROL_CHARACTERS,
            message="Remove the invisible control characters from the name.",
        )
    return _refuse_nothing_shown(value)


DisplayName = Annotated[
    str,
    BeforeValidator(nfkc),
    StringConstraints(max_length=DISPLAY_NAME_MAX_LENGTH),
    AfterValidator(clean_display_name),
    # The pattern documents what clean_display_name refuses (its own message is the plainer),
    # but for marks alone: no pattern both Python and ECMAScript read can name every mark.
    Field(
        description="Shown instead of the username; empty (or spaces) to clear it; nothing "
        "but invisible characters and marks is refused",
        json_schema_extra={"pattern": _NAME_DOCUMENTED},
    ),
]


def clean_bio(value: str) -> str:
    """Plain text; line breaks (CRLF made LF) and tabs kept, other control characters and
    the bidirectional controls refused (a bio's links are made clickable, and an override
    inside one would show its address reversed: one site's address as another's), ends
    trimmed: only spaces, it is empty (clearing it); showing nothing else, it is
    refused (_refuse_nothing_shown)."""
    if any(
        (unicodedata.category(char) == "Cc" and char not in "\r\n\t") or _BIDI_CONTROL(char)
        for char in value
    ):
        raise FieldProblem(
            "control characters other than line breaks, and direction overrides, are not allowed",
            code=FieldCode.CONTROL_CHARACTERS,
            message="Remove the invisible control characters from the text.",
        )
    return _refuse_nothing_shown(value.replace("\r\n", "\n").strip())


# What clean_bio refuses: control characters other than tabs and line breaks, and the
# bidirectional controls.
_BIO_REFUSES = rf"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{BIDI_CONTROLS}"
# Only spaces, or at least one visible character and none of those refused.
_BIO_DOCUMENTED = (
    rf"^(?:[^\S{_BIO_REFUSES}]*"
    rf"|[^{_BIO_REFUSES}]*[^{_BIO_REFUSES}\s{INVISIBLE}][^{_BIO_REFUSES}]*)$"
)

Bio = Annotated[
    str,
    StringConstraints(max_length=BIO_MAX_LENGTH),
    AfterValidator(clean_bio),
    # The pattern documents what clean_bio refuses (its own message is the plainer one), but
    # for marks alone: no pattern both Python and ECMAScript read can name every mark.
    Field(
        description="Plain text; links in it are made clickable; empty (or spaces) to clear "
        "it; nothing but invisible characters and marks is refused",
        json_schema_extra={"pattern": _BIO_DOCUMENTED},
    ),
]


# email-validator refuses special-use domains (RFC 6761: .test, .localhost, .local...), which
# `format: email` alone allows: the pattern documents the refusal the validator makes.
SPECIAL_USE_DOMAINS = "|".join(SPECIAL_USE_DOMAIN_NAMES)
EMAIL_SCHEMA = {"format": "email", "pattern": rf"^(?![^@]*@(.*\.)?(?i:{SPECIAL_USE_DOMAINS})$)"}


def normalize_email(value: str) -> str:
    """Lower case, so one address is one account."""
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise FieldProblem(
            f"not a valid email address: {exc}",
            code=FieldCode.EMAIL_INVALID,
            message="Enter a valid email address, such as name@example.com.",
        ) from exc
    return checked.normalized.lower()


Email = Annotated[
    str,
    Field(max_length=EMAIL_MAX_LENGTH, json_schema_extra=EMAIL_SCHEMA),
    AfterValidator(normalize_email),
]


# A picture elsewhere, as a RealWorld frontend puts it in an `<img src>`: http(s), a host
# (no user name, no IPv6 literal), a port up to 65535, and no spaces or control characters.
_PORT = r"(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})"
_SPACES_AND_CONTROLS = r"\s\x00-\x1f\x7f-\x9f"
PICTURE_ADDRESS_PATTERN = (
    rf"[Hh][Tt][Tt][Pp][Ss]?://[^{_SPACES_AND_CONTROLS}/?#:@\[\]\\]+(?::{_PORT})?"
    rf"(?:[/?#][^{_SPACES_AND_CONTROLS}]*)?"
)


def check_picture_address(value: str) -> str:
    """`javascript:`, `data:`, a relative path or anything else a page should not load is
    refused in plain words; kept as sent otherwise."""
    if re.fullmatch(PICTURE_ADDRESS_PATTERN, value) is None:
        raise FieldProblem(
            "must be an absolute http or https address",
            code=FieldCode.INVALID_FORMAT,
            message="Enter the picture's web address, starting with https://.",
        )
    return value


PictureAddress = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=PICTURE_ADDRESS_MAX_LENGTH),
    AfterValidator(check_picture_address),
    # The pattern documents what check_picture_address refuses: spaces around the address
    # are dropped, and an empty one (nothing but spaces) clears the picture.
    Field(
        description="A picture elsewhere: an absolute http or https address; empty to clear it",
        json_schema_extra={"pattern": rf"^\s*(?:{PICTURE_ADDRESS_PATTERN})?\s*$"},
    ),
]
# Passwords are taken exactly as typed: no stripping, no composition rules, no truncation;
# only the most common ones are refused.
Password = Annotated[
    str,
    StringConstraints(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH),
    NoNul,
    AfterValidator(refuse_common),
]
