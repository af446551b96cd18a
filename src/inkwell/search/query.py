"""The query syntax both databases answer: PostgreSQL's `websearch_to_tsquery`.

Words are all required; `"a quoted phrase"` requires its words in that order; `-word` or
`-"phrase"` excludes the posts holding it; `or` between two words (or phrases) requires
either. A quote left open runs to the end. English stop words (`the`, `of`) are dropped, as
PostgreSQL's `english` configuration drops them, and so is anything but letters and digits.

PostgreSQL reads the text itself; SQLite's FTS5 is handed `to_fts5(parse(text))`, where
every word is quoted, so no user text is ever read as FTS5 syntax. A query with nothing to
look for (only operators, only stop words, only punctuation) finds nothing, on both.
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

    @property
    def words(self) -> tuple[str, ...]:
        """The words looked for (not the excluded ones), in order, each once."""
        seen = dict.fromkeys(word for group in self.groups for phrase in group for word in phrase)
        return tuple(seen)


def clean(text: str) -> str:
    """The text as the databases read it: control characters are spaces."""
    return _CONTROL.sub(" ", text)


def _phrase(text: str) -> Phrase:
    return tuple(
        word for word in (match.lower() for match in _WORD.findall(text)) if word not in STOP_WORDS
    )


def parse(text: str) -> SearchQuery | None:
    """The query `text` asks, or None when it asks for nothing."""
    groups: list[list[Phrase]] = []
    excluded: list[Phrase] = []
    joining = False
    for match in _TOKEN.finditer(clean(text)):
        negated, quoted, bare = match.groups()
        if quoted is None and not negated and bare.lower() == "or":
            joining = bool(groups)
            continue
        phrase = _phrase(quoted if quoted is not None else bare)
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


def looked_for(query: SearchQuery) -> str:
    """What `query` looks for, in its own syntax, without the exclusions: PostgreSQL ranks by
    it (`ts_rank` of a query with negations ranks the posts lacking a word oddly)."""
    return " ".join(" or ".join(_quoted(phrase) for phrase in group) for group in query.groups)
