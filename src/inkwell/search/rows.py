"""What the search service answers: hits as plain rows, shaped by no façade."""

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from inkwell.posts.rows import ListedAuthor


class PostHit(TypedDict):
    """A published post found, with a snippet of its content: sanitized HTML in which only
    `<mark>` (around the words found) is markup."""

    id: int
    title: str
    slug: str
    excerpt: str
    published_at: datetime
    tags: list[str]
    author: ListedAuthor
    snippet: str


@dataclass(frozen=True, slots=True)
class Found:
    """One page of each kind of hit, and how many there are of each."""

    posts: list[PostHit]
    total: int
    users: list[ListedAuthor]
    user_total: int
    skip: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.skip + max(len(self.posts), len(self.users)) < max(self.total, self.user_total)
