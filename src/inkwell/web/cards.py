"""A listing page's cards (post_list.html): each post of the service's rows as its card
shows it, built by the pages' façade as the API's schemas are built by the API's."""

from datetime import datetime
from typing import NamedTuple

from inkwell.posts.models import post_path
from inkwell.posts.rows import ListedPost
from inkwell.users.rows import author_path, picture_path
from inkwell.web.rendering import reading_time


class Card(NamedTuple):
    """Attributes, not a dict's keys: Jinja looks `post.title` up as an attribute first,
    and on a dict that fails (an exception) before it tries the key, for every value of
    every card. The addresses and the reading time are worked out here once. Immutable,
    hashable, and equal to another card exactly when they show the same (`when` is UTC,
    as every time the database layer answers): the key of the card's kept markup
    (rendering.card_markup). A named tuple: a third of a frozen dataclass's cost to build."""

    id: int
    title: str
    excerpt: str
    address: str
    tags: tuple[str, ...]
    author_name: str
    author_address: str
    avatar: str
    when: datetime  # published, or a draft's last edit
    reading_time: str
    like_count: int
    comment_count: int
    liked: bool


def cards(posts: list[ListedPost]) -> list[Card]:
    return [_card(post) for post in posts]


def _card(post: ListedPost) -> Card:
    author = post["author"]
    return Card(
        id=post["id"],
        title=post["title"],
        excerpt=post["excerpt"],
        address=post_path(post["id"], post["slug"]),
        tags=tuple(post["tags"]),
        author_name=author["display_name"] or author["username"],
        author_address=author_path(author["username"]),
        avatar=picture_path(author["image_file"]),
        when=post["published_at"] or post["updated_at"],
        reading_time=reading_time(post["word_count"]),
        like_count=post["like_count"],
        comment_count=post["comment_count"],
        liked=post["liked"],
    )
