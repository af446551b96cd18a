"""Sitemap XML (sitemaps.org 0.9), written as it streams: a batch of addresses at a time,
through the standard library's XML writer, which escapes every value."""

import io
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from xml.sax.saxutils import XMLGenerator
from xml.sax.xmlreader import AttributesImpl

NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
NO_ATTRIBUTES: "AttributesImpl[str]" = AttributesImpl({})


class _Writer:
    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._xml = XMLGenerator(self._buffer, encoding="utf-8")

    def start(self, root: str) -> None:
        self._xml.startDocument()
        self._xml.startElement(root, AttributesImpl({"xmlns": NAMESPACE}))

    def end(self, root: str) -> None:
        self._xml.endElement(root)
        self._xml.endDocument()

    def address(self, element: str, location: str, modified: datetime | None) -> None:
        self._xml.startElement(element, NO_ATTRIBUTES)
        self._element("loc", location)
        if modified is not None:
            self._element("lastmod", modified.isoformat(timespec="seconds"))
        self._xml.endElement(element)

    def _element(self, name: str, text: str) -> None:
        self._xml.startElement(name, NO_ATTRIBUTES)
        self._xml.characters(text)
        self._xml.endElement(name)

    def flush(self) -> bytes:
        written = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return written.encode()


Address = tuple[str, datetime | None]


def sitemap_index(files: Iterable[str]) -> bytes:
    writer = _Writer()
    writer.start("sitemapindex")
    for location in files:
        writer.address("sitemap", location, None)
    writer.end("sitemapindex")
    return writer.flush()


async def url_set(batches: AsyncIterator[list[Address]]) -> AsyncIterator[bytes]:
    """A sitemap file, one chunk per batch of addresses."""
    writer = _Writer()
    writer.start("urlset")
    async for batch in batches:
        for location, modified in batch:
            writer.address("url", location, modified)
        yield writer.flush()
    writer.end("urlset")
    yield writer.flush()
