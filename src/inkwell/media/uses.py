"""Which posts link which pictures uploaded for posts (`post_picture_uses`), kept as each
post's Markdown is written: what tells a picture still in use from one no post links any
more, without reading a single post's text (media.service deletes those)."""

import re
from collections.abc import Collection

from sqlalchemy import Exists, delete, exists, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.db import dialect_insert, utcnow
from inkwell.media.images import OUTPUT_EXTENSION
from inkwell.media.models import PostPicture, PostPictureUse

POST_PICTURES = "posts"
KEY_BYTES = 16
# A post picture's key wherever a post links to it, after `/media/` or the storage's address.
_POST_PICTURE_KEY = re.compile(
    rf"\b{POST_PICTURES}/[0-9a-f]{{{2 * KEY_BYTES}}}\.{OUTPUT_EXTENSION}\b"
)


def picture_keys(text: str) -> set[str]:
    """The keys of the pictures for posts that Markdown source links, as images or links."""
    return set(_POST_PICTURE_KEY.findall(text))


async def link_pictures(session: AsyncSession, post_id: int, before: str, after: str) -> None:
    """The post's uses follow its text going from `before` to `after` (from "" when it is
    new). A picture it stops linking is stamped `unlinked_at` if no post links it any more:
    the sweep's grace starts then. Keys that name no uploaded picture are no uses. A text
    that links no picture, before or after, costs no statement."""
    linked, was_linked = picture_keys(after), picture_keys(before)
    if dropped := was_linked - linked:
        await session.execute(
            delete(PostPictureUse).where(
                PostPictureUse.post_id == post_id, PostPictureUse.key.in_(dropped)
            )
        )
        await session.execute(
            update(PostPicture)
            .where(PostPicture.key.in_(dropped), ~in_use())
            .values(unlinked_at=utcnow())
        )
    if added := linked - was_linked:
        await _add_uses(session, post_id, added)


def in_use() -> Exists:
    """Whether some post links the picture of the statement's `post_pictures` row."""
    return exists().where(PostPictureUse.key == PostPicture.key)


async def _add_uses(session: AsyncSession, post_id: int, keys: Collection[str]) -> None:
    """The pictures' rows are read under the lock the uses' foreign key takes (FOR KEY
    SHARE), so a deletion under way is waited for, and a picture it deleted is not found:
    no use of it, rather than a foreign key's failure. A deletion that comes after waits
    for this transaction, and then sees the use (media.service)."""
    uploaded = (
        select(literal(post_id), PostPicture.key)
        .where(PostPicture.key.in_(keys))
        .with_for_update(read=True, key_share=True)
    )
    uses = await dialect_insert(session, PostPictureUse)
    await session.execute(
        uses.from_select(
            [PostPictureUse.post_id, PostPictureUse.key], uploaded
        ).on_conflict_do_nothing()
    )
