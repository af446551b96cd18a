"""Cursors: where the next page of a listing starts, as an opaque, signed token.

Every listing is a keyset: its rows in one order (`published_at, id` newest first for posts,
`created_at, id` oldest first for comments...), and a page after a cursor is the rows after
the cursor's position in that order (`WHERE (published_at, id) < (:at, :id)`), read from the
listing's index however deep the position. A cursor is `base64url(version, MAC, body)`:
the body names the listing it belongs to (`tag/python`, `feed/7`, `search/<digest>`...) and
holds the position of the last row of the page it was answered with; the MAC (HMAC-SHA256
under a key derived from SECRET_KEY, cut to 16 bytes) makes any change to either, or a
cursor made up by hand, a 422. A cursor never expires: a position stays meaningful while
rows come and go (a deleted row's position is still a place between two others), and the
same position always gives the same cursor, so a page's address can be cached. A cursor
made under another SECRET_KEY, or in an older format, is refused (422) like a forged one.

`skip` still works for today's clients, up to `MAX_SKIP`: an offset reads every row it skips.
"""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, Protocol, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from sqlalchemy import BindParameter, ColumnElement, Integer, Select, bindparam, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from inkwell.errors import DomainError, ErrorCode
from inkwell.schemas import MAX_ID

# The deepest offset a listing answers: past it, `cursor` (an offset reads each row it skips).
MAX_SKIP = 10_000
PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
# The format of the cursors made now: one of another version is refused as stale.
CURSOR_VERSION = 1
# A cursor's length in characters: the largest (search's, two positions) is under 200.
CURSOR_MAX_LENGTH = 400
_MAC_BYTES = 16
T = TypeVar("T")
_HEADER = 1 + _MAC_BYTES

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Where a listing of rows by (a moment, an id) stands: after the row with these two.
TimeAndId = tuple[AwareDatetime, Id]
TIME_AND_ID: TypeAdapter[tuple[datetime, int]] = TypeAdapter(TimeAndId)
# Where a search stands: in the posts found (rank, published_at, id) and in the users found
# (rank, created_at, id); None for a kind that has no more (but not both).
_Ranked = tuple[Annotated[float, Field(allow_inf_nan=False)], AwareDatetime, Id]
_Place = tuple[float, datetime, int] | None
SEARCH_POSITION: TypeAdapter[tuple[_Place, _Place]] = TypeAdapter(
    tuple[_Ranked | None, _Ranked | None]
)
# Where a listing by id alone stands.
ID: TypeAdapter[tuple[int]] = TypeAdapter(tuple[Id])


def after_id(after: int | None) -> tuple[int] | None:
    """The position of a listing by id alone, as its cursor holds it."""
    return None if after is None else (after,)


# What every page of a listing answers beside its rows, for the API's schemas.
NextCursor = Annotated[
    str | None,
    Field(
        description="Where the next page starts: pass it as `cursor` (with the same `limit`, "
        "or another); null on the last page"
    ),
]
PageSkip = Annotated[
    int, Field(description="The `skip` asked for; 0 when the page was asked by `cursor`")
]


class Listed(Protocol):
    """What every service's page of a listing holds beside its rows."""

    @property
    def total(self) -> int: ...
    @property
    def skip(self) -> int: ...
    @property
    def limit(self) -> int: ...
    @property
    def has_more(self) -> bool: ...


def page_fields(listing: Listed, next_cursor: str | None) -> dict[str, Any]:
    """The fields every page schema answers beside its rows, from the service's page."""
    return {
        "total": listing.total,
        "skip": listing.skip,
        "limit": listing.limit,
        "has_more": listing.has_more,
        "next_cursor": next_cursor,
    }


class InvalidCursor(DomainError):
    status_code = 422
    code = ErrorCode.CURSOR_INVALID


# The names listings' cursors carry: a listing's kind and what picks its rows. A cursor is
# refused by every listing of another name. A listing's API route and its page share it
# (the page's "Load more" continues through the API).


def posts_listing(tag: str | None) -> str:
    """Everyone's published posts (`GET /api/posts`, the home page), or one tag's."""
    return "posts" if tag is None else f"tag/{tag}"


def author_listing(user_id: int) -> str:
    return f"author/{user_id}"


def drafts_listing(user_id: int) -> str:
    return f"drafts/{user_id}"


def feed_listing(user_id: int) -> str:
    return f"feed/{user_id}"


def comments_listing(post_id: int) -> str:
    return f"comments/{post_id}"


def notifications_listing(user_id: int) -> str:
    return f"notifications/{user_id}"


def search_listing(text: str) -> str:
    """The words searched for, as a digest: a cursor of one search continues no other."""
    return f"search/{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def _encode_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"a cursor holds no {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class Cursors:
    """Makes and reads the cursors of every listing, under one key."""

    key: bytes

    @classmethod
    def from_secret(cls, secret: str) -> "Cursors":
        return _cursors(secret)

    def _mac(self, signed: bytes) -> bytes:
        return hmac.new(self.key, signed, hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, name: str, position: Sequence[Any]) -> str:
        """The cursor of the position after which the next page of listing `name` starts."""
        body = json.dumps([name, position], separators=(",", ":"), default=_encode_value)
        signed = bytes([CURSOR_VERSION]) + body.encode()
        raw = signed[:1] + self._mac(signed) + signed[1:]
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def decode(self, cursor: str, name: str, shape: TypeAdapter[T]) -> T:
        """The position `cursor` holds, if this site made it for listing `name` in this
        format; otherwise InvalidCursor (422) saying why."""
        try:
            raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) <= _HEADER:
            raise InvalidCursor(
                "`cursor` is not a cursor: pass the `next_cursor` of a page as it was answered"
            )
        if raw[0] != CURSOR_VERSION:
            raise InvalidCursor(
                "`cursor` is stale (made in an older format): start again from the first page"
            )
        signed = raw[:1] + raw[_HEADER:]
        if not hmac.compare_digest(raw[1:_HEADER], self._mac(signed)):
            raise InvalidCursor(
                "`cursor` is not valid: it was altered, made up, or made before the site's "
                "key changed; start again from the first page"
            )
        try:
            found, position = json.loads(signed[1:])
        except (ValueError, TypeError):
            found, position = None, None
        if found != name:
            raise InvalidCursor(
                "`cursor` belongs to another listing: a cursor only continues the listing "
                "(and the filters, or the search) that answered it"
            )
        try:
            return shape.validate_json(json.dumps(position), strict=True)
        except ValidationError:
            raise InvalidCursor("`cursor` holds no position of this listing") from None


def _derived_cursors(secret: str) -> Cursors:
    """The cursors' key is derived from SECRET_KEY, apart from the tokens' use of it."""
    return Cursors(hmac.new(secret.encode(), b"inkwell cursors", hashlib.sha256).digest())


_cursors = lru_cache(maxsize=8)(_derived_cursors)


def _not_deep(skip: int) -> int:
    if skip > MAX_SKIP:
        raise ValueError(
            f"skip above {MAX_SKIP:,} is refused: page deeper with `cursor` (every page "
            "answers `next_cursor`, the cursor of the page after it)"
        )
    return skip


def _one_way(page: "Pagination") -> "Pagination":
    if page.cursor is not None and page.skip:
        raise ValueError("give `cursor` or `skip`, not both: a cursor says where it starts")
    return page


class Pagination(BaseModel):
    """`skip` and `limit` as ever, or `cursor` and `limit`: not both ways at once."""

    skip: Annotated[int, AfterValidator(_not_deep)] = Field(
        default=0,
        ge=0,
        json_schema_extra={"maximum": MAX_SKIP},
        description=f"Rows to skip, at most {MAX_SKIP:,}; deeper, use `cursor`",
    )
    limit: int = Field(default=PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Page size")
    cursor: str | None = Field(
        default=None,
        min_length=1,
        max_length=CURSOR_MAX_LENGTH,
        description="Where the page starts: the `next_cursor` of the page before it "
        "(opaque; only for the listing that answered it). Not with `skip`.",
    )

    # By assignment, not decoration: `make mutation` measures no decorated function.
    _checked = model_validator(mode="after")(_one_way)


Column = ColumnElement[Any] | InstrumentedAttribute[Any]


Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])


def page_bound(name: str) -> BindParameter[int]:
    """A LIMIT or OFFSET written into the statement's text at each run (`LIMIT 11`), not sent
    as a parameter: each prepared page then reads the same rows from the same place at every
    run, so PostgreSQL may keep its plan (a generic plan) instead of planning every run, and a
    deep page never shares a statement, or a plan, with the first (bench/NOTES.md)."""
    return bindparam(name, type_=Integer(), literal_execute=True)


def keyset_page(
    query: Query,
    at: Column,
    id_: Column,
    *,
    after: bool,
    newest_first: bool = True,
) -> Query:
    """`query` in the order of (`at`, `id_`), newest first or oldest first; a page of it at
    `skip` (an OFFSET), or with `after` the rows past the position (`after_at`,
    `after_id`): a row-value comparison that the index on (`at`, `id_`) serves as a range,
    however deep the position. `limit` is bound too (both are `page_bound`): the caller asks
    for one row more than the page, which says whether another page follows."""
    order = (at.desc(), id_.desc()) if newest_first else (at, id_)
    query = query.order_by(*order)
    if after:
        position = tuple_(at, id_)
        bound = tuple_(bindparam("after_at", type_=at.type), bindparam("after_id", type_=id_.type))
        query = query.where(position < bound if newest_first else position > bound)
    else:
        query = query.offset(page_bound("skip"))
    return query.limit(page_bound("limit"))


def page_parameters(skip: int, limit: int, after: tuple[Any, ...] | None) -> dict[str, Any]:
    """The bound values of a `keyset_page`: one row more than the page, to know if it is
    the last."""
    at, id_ = after if after is not None else (None, None)
    return {"skip": skip, "limit": limit + 1, "after_at": at, "after_id": id_}
