"""What the moderation service answers besides its models: rows no façade has shaped."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

TargetType = Literal["post", "comment", "user", "report"]


@dataclass(frozen=True, slots=True)
class OpenReport:
    """An open report, with what it is about: the post (or the comment and the post it is
    under), and whose it is, suspended or not, and an admin (whom none may suspend) or not."""

    id: int
    reason: str
    created_at: datetime
    reporter_name: str
    post_id: int
    post_title: str
    post_slug: str
    comment_id: int | None
    comment_excerpt: str | None
    author_id: int
    author_name: str
    author_suspended: bool
    author_admin: bool

    @property
    def target_type(self) -> Literal["post", "comment"]:
        return "post" if self.comment_id is None else "comment"


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One thing an admin did, as the audit log lists it."""

    id: int
    actor_id: int | None
    actor_name: str
    action: str
    target_type: str
    target_id: int
    summary: str
    created_at: datetime
