"""Building blocks shared by every domain's schemas."""

from typing import Self

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

# Ids are 32-bit integers in PostgreSQL; a larger one can name nothing, so it is refused up front.
MAX_ID = 2**31 - 1


def refuse_nul(value: str) -> str:
    """PostgreSQL cannot store NUL in text; refuse it everywhere so both backends agree."""
    if "\x00" in value:
        raise ValueError("must not contain the NUL character")
    return value


def refuse_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


NoNul = AfterValidator(refuse_nul)
NotBlank = AfterValidator(refuse_blank)


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Input(BaseModel):
    """Request bodies refuse unknown fields, so `id` or `user_id` cannot be smuggled in."""

    model_config = ConfigDict(extra="forbid")


class Patch(Input):
    """A partial update: any field may be left out, but none may be set to null."""

    @model_validator(mode="after")
    def refuse_nulls(self) -> Self:
        nulls = sorted(name for name in self.model_fields_set if getattr(self, name) is None)
        if nulls:
            raise ValueError(f"may be left out but not null: {', '.join(nulls)}")
        return self
