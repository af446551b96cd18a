from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, literal_column, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from inkwell.db import IDS_NEVER_REUSED, Base, utcnow
from inkwell.posts.slugs import SLUG_MAX_LENGTH, TAG_MAX_LENGTH, slugify

if TYPE_CHECKING:
    from sqlalchemy.engine.default import DefaultExecutionContext

    from inkwell.users.models import User

TITLE_MAX_LENGTH = 100
SUBTITLE_MAX_LENGTH = 300
CONTENT_MAX_LENGTH = 50_000
DRAFT = "draft"
PUBLISHED = "published"
STATUS_MAX_LENGTH = 9
TAGS_PER_POST = 5
# The rows of post_stats (migration 0014): more than the writers that may run at once.
STATS_SLOTS = 32

# What the listings' partial indexes hold: the statement says it as a literal, not a bound
# parameter, so both planners can prove a listing's rows are in the index.
_PUBLISHED_SQL = f"status = '{PUBLISHED}'"
_PUBLISHED_INDEX: dict[str, Any] = {
    "postgresql_where": text(_PUBLISHED_SQL),
    "sqlite_where": text(_PUBLISHED_SQL),
}
# A draft has no publication date, a published post always has one.
_STATUS_CHECK = (
    f"status IN ('{DRAFT}', '{PUBLISHED}') AND "
    f"(status = '{PUBLISHED}') = (published_at IS NOT NULL)"
)


def _slug_of_title(context: DefaultExecutionContext) -> str:
    """The slug of an insert that bypasses the model (bulk imports, seeding)."""
    parameters: dict[str, Any] = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return slugify(parameters["title"])


def _published_now(context: DefaultExecutionContext) -> datetime | None:
    """An insert that bypasses the model publishes its post now, unless it is a draft."""
    parameters: dict[str, Any] = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return utcnow() if parameters.get("status", PUBLISHED) == PUBLISHED else None


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        # Serve newest-first pages of published posts, globally and per author, straight from
        # an index holding only those; an author's drafts (and the cascade of a deleted
        # author) use the full one on user_id.
        Index("ix_posts_published_at_id", "published_at", "id", **_PUBLISHED_INDEX),
        Index(
            "ix_posts_user_id_published_at_id", "user_id", "published_at", "id", **_PUBLISHED_INDEX
        ),
        Index("ix_posts_user_id_updated_at_id", "user_id", "updated_at", "id"),
        CheckConstraint(_STATUS_CHECK, name="status"),
        # Room on each page for a new version of a row, so the kept counts' updates stay on
        # the row's page and out of the indexes (migration 0016).
        {"postgresql_with": {"fillfactor": 70}} | IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    # A short line under the title, plain text; optional (the Conduit API's `description`).
    subtitle: Mapped[str | None] = mapped_column(String(SUBTITLE_MAX_LENGTH), default=None)
    content: Mapped[str] = mapped_column(Text)
    # Rendered from `content` when it is written (posts.markdown), so reads never parse it.
    content_html: Mapped[str] = mapped_column(Text)
    excerpt: Mapped[str] = mapped_column(Text)
    # So is its length: a listing's cards show the reading time without reading `content`.
    word_count: Mapped[int]
    date_posted: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Conversation: kept by the triggers on likes and comments (likes/counters.py,
    # comments/counters.py, migration 0007); read by queries only, never loaded, like
    # users.post_count.
    like_count: Mapped[int] = mapped_column(
        server_default="0", deferred=True, deferred_raiseload=True
    )
    comment_count: Mapped[int] = mapped_column(
        server_default="0", deferred=True, deferred_raiseload=True
    )
    # `draft` (seen by its author only) or `published`; published_at is set on publishing,
    # anew on publishing again, and NULL for a draft (the CHECK above holds the two together).
    status: Mapped[str] = mapped_column(
        String(STATUS_MAX_LENGTH), default=PUBLISHED, server_default=PUBLISHED
    )
    published_at: Mapped[datetime | None] = mapped_column(default=_published_now)
    # Its tags' names in name order, for the search index (search/, migration 0013): kept by
    # the database's trigger on post_tags, so, like the counts, read by queries only.
    search_tags: Mapped[str] = mapped_column(
        Text, server_default="", deferred=True, deferred_raiseload=True
    )
    # Made from the title on every write (see `_derive_slug`), so reads never transliterate.
    slug: Mapped[str] = mapped_column(String(SLUG_MAX_LENGTH), default=_slug_of_title)

    author: Mapped[User] = relationship(back_populates="posts", lazy="raise")

    @validates("title")
    def _derive_slug(self, _: str, title: str) -> str:
        self.slug = slugify(title)
        return title

    @property
    def url(self) -> str:
        return post_path(self.id, self.slug)

    def __repr__(self) -> str:
        return f"Post(id={self.id!r}, title={self.title!r})"


def post_path(post_id: int, slug: str) -> str:
    """A post's canonical address; any other (`/posts/42`, a stale slug) redirects to it."""
    return f"/posts/{post_id}-{slug}"


# Listings filter with this clause, matching the partial indexes' predicate.
is_published = Post.status == literal_column(f"'{PUBLISHED}'")


class PostStats(Base):
    """How many published posts there are, kept by the database's triggers on posts
    (posts/counters.py) in STATS_SLOTS rows whose sum is the count: concurrent writers each
    change a different row (kept_counts.Total). A listing sums them instead of counting
    the table (`total_published`)."""

    __tablename__ = "post_stats"
    __table_args__ = (CheckConstraint(f"id BETWEEN 1 AND {STATS_SLOTS}", name="slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    total: Mapped[int]


class Tag(Base):
    """A tag, named by its normalised slug; `post_count` counts its published posts, kept by
    the database's triggers on post_tags (posts/counters.py)."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(TAG_MAX_LENGTH), unique=True)
    # Kept by the database, so, like users.post_count, read by queries only, never loaded.
    post_count: Mapped[int] = mapped_column(
        server_default="0", deferred=True, deferred_raiseload=True
    )

    def __repr__(self) -> str:
        return f"Tag(id={self.id!r}, name={self.name!r})"


class PostTag(Base):
    """A post's tag, with a copy of the post's status and publication date (the posts
    service writes both in the same transaction as the post's): a tag's listing walks its
    own index in the listings' order, and its count follows publishing."""

    __tablename__ = "post_tags"
    __table_args__ = (
        Index(
            "ix_post_tags_tag_id_published_at_post_id",
            "tag_id",
            "published_at",
            "post_id",
            **_PUBLISHED_INDEX,
        ),
    )

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(STATUS_MAX_LENGTH))
    published_at: Mapped[datetime | None]
