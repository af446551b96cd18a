"""Atom 1.0 documents (RFC 4287) of published posts, built with feedgen.

Entries carry the post's sanitized HTML as written (rendered once, at write time), its
excerpt as the summary, its tags as categories. That HTML names the site's own pictures and
pages from its root (`/media/...`): the feed's xml:base resolves them for any reader. An
entry's id is the post's numeric address, which outlives a renamed title; its link is the
canonical address.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator

from inkwell.posts.models import post_path
from inkwell.posts.rows import ListedPost
from inkwell.users.rows import author_path

FEED_LENGTH = 20
# The `updated` of a feed that has no entry yet: it must have one.
NOTHING_YET = datetime(1970, 1, 1, tzinfo=UTC)
# What XML 1.0 cannot carry (its `Char` production) and Markdown lets through: lxml refuses
# a document holding any of them, which one post would make of every feed listing it.
_NOT_XML = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


class _XmlBase(BaseExtension):  # type: ignore[misc]
    """The feed's xml:base, which feedgen has no setter for."""

    def __init__(self, base_url: str) -> None:
        self._base = base_url + "/"

    def extend_atom(self, feed: Any) -> Any:
        feed.set(XML_BASE, self._base)
        return feed


@dataclass(frozen=True, slots=True)
class Feed:
    """What a feed is about: its page (`alternate`), its own address (`self`), the words."""

    title: str
    subtitle: str
    page: str
    address: str


def atom_document(
    feed: Feed, posts: Sequence[ListedPost], *, base_url: str, site_name: str
) -> bytes:
    """`posts` newest first; the feed's `updated` is the latest change of any of them."""
    updated = max((post["updated_at"] for post in posts), default=NOTHING_YET)
    generator = FeedGenerator()
    generator.register_extension("xml_base", partial(_XmlBase, base_url), rss=False)
    generator.id(base_url + feed.page)
    generator.title(_xml_text(feed.title))
    generator.subtitle(_xml_text(feed.subtitle))
    generator.link(href=base_url + feed.address, rel="self", type="application/atom+xml")
    generator.link(href=base_url + feed.page, rel="alternate", type="text/html")
    generator.updated(updated)
    generator.generator(site_name)
    for post in posts:
        author = post["author"]
        entry = generator.add_entry(order="append")
        entry.id(f"{base_url}/posts/{post['id']}")
        entry.title(_xml_text(post["title"]))
        entry.link(href=base_url + post_path(post["id"], post["slug"]), rel="alternate")
        entry.author(
            name=_xml_text(author["display_name"] or author["username"]),
            uri=base_url + author_path(author["username"]),
        )
        entry.published(post["published_at"])
        entry.updated(post["updated_at"])
        entry.summary(_xml_text(post["excerpt"]))
        entry.content(_xml_text(post["content_html"]), type="html")
        for tag in post["tags"]:
            entry.category(term=tag, label=tag)
    body: bytes = generator.atom_str(pretty=False)
    return body
