"""A request that does not validate, told field by field in plain words.

FastAPI's 422 lists pydantic's problems under `detail` (`"Value error, is one of the most
common passwords; choose another"`), which programs read by position and people cannot
read at all. Beside it the answer carries `errors`: one `{field, code, message}` per
problem, where `field` names the input as the form or the JSON body names it, `code` is
stable for a program, and `message` is what a person reads next to the field.

A validator whose refusal deserves its own code raises `FieldProblem` (a ValueError, so
pydantic's `detail` is the same as before) with the code, the plain message, and the field
when a model-level check speaks about one of its fields.
"""

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class FieldCode(StrEnum):
    """What is wrong with one field, for a program: stable, unlike the message."""

    REQUIRED = "required"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    INVALID_FORMAT = "invalid_format"
    INVALID_TYPE = "invalid_type"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    NOT_ALLOWED = "not_allowed"
    UNKNOWN_FIELD = "unknown_field"
    EMAIL_INVALID = "email_invalid"
    COMMON_PASSWORD = "common_password"  # noqa: S105  (a code)
    MIXED_SCRIPTS = "mixed_scripts"
    CONTROL_CHARACTERS = "control_characters"
    CURRENT_PASSWORD_REQUIRED = "current_password_required"  # noqa: S105  (a code)
    NULL_REFUSED = "null_refused"
    BODY_UNREADABLE = "body_unreadable"
    INVALID = "invalid"


class FieldProblem(ValueError):
    """A validator's refusal with its own code and plain message. Its `str()` stays the
    technical wording pydantic has always put in `detail`."""

    def __init__(
        self, detail: str, *, code: FieldCode, message: str, field: str | None = None
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.message = message
        self.field = field


class FieldError(BaseModel):
    field: str | None = Field(
        description="The field, as the body or the query names it (`a.b` when nested, `0` "
        "for a list's first item); null when the problem is the request as a whole"
    )
    code: FieldCode = Field(description="What is wrong, for a program; stable")
    message: str = Field(description="What is wrong, in plain words to show at the field")


# pydantic's error types (https://docs.pydantic.dev/latest/errors/validation_errors/).
_CODES = {
    "missing": FieldCode.REQUIRED,
    "string_too_short": FieldCode.TOO_SHORT,
    "too_short": FieldCode.TOO_SHORT,
    "string_too_long": FieldCode.TOO_LONG,
    "too_long": FieldCode.TOO_LONG,
    "string_pattern_mismatch": FieldCode.INVALID_FORMAT,
    "greater_than_equal": FieldCode.TOO_SMALL,
    "greater_than": FieldCode.TOO_SMALL,
    "less_than_equal": FieldCode.TOO_LARGE,
    "less_than": FieldCode.TOO_LARGE,
    "literal_error": FieldCode.NOT_ALLOWED,
    "enum": FieldCode.NOT_ALLOWED,
    "extra_forbidden": FieldCode.UNKNOWN_FIELD,
    "json_invalid": FieldCode.BODY_UNREADABLE,
    "body_unreadable": FieldCode.BODY_UNREADABLE,
}
_TYPE_SUFFIXES = ("_type", "_parsing")
# What a value of the wrong kind should have been, by pydantic's kind (`int` of `int_parsing`).
_KIND_MESSAGES = {
    "int": "Use a whole number.",
    "float": "Use a number.",
    "decimal": "Use a number.",
    "bool": "Use true or false.",
    "string": "Use text.",
    "list": "Use a list.",
    "dict": "Use an object.",
    "model": "Use an object.",
    "model_attributes": "Use an object.",
}

# Plain words for a pattern a field is held to, where "not in the expected form" says too little.
_PATTERN_MESSAGES = {
    "username": "Use only letters, digits, “_”, “.” and “-”, and not dots alone.",
    # A post's or a comment's text that says nothing (schemas.SaysSomething), or a line
    # that is not one (posts.schemas).
    "title": "Write the title on one line, with something visible in it.",
    "subtitle": "Write the subtitle on one line, with something visible in it, or leave it empty.",
    "content": "Write something: spaces and invisible characters alone do not count.",
    "body": "A comment needs a few words (blank ones do not count).",
    "reason": "Say in a few words what is wrong (blank ones do not count).",
}
_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie"})


def _field(loc: list[Any]) -> str | None:
    parts = [str(part) for part in loc]
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    return ".".join(parts) or None


def _code(kind: str) -> FieldCode:
    if kind in _CODES:
        return _CODES[kind]
    if kind.endswith(_TYPE_SUFFIXES):
        return FieldCode.INVALID_TYPE
    return FieldCode.INVALID


_MESSAGES = {
    FieldCode.REQUIRED: "Fill in this field.",
    FieldCode.TOO_SHORT: "Use at least {min_length} characters.",
    FieldCode.TOO_LONG: "Use at most {max_length} characters.",
    FieldCode.INVALID_TYPE: "This is not the kind of value expected here.",
    FieldCode.NOT_ALLOWED: "Choose one of {expected}.",
    FieldCode.UNKNOWN_FIELD: "This field is not accepted here.",
    FieldCode.BODY_UNREADABLE: "The request could not be read. Send it again.",
}


# A bound, by pydantic's kind: a number's (an exclusive bound is itself no number to use),
# and a list's length (`too_long`; a text's is `string_too_long`), which counts items.
_BOUND_MESSAGES = {
    "greater_than_equal": "Use a number of at least {ge}.",
    "greater_than": "Use a number greater than {gt}.",
    "less_than_equal": "Use a number of at most {le}.",
    "less_than": "Use a number less than {lt}.",
    "too_short": "Give at least {min_length} of them.",
    "too_long": "Give at most {max_length} of them.",
}


def _kind(kind: str) -> str:
    """What the value should have been: `int` of `int_parsing` or `int_type`."""
    for suffix in _TYPE_SUFFIXES:
        kind = kind.removesuffix(suffix)
    return kind


def _message(
    code: FieldCode, kind: str, field: str | None, ctx: Mapping[str, Any], msg: str
) -> str:
    if code is FieldCode.TOO_SHORT and ctx["min_length"] == 1:
        return _MESSAGES[FieldCode.REQUIRED]
    if code is FieldCode.INVALID_TYPE:
        return _KIND_MESSAGES.get(_kind(kind), _MESSAGES[code])
    if code is FieldCode.INVALID_FORMAT:
        return _PATTERN_MESSAGES.get(field or "", "Write something here, in the expected form.")
    if kind in _BOUND_MESSAGES:
        return _BOUND_MESSAGES[kind].format_map(ctx)
    if code in _MESSAGES:
        return _MESSAGES[code].format_map(ctx)
    plain = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return plain[:1].upper() + plain[1:] + ("" if plain.endswith(".") else ".")


def field_error(error: Mapping[str, Any]) -> FieldError:
    """One of pydantic's (or FastAPI's) errors, as read before JSON encoding: `ctx["error"]`
    is then still the exception a validator raised."""
    ctx = error.get("ctx") or {}
    raised = ctx.get("error")
    field = _field(list(error["loc"]))
    if isinstance(raised, FieldProblem):
        return FieldError(field=raised.field or field, code=raised.code, message=raised.message)
    kind = str(error["type"])
    code = _code(kind)
    if code is FieldCode.BODY_UNREADABLE:
        field = None  # a JSON body's `loc` then holds the offset where reading stopped
    message = _message(code, kind, field, ctx, error["msg"])
    return FieldError(field=field, code=code, message=message)


def field_errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [field_error(error).model_dump(mode="json") for error in errors]
