from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints, computed_field

from inkwell.pagination import NextCursor, PageSkip, page_fields
from inkwell.posts.models import (
    CONTENT_MAX_LENGTH,
    SUBTITLE_MAX_LENGTH,
    TAGS_PER_POST,
    TITLE_MAX_LENGTH,
    post_path,
)
from inkwell.posts.rows import PostListing
from inkwell.posts.slugs import TAG_MAX_LENGTH, tag_name
from inkwell.schemas import (
    BIDI_CONTROLS,
    INVISIBLE,
    Input,
    NeverNull,
    Omittable,
    SaysSomething,
    Schema,
    ShowsSomething,
)
from inkwell.users.schemas import UserPublic

# What a line of text may not hold: a line break or another control character, or a
# direction override or isolate, which would show it as another or run over what follows.
_OFF_THE_LINE = rf"\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}"
# One line with something visible in it (as SaysSomething, on one line).
_ONE_LINE = rf"[^{_OFF_THE_LINE}]*[^{_OFF_THE_LINE}\s{INVISIBLE}][^{_OFF_THE_LINE}]*"

Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX_LENGTH),
    Field(pattern=rf"^{_ONE_LINE}$"),
    ShowsSomething,
]
# Content keeps its whitespace (indentation can matter) but must say something.
Content = Annotated[
    str,
    StringConstraints(min_length=1, max_length=CONTENT_MAX_LENGTH),
    SaysSomething,
    ShowsSomething,
]
# Optional; plain text on one line; empty clears it.
Subtitle = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=SUBTITLE_MAX_LENGTH),
    Field(pattern=rf"^(?:{_ONE_LINE})?$", description="A short line under the title"),
    ShowsSomething,
]
Status = Annotated[
    Literal["draft", "published"],
    Field(description="A draft is seen by its author alone; publishing makes it public"),
]
# What a writer types, before normalisation: generous, since `C++ ` and `Async IO` shrink.
TAG_INPUT_MAX_LENGTH = 4 * TAG_MAX_LENGTH
# The pattern documents what tag_name refuses (a tag needs a letter or a digit); tag_name
# itself decides, from the ASCII its letters transliterate to.
TagName = Annotated[
    str,
    StringConstraints(max_length=TAG_INPUT_MAX_LENGTH),
    AfterValidator(tag_name),
    Field(
        json_schema_extra={"pattern": r"[^\W_]"},
        description="Made a lower-case ASCII slug of up to 30 characters; needs a letter or digit",
    ),
]


def _merged(tags: list[str]) -> list[str]:
    """The same tag written twice (`Python`, `python`) is one tag."""
    return list(dict.fromkeys(tags))


Tags = Annotated[
    list[TagName],
    Field(
        max_length=TAGS_PER_POST,
        description=(
            f"At most {TAGS_PER_POST}; each made a lower case ASCII slug of at most "
            f"{TAG_MAX_LENGTH} characters (`Async IO` is `async-io`), duplicates merged"
        ),
    ),
    AfterValidator(_merged),
]


class PostCreate(Input):
    """The author is the signed-in user."""

    title: Title
    content: Content
    status: Status = "published"
    tags: Tags = Field(default_factory=list)
    subtitle: Omittable[Subtitle] = None


class PostReplace(Input):
    """Title and content are replaced; status and tags only when given."""

    title: Title
    content: Content
    status: Omittable[Status] = None
    tags: Omittable[Tags] = None
    subtitle: Omittable[Subtitle] = None


class PostPatch(Input):
    """Only the fields sent change; none may be sent as null."""

    title: NeverNull[Title] = None
    content: NeverNull[Content] = None
    status: NeverNull[Status] = None
    tags: NeverNull[Tags] = None
    subtitle: NeverNull[Subtitle] = None
    expected_updated_at: NeverNull[AwareDatetime] = Field(
        default=None,
        description="The post's `updated_at` as you last read it: the change is made only if "
        "the post has not changed since (else 409 `changed_concurrently`), so that a save "
        "never silently overwrites a newer version, written from another tab or device",
    )


class PostRead(Schema):
    id: int
    title: str
    subtitle: str | None = Field(default=None, description="A short line under the title")
    content: str = Field(description="The Markdown the author wrote")
    content_html: str = Field(description="`content` rendered to sanitized HTML when written")
    excerpt: str = Field(description="The start of the rendered text, about 200 characters")
    date_posted: datetime
    updated_at: datetime
    user_id: int
    author: UserPublic
    like_count: int = Field(description="How many readers like the post")
    comment_count: int = Field(description="How many comments the post has")
    liked: bool = Field(
        description="Whether the signed-in reader likes the post; false for anonymous readers"
    )
    status: Literal["draft", "published"]
    published_at: datetime | None
    slug: str
    tags: list[str]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def url(self) -> str:
        """The post's page, at its canonical address."""
        return post_path(self.id, self.slug)


class PostPage(Schema):
    posts: list[PostRead]
    total: int
    skip: PageSkip
    limit: int
    has_more: bool
    next_cursor: NextCursor

    @classmethod
    def of(cls, listing: PostListing, next_cursor: str | None) -> "PostPage":
        return cls.model_validate({"posts": listing.posts, **page_fields(listing, next_cursor)})


class TagRead(Schema):
    name: str
    posts: int = Field(description="How many published posts carry it")


class TagList(Schema):
    tags: list[TagRead]


class MarkdownSource(Input):
    """What a post's content may be."""

    content: Content


class RenderedMarkdown(Schema):
    html: str = Field(description="The sanitized HTML a post with this content would show")
