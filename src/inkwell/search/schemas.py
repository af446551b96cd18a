from datetime import datetime
from typing import Annotated

from fastapi import Query
from pydantic import Field, computed_field

from inkwell.pagination import PageSkip, page_fields
from inkwell.posts.models import post_path
from inkwell.schemas import Schema
from inkwell.search.rows import Found
from inkwell.users.schemas import UserPublic

QUERY_MAX_LENGTH = 200

SearchText = Annotated[
    str,
    Query(
        max_length=QUERY_MAX_LENGTH,
        description=(
            'Words, all required; `"a phrase"` in that order; `-word` excluded; `a or b` '
            "either. A word is found in its other forms (`tomato`, `tomatoes`) and with or "
            f"without its accents (`cafe`, `café`), a name too (`zoe`, Zoë). At most "
            f"{QUERY_MAX_LENGTH} characters; a query with nothing to look for (only operators "
            "or stop words) finds nothing."
        ),
    ),
]


class PostHitRead(Schema):
    id: int
    title: str
    slug: str
    excerpt: str
    published_at: datetime
    tags: list[str]
    author: UserPublic
    snippet: str = Field(
        description="Sanitized HTML: the content around the words found, each in `<mark>`; "
        "nothing else is markup"
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def url(self) -> str:
        """The post's page, at its canonical address."""
        return post_path(self.id, self.slug)


class SearchResults(Schema):
    posts: list[PostHitRead] = Field(description="Most relevant first, then newest")
    total: int = Field(description="How many published posts match")
    users: list[UserPublic] = Field(description="The page's users whose names match")
    user_total: int = Field(description="How many users match")
    skip: PageSkip
    limit: int
    has_more: bool
    next_cursor: str | None = Field(
        description="Where the next page of both starts (posts and users, each where its own "
        "page ended): pass it as `cursor` with the same `q`; null when neither has more. "
        "The order is by rank, then newest, then id, so a cursor page repeats or skips "
        "nothing on PostgreSQL; on SQLite (bm25 weighs words by their rarity in all posts) "
        "posts written meanwhile may move the ranks of the others"
    )

    @classmethod
    def of(cls, found: Found, next_cursor: str | None) -> "SearchResults":
        return cls.model_validate(
            {
                "posts": found.posts,
                "users": found.users,
                "user_total": found.user_total,
                **page_fields(found, next_cursor),
            }
        )
