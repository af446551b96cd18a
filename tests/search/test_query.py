"""The query syntax: PostgreSQL's websearch syntax, read the same way for SQLite's FTS5, where
every word is quoted so that no user text is ever FTS5 syntax."""

import pytest

from inkwell.search.query import SearchQuery, parse, to_fts5


def fts5(text: str) -> str | None:
    query = parse(text)
    return None if query is None else to_fts5(query)


def test_words_are_all_required() -> None:
    assert fts5("Tomato Garden") == '("tomato") AND ("garden")'


def test_a_quoted_phrase_keeps_its_words_in_order() -> None:
    assert fts5('"green tomato" salad') == '("green tomato") AND ("salad")'


def test_a_quote_left_open_runs_to_the_end() -> None:
    assert fts5('salad "green tomato') == '("salad") AND ("green tomato")'


def test_or_between_two_words_requires_either() -> None:
    assert fts5("tomato or basil salad") == '("tomato" OR "basil") AND ("salad")'


def test_a_minus_excludes_a_word_or_a_phrase() -> None:
    assert fts5('salad -onion -"red pepper"') == '((("salad")) NOT "onion") NOT "red pepper"'


def test_stop_words_are_dropped_as_postgresql_drops_them() -> None:
    assert fts5('"the best of tomatoes"') == '("best tomatoes")'


def test_fts5_syntax_in_the_text_is_only_words() -> None:
    assert fts5('NEAR(a b) title:x* ^start AND "x" NOT') == (
        '("near") AND ("b") AND ("title x") AND ("start") AND ("x")'
    )


def test_control_characters_separate_words() -> None:
    assert fts5("tomato\x00basil") == '("tomato") AND ("basil")'


@pytest.mark.parametrize(
    "text", ["", "   ", "-", "- -tomato", '""', '"', "or", "or or", "the of and", "!!! ???", "\x00"]
)
def test_a_query_with_nothing_to_look_for_asks_nothing(text: str) -> None:
    assert parse(text) is None


def test_the_words_looked_for_are_those_not_excluded_each_once() -> None:
    query = parse("basil tomato or basil -onion")

    assert isinstance(query, SearchQuery)
    assert query.words == ("basil", "tomato")
