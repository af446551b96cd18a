"""What the posts service answers: rows no façade has shaped. The Inkwell API validates them
into its schemas, the pages render them, and a second API (Conduit) builds its own."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import NotRequired, TypedDict


class ListedAuthor(TypedDict):
    id: int
    username: str
    image_file: str | None
    display_name: str | None
    # Read by the listings asked for profiles only (Conduit's): the bio, whether the reader
    # follows the author, and their picture set elsewhere (users.models.User.image_url).
    bio: NotRequired[str | None]
    following: NotRequired[bool]
    image_url: NotRequired[str | None]


class ListedPost(TypedDict):
    """A post as a listing reads it: plain dicts, because a page of them is built on every
    listing request and a dict costs nothing a schema would not build again anyway."""

    id: int
    title: str
    subtitle: str | None
    # The Markdown and its HTML: absent from listings that do not answer them (Conduit's),
    # which leave them unread (posts.service.listed_columns).
    content: NotRequired[str]
    content_html: NotRequired[str]
    excerpt: str
    date_posted: datetime
    updated_at: datetime
    user_id: int
    status: str
    published_at: datetime | None
    slug: str
    word_count: int
    tags: list[str]
    author: ListedAuthor
    # Conversation: the counts the database keeps, and whether the reader likes it (always
    # False for an anonymous reader).
    like_count: int
    comment_count: int
    liked: bool


class ListedTag(TypedDict):
    """A tag and how many published posts carry it."""

    name: str
    posts: int


@dataclass(frozen=True, slots=True)
class PostListing:
    """One page of a listing and the total it is a page of; while another page follows,
    `after` is where it starts (the last post's position in the listing's order).
    `popular_tags`: the most used tags, when the listing was asked for them (the home page)."""

    posts: list[ListedPost]
    total: int
    skip: int
    limit: int
    after: tuple[datetime, int] | None = None
    popular_tags: list[ListedTag] = field(default_factory=list)

    @property
    def has_more(self) -> bool:
        return self.after is not None
