"""The Inkwell API's models for reports, suspensions and the audit log."""

from datetime import datetime
from typing import Annotated, Self

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from inkwell.moderation.models import REASON_MAX_LENGTH, REASON_MIN_LENGTH
from inkwell.schemas import MAX_ID, Input, Omittable, SaysSomething, Schema, ShowsSomething

TargetId = Annotated[int, Field(ge=1, le=MAX_ID)]


# Why something is reported: the API's field and the pages' Report form alike.
Reason = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=REASON_MIN_LENGTH, max_length=REASON_MAX_LENGTH
    ),
    SaysSomething,
    ShowsSomething,
    Field(description="Why it should be looked at, for the moderators"),
]


class ReportCreate(Input):
    """What is reported (exactly one of `post_id` and `comment_id`), and why."""

    # The schema says "exactly one" too: a body naming both matches both branches.
    model_config = ConfigDict(
        json_schema_extra={"oneOf": [{"required": ["post_id"]}, {"required": ["comment_id"]}]}
    )

    post_id: Omittable[TargetId] = None
    comment_id: Omittable[TargetId] = None
    reason: Reason

    @model_validator(mode="after")
    def exactly_one_target(self) -> Self:
        given = self.model_fields_set & {"post_id", "comment_id"}
        if len(given) != 1 or getattr(self, given.pop()) is None:
            raise ValueError("give exactly one of post_id and comment_id")
        return self


class ReportRead(Schema):
    id: int
    post_id: int | None
    comment_id: int | None
    reason: str
    created_at: datetime
    resolved_at: datetime | None = Field(description="When an admin resolved it; null while open")


class OpenReportRead(Schema):
    """An open report, with what it is about, for admins."""

    id: int
    reason: str
    created_at: datetime
    reporter_name: str
    target_type: str = Field(description="`post` or `comment`")
    post_id: int = Field(description="The post reported, or the one the comment is under")
    post_title: str
    comment_id: int | None
    comment_excerpt: str | None
    author_id: int = Field(description="Who wrote what is reported")
    author_name: str
    author_suspended: bool


class OpenReportList(Schema):
    reports: list[OpenReportRead]


class UserModeration(Schema):
    """A user as moderation sees them."""

    id: int
    username: str
    role: str = Field(description="`user` or `admin`")
    suspended_at: datetime | None = Field(description="Since when they are suspended, or null")
