"""Building blocks shared by every domain's schemas."""

import re
import unicodedata
from typing import Annotated, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from inkwell.field_errors import FieldCode, FieldProblem

# Ids are 32-bit integers in PostgreSQL; a larger one can name nothing, so it is refused up front.
MAX_ID = 2**31 - 1


# Patterns rather than validators, so the OpenAPI document says what is refused.
# PostgreSQL cannot store NUL in text; refuse it everywhere so both backends agree.
NoNul = Field(pattern=r"^[^\x00]*$")
# Unicode's Default_Ignorable_Code_Point: zero-width spaces and joiners, word joiner, byte
# order mark, soft hyphen, variation selectors, tags... invisible wherever they appear.
INVISIBLE = (
    r"\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    r"\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
# Characters that reorder the text around them (bidirectional embeddings, overrides and
# isolates), as a character class's ranges: a name or a line holding one could show as
# another's, or run over what follows it.
BIDI_CONTROLS = r"\u202a-\u202e\u2066-\u2069"
# No NUL, and something visible: not only whitespace (what str.strip removes, \x1c-\x1f
# included) and invisible characters, which a title made of "\u200b" would be.
SaysSomething = Field(pattern=rf"^[^\x00]*[^\x00\s\x1c-\x1f{INVISIBLE}][^\x00]*$")

# Marks that take no room of their own (nonspacing and enclosing): with no letter to mark,
# a browser draws them over nothing, at no width.
_ROOMLESS_MARKS = frozenset({"Mn", "Me"})
_INVISIBLE_CHARACTER = re.compile(rf"[{INVISIBLE}]")


def _unseen(char: str) -> bool:
    return (
        char.isspace()
        or _INVISIBLE_CHARACTER.match(char) is not None
        or unicodedata.category(char) in _ROOMLESS_MARKS
    )


def shows_nothing(text: str) -> bool:
    """Text, not empty, of nothing but spaces, invisible characters and marks with no letter
    to mark: a page would show it blank."""
    return bool(text) and all(map(_unseen, text))


def _refuse_marks_alone(value: str) -> str:
    """What a pattern of a text that must show something cannot say in a dialect both Python
    and ECMAScript read: marks alone (a lone U+0301) show nothing either. Refused as the
    pattern refuses, so that each field keeps its own plain message (field_errors)."""
    if shows_nothing(value):
        raise PydanticCustomError(
            "string_pattern_mismatch",
            "String should show something: not only spaces, invisible characters and marks "
            "with no letter to mark",
        )
    return value


# Beside SaysSomething or a pattern like it: the marks it lets through alone.
ShowsSomething = AfterValidator(_refuse_marks_alone)


class _NullUndocumented:
    """Documents `X | None` as X alone: null is no value to send (see Omittable)."""

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        documented = handler(schema)
        return next(member for member in documented["anyOf"] if member != {"type": "null"})


T = TypeVar("T")
# A field that may be left out, documented as X alone: a null sent is taken as left out, or
# refused by the model (Conduit's updates). Validated as `X | None`, not as a union with a
# None branch: an error then names the field itself (`title`), not a branch
# (`title.constrained-str`), and comes without the None branch's own ("should be None").
Omittable = Annotated[T | None, _NullUndocumented()]


def _refuse_null(value: T | None) -> T | None:
    """Runs only on a field that was sent (defaults are not validated)."""
    if value is None:
        raise FieldProblem(
            "may be left out but not null",
            code=FieldCode.NULL_REFUSED,
            message="Leave this field out to keep it as it is: it cannot be null.",
        )
    return value


# An Omittable field of a partial update: left out, it keeps its value; a null sent is
# refused at the field, so a form can mark it.
NeverNull = Annotated[T | None, BeforeValidator(_refuse_null), _NullUndocumented()]


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Input(BaseModel):
    """Request bodies refuse unknown fields, so `id` or `user_id` cannot be smuggled in."""

    model_config = ConfigDict(extra="forbid")
