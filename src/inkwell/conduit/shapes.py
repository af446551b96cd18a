"""Inkwell's rows in Conduit's shapes: an article is a published post (`description` its
subtitle, `body` its Markdown, `tagList` its tags, favorites its likes), a profile a user.

An article's slug is `{post's slug}-{post's id}`: unique, and stable while the title is
(Inkwell's slugs are not unique, two posts may share a title)."""

from typing import Any

from inkwell.conduit.errors import article_not_found
from inkwell.posts.rows import ListedAuthor, ListedPost
from inkwell.schemas import MAX_ID
from inkwell.users.rows import AuthorProfile, picture_path


def image(base_url: str, image_url: str | None, image_file: str | None) -> str | None:
    """The user's picture by its full address: the one set through Conduit, or else the one
    uploaded to Inkwell (an upload clears the other, so this is the newest); null until
    either is set."""
    if image_url is not None:
        return image_url
    return None if image_file is None else base_url.rstrip("/") + picture_path(image_file)


def conduit_slug(post: ListedPost) -> str:
    return f"{post['slug']}-{post['id']}"


def parse_slug(slug: str) -> tuple[str, int]:
    """The post's slug and id a Conduit slug is made of; an id that names nothing is 404."""
    prefix, _, post_id = slug.rpartition("-")
    if not (post_id.isascii() and post_id.isdigit() and 1 <= int(post_id) <= MAX_ID):
        raise article_not_found()
    return prefix, int(post_id)


def profile(base_url: str, user: AuthorProfile) -> dict[str, Any]:
    return {
        "username": user.username,
        "bio": user.bio,
        "image": image(base_url, user.image_url, user.image_file),
        "following": user.following,
    }


def _author(base_url: str, author: ListedAuthor) -> dict[str, Any]:
    """An author as listings asked for profiles (Conduit's all do) read them."""
    return {
        "username": author["username"],
        "bio": author["bio"],
        "image": image(base_url, author["image_url"], author["image_file"]),
        "following": author["following"],
    }


def article(base_url: str, post: ListedPost, *, body: bool) -> dict[str, Any]:
    """A post as an article; lists leave the body out."""
    shaped = {
        "slug": conduit_slug(post),
        "title": post["title"],
        "description": post["subtitle"] or "",
        "tagList": post["tags"],
        "createdAt": post["date_posted"],
        "updatedAt": post["updated_at"],
        "favorited": post["liked"],
        "favoritesCount": post["like_count"],
        "author": _author(base_url, post["author"]),
    }
    if body:
        shaped["body"] = post["content"]
    return shaped
