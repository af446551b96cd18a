"""Conditional requests decided on their own (RFC 9110 13.1.2 and 13.1.3): what is missing
or unreadable on either side never answers 304."""

from starlette.datastructures import Headers

from inkwell.caching.conditional import not_modified

MODIFIED = "Mon, 30 Nov 2026 08:00:00 GMT"
ETAG = 'W/"abc"'


def test_if_none_match_against_an_answer_without_an_etag_is_not_a_match() -> None:
    request = Headers({"if-none-match": "*", "if-modified-since": MODIFIED})

    assert not not_modified(request, None, MODIFIED)


def test_an_if_none_match_naming_the_etag_matches_weakly() -> None:
    assert not_modified(Headers({"if-none-match": '"abc", "def"'}), ETAG, None)


def test_if_modified_since_with_no_zone_is_ignored() -> None:
    """-0000 says the zone is unknown: the date cannot be compared."""
    request = Headers({"if-modified-since": "Mon, 30 Nov 2026 09:00:00 -0000"})

    assert not not_modified(request, ETAG, MODIFIED)


def test_if_modified_since_at_or_after_the_change_is_not_modified() -> None:
    assert not_modified(Headers({"if-modified-since": MODIFIED}), ETAG, MODIFIED)
    assert not not_modified(
        Headers({"if-modified-since": "Mon, 30 Nov 2026 07:59:59 GMT"}), ETAG, MODIFIED
    )
