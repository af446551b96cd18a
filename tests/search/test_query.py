"""The query syntax: PostgreSQL's websearch syntax, parsed once and handed to each database in
its own syntax (FTS5's MATCH, PostgreSQL's to_tsquery), where every word is quoted so that no
user text is ever either syntax."""

import pytest

from inkwell.search.query import (
    SearchQuery,
    names_asked,
    parse,
    to_fts5,
    to_tsquery,
    words_looked_for,
)


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


def test_stop_words_are_dropped_at_a_phrases_ends_and_hold_their_place_inside() -> None:
    assert fts5('"the best of tomatoes"') == '("best of tomatoes")'


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
    assert words_looked_for(query) == ("basil", "tomato")


def test_names_are_asked_with_their_stop_words() -> None:
    """A name is no prose: `The Who` and `Will` are names."""
    assert names_asked('"The Who" or will -the') == SearchQuery(
        groups=((("the", "who"), ("will",)),), excluded=(("the",),)
    )


@pytest.mark.parametrize("text", ["", "or", "- -will", "!!! ???"])
def test_names_asked_with_no_word_ask_nothing(text: str) -> None:
    assert names_asked(text) is None


def test_the_words_of_names_asked_are_every_word_each_once() -> None:
    query = names_asked("the who or the band")

    assert isinstance(query, SearchQuery)
    assert words_looked_for(query) == ("the", "who", "band")


def tsquery(text: str) -> str | None:
    query = parse(text)
    return None if query is None else to_tsquery(query)


@pytest.mark.parametrize(
    ("text", "fts5_expression", "tsquery_text"),
    [
        ("tomato garden", '("tomato") AND ("garden")', "(('tomato')) & (('garden'))"),
        ("tomato or basil", '("tomato" OR "basil")', "(('tomato') | ('basil'))"),
        ("tomato or -basil", '(("tomato")) NOT "basil"', "(('tomato')) & !('basil')"),
        (
            '"best of tomatoes" -"red pepper"',
            '(("best of tomatoes")) NOT "red pepper"',
            "(('best' <2> 'tomatoes')) & !('red' <-> 'pepper')",
        ),
    ],
)
def test_both_databases_are_handed_the_same_parse(
    text: str, fts5_expression: str, tsquery_text: str
) -> None:
    assert (fts5(text), tsquery(text)) == (fts5_expression, tsquery_text)


def test_an_or_before_an_exclusion_is_dropped() -> None:
    assert parse("tomato or -basil") == parse("tomato -basil")


def test_the_ranked_query_leaves_the_exclusions_out() -> None:
    query = parse('tomato -basil -"red pepper"')
    assert query is not None
    assert to_tsquery(query, exclusions=False) == "(('tomato'))"
