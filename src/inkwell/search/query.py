"""The query syntax both databases answer, read once (`parse`) and handed to each database
in its own syntax, so that the same text finds the same posts on both: PostgreSQL gets a
`to_tsquery` text (`to_tsquery`), SQLite's FTS5 a MATCH expression (`to_fts5`). The syntax
is PostgreSQL's `websearch_to_tsquery`'s, with one rule said where the two differed:

- Words are all required; `"a quoted phrase"` requires its words in that order; a quote
  left open runs to the end.
- `-word` or `-"phrase"` excludes the posts holding it, whatever stands before it.
- `or` between two words (or phrases) requires either. An exclusion is never a side of an
  `or`: `a or -b` reads as `a -b` (websearch_to_tsquery read "a, or anything without b",
  which finds nearly every post; FTS5 cannot say it at all).
- English stop words (`the`, `of`) are not looked for, as PostgreSQL's `english`
  configuration drops them; inside a phrase they still hold their place (`"best of
  tomatoes"` needs one word between the two). Anything but letters and digits separates
  words.

Every word is quoted in both outputs, so no user text is ever read as either syntax. A query
with nothing to look for (only operators, only stop words, only punctuation) finds nothing.
People's names are no prose: `names_asked` reads the same syntax keeping every word, so that
`will` finds Will and `the who` The Who.
"""

import re
from dataclasses import dataclass

# PostgreSQL's `english` stop words (snowball), so SQLite drops the same words.
STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will
    just don should now""".split()  # noqa: SIM905 (a list as PostgreSQL writes it)
)
# A quoted phrase (closed or running to the end), or a run of anything but spaces and quotes.
_TOKEN = re.compile(r'(-?)(?:"([^"]*)"?|([^\s"]+))')
_WORD = re.compile(r"[^\W_]+")
# Control characters (NUL among them) separate words; PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


Phrase = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """Every group must match (one of its phrases at least); no excluded phrase may."""

    groups: tuple[tuple[Phrase, ...], ...]
    excluded: tuple[Phrase, ...]


def words_looked_for(query: SearchQuery) -> tuple[str, ...]:
    """The words `query` looks for (not the excluded ones), in order, each once."""
    words = (word for group in query.groups for phrase in group for word in phrase)
    return tuple(dict.fromkeys(words))


def clean(text: str) -> str:
    """The text as the databases read it: control characters are spaces."""
    return _CONTROL.sub(" ", text)


def _phrase(text: str, stop_words: frozenset[str]) -> Phrase:
    """Its words, lower case, without the stop words at either end (those inside stay, to
    hold their place): empty when it holds no word but stop words."""
    words = [match.lower() for match in _WORD.findall(text)]
    kept = [i for i, word in enumerate(words) if word not in stop_words]
    return tuple(words[kept[0] : kept[-1] + 1]) if kept else ()


def names_asked(text: str) -> SearchQuery | None:
    """The query `text` asks of people's names: every word counts, stop words too."""
    return parse(text, stop_words=frozenset())


def parse(text: str, stop_words: frozenset[str] = STOP_WORDS) -> SearchQuery | None:
    """The query `text` asks, or None when it asks for nothing."""
    groups: list[list[Phrase]] = []
    excluded: list[Phrase] = []
    joining = False
    for match in _TOKEN.finditer(clean(text)):
        negated, quoted, bare = match.groups()
        if quoted is None and not negated and bare.lower() == "or":
            joining = bool(groups)
            continue
        phrase = _phrase(quoted if quoted is not None else bare, stop_words)
        if not phrase:
            continue
        if negated:
            excluded.append(phrase)
        elif joining:
            groups[-1].append(phrase)
        else:
            groups.append([phrase])
        joining = False
    if not groups:
        return None
    return SearchQuery(tuple(map(tuple, groups)), tuple(excluded))


def _quoted(phrase: Phrase) -> str:
    # Words are letters and digits only: nothing in them needs escaping inside the quotes.
    return '"' + " ".join(phrase) + '"'


def to_fts5(query: SearchQuery) -> str:
    """An FTS5 MATCH expression for `query`: quoted phrases joined by AND, OR and NOT."""
    expression = " AND ".join(
        "(" + " OR ".join(_quoted(phrase) for phrase in group) + ")" for group in query.groups
    )
    for phrase in query.excluded:
        expression = f"({expression}) NOT {_quoted(phrase)}"
    return expression


def _tsquery_phrase(phrase: Phrase) -> str:
    """`'a' <-> 'b'`, the distance counting the stop words between (PostgreSQL's positions
    count them too); each word quoted, so that no text is tsquery syntax."""
    parts: list[str] = []
    gap = 1
    for word in phrase:
        if word in STOP_WORDS:
            gap += 1
            continue
        if parts:
            parts.append("<->" if gap == 1 else f"<{gap}>")
        parts.append(f"'{word}'")
        gap = 1
    return "(" + " ".join(parts) + ")"


def to_tsquery(query: SearchQuery, *, exclusions: bool = True) -> str:
    """A `to_tsquery` text for `query` (the `english` configuration stems its words as it
    stems the posts'): groups joined by `&`, phrases in a group by `|`, exclusions by `& !`.
    Without `exclusions`, what it looks for alone: PostgreSQL ranks by it (`ts_rank` of a
    query with negations ranks the posts lacking a word oddly)."""
    parts = [
        "(" + " | ".join(_tsquery_phrase(phrase) for phrase in group) + ")"
        for group in query.groups
    ]
    if exclusions:
        parts += [f"!{_tsquery_phrase(phrase)}" for phrase in query.excluded]
    return " & ".join(parts)
