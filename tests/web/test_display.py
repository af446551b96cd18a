"""What the pages show of dates, reading time and a bio: computed on the server, so a page
reads the same without JavaScript."""

from datetime import UTC, datetime, timedelta

import pytest

from inkwell.errors import wait_in_words
from inkwell.web.rendering import exact_time, linkify, reading_time, time_ago

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("before", "shown"),
    [
        (timedelta(seconds=20), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(minutes=59), "59 minutes ago"),
        (timedelta(hours=1), "1 hour ago"),
        (timedelta(hours=3), "3 hours ago"),
        (timedelta(hours=23, minutes=59), "23 hours ago"),
        (timedelta(days=1), "yesterday"),
        (timedelta(hours=30), "yesterday"),
        (timedelta(days=2), "2 days ago"),
        (timedelta(days=4), "4 days ago"),
        (timedelta(days=29, hours=23), "29 days ago"),
        (timedelta(days=30), "Oct 31, 2026"),
        (timedelta(days=45), "Oct 16, 2026"),
    ],
)
def test_a_date_reads_as_how_long_ago(before: timedelta, shown: str) -> None:
    assert time_ago(NOW - before, NOW) == shown


def test_the_exact_time_is_in_utc() -> None:
    assert exact_time(NOW) == "Nov 30, 2026, 12:00 UTC"


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(1, "1 second"), (59, "59 seconds"), (60, "1 minute"), (61, "2 minutes"),
     (3599, "60 minutes"), (3600, "1 hour"), (3601, "2 hours"), (86_400, "24 hours")],
)  # fmt: skip
def test_a_wait_reads_in_the_largest_unit_rounded_up(seconds: int, shown: str) -> None:
    assert wait_in_words(seconds) == shown


@pytest.mark.parametrize(
    ("words", "shown"), [(0, "1 min read"), (200, "1 min read"), (201, "2 min read")]
)
def test_reading_time_comes_from_the_word_count(words: int, shown: str) -> None:
    assert reading_time(words) == shown


@pytest.mark.parametrize(
    ("bio", "html"),
    [
        ("plain <b>text</b>", "plain &lt;b&gt;text&lt;/b&gt;"),
        (
            "see https://a.example/x?y=1&z=2.",
            'see <a href="https://a.example/x?y=1&amp;z=2" rel="nofollow ugc noopener">'
            "https://a.example/x?y=1&amp;z=2</a>.",
        ),
        (
            'https://a.example/"onmouseover="alert(1)',
            '<a href="https://a.example/" rel="nofollow ugc noopener">https://a.example/</a>'
            "&#34;onmouseover=&#34;alert(1)",
        ),
        ("javascript:alert(1) and data:text/html,x", "javascript:alert(1) and data:text/html,x"),
        ("(https://a.example)", '(<a href="https://a.example" rel="nofollow ugc noopener">'
         "https://a.example</a>)"),
        (None, ""),
    ],
)  # fmt: skip
def test_a_bio_is_escaped_with_its_web_addresses_made_links(bio: str | None, html: str) -> None:
    assert str(linkify(bio)) == html
