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


# Where a hit stands among the hits of its kind: its rank (higher first), its moment
# (published_at, or a user's created_at; newest first) and its id.
Ranked = tuple[float, datetime, int]
# Where the next page of a search starts: in the posts found, in the users found; None for
# a kind that has no more to show.
SearchPosition = tuple[Ranked | None, Ranked | None]


@dataclass(frozen=True, slots=True)
class Found:
    """One page of each kind of hit, how many there are of each, and while either kind has
    more, where the next page of each starts."""

    posts: list[PostHit]
    total: int
    users: list[ListedAuthor]
    user_total: int
    skip: int
    limit: int
    after: SearchPosition | None = None

    @property
    def has_more(self) -> bool:
        return self.after is not None
