"""Building blocks shared by every domain's schemas."""

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Ids are 32-bit integers in PostgreSQL; a larger one can name nothing, so it is refused up front.
MAX_ID = 2**31 - 1


# Patterns rather than validators, so the OpenAPI document says what is refused.
# PostgreSQL cannot store NUL in text; refuse it everywhere so both backends agree.
NoNul = Field(pattern=r"^[^\x00]*$")
# No NUL, and something besides whitespace (what str.strip removes, \x1c-\x1f included).
SaysSomething = Field(pattern=r"^[^\x00]*[^\x00\s\x1c-\x1f][^\x00]*$")


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Input(BaseModel):
    """Request bodies refuse unknown fields, so `id` or `user_id` cannot be smuggled in."""

    model_config = ConfigDict(extra="forbid")


class Patch(Input):
    """A partial update: any field may be left out, but none may be set to null (the fields
    say `X | SkipJsonSchema[None]`, so the documented schema does not offer null either)."""

    @model_validator(mode="after")
    def refuse_nulls(self) -> Self:
        nulls = sorted(name for name in self.model_fields_set if getattr(self, name) is None)
        if nulls:
            raise ValueError(f"may be left out but not null: {', '.join(nulls)}")
        return self
