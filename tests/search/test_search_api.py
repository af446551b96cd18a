"""GET /api/search: published posts ranked by relevance (title above tags above content),
then newest; users by their names; snippets in which only `<mark>` is markup. The corpus is
fixed and both databases answer it the same."""

import re
from typing import Any

import pytest
from httpx import AsyncClient

from inkwell.config import Settings
from inkwell.search.service import SNIPPET_WORDS
from tests.conftest import Account, StatementCounter
from tests.factories import Factory

FILLER = "Notes from the allotment, written down before the frost came back again."


async def search(client: AsyncClient, q: str, **params: object) -> dict[str, Any]:
    response = await client.get("/api/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def titles(found: dict[str, Any]) -> list[str]:
    return [post["title"] for post in found["posts"]]


@pytest.fixture
async def corpus(factory: Factory, author: Account) -> None:
    """Oldest first: each post says `tomato` in one place, or not at all."""
    await factory.post(author, title="Kitchen diary", content=f"{FILLER} Tomatoes ripened.")
    await factory.post(author, title="Summer salad", content=FILLER, tags=["tomatoes"])
    await factory.post(
        author, title="Growing tomatoes in pots", content=f"{FILLER} Rain fell all night."
    )
    await factory.post(author, title="Pantry list", content=f"{FILLER} Tomatoes ripened.")
    await factory.post(author, title="Basil and onions", content=f"{FILLER} Basil grew tall.")
    await factory.post(
        author, title="Green tomato chutney jars", content=f"{FILLER} Red onions and basil."
    )


@pytest.mark.usefixtures("corpus")
async def test_a_title_ranks_above_a_tag_above_the_content_then_the_newest_first(
    client: AsyncClient,
) -> None:
    found = await search(client, "tomato")

    assert titles(found) == [
        "Green tomato chutney jars",
        "Growing tomatoes in pots",
        "Summer salad",
        "Pantry list",
        "Kitchen diary",
    ]
    assert found["total"] == 5


@pytest.mark.usefixtures("corpus")
async def test_every_word_is_required(client: AsyncClient) -> None:
    assert titles(await search(client, "onions basil")) == [
        "Basil and onions",
        "Green tomato chutney jars",
    ]


@pytest.mark.usefixtures("corpus")
async def test_a_quoted_phrase_needs_its_words_in_order(client: AsyncClient) -> None:
    assert titles(await search(client, '"red onions"')) == ["Green tomato chutney jars"]
    assert titles(await search(client, '"onions red"')) == []


@pytest.mark.usefixtures("corpus")
async def test_a_minus_excludes(client: AsyncClient) -> None:
    assert titles(await search(client, "tomato -basil -pots")) == [
        "Summer salad",
        "Pantry list",
        "Kitchen diary",
    ]


@pytest.mark.usefixtures("corpus")
async def test_or_finds_either(client: AsyncClient) -> None:
    assert titles(await search(client, "pantry or kitchen")) == ["Pantry list", "Kitchen diary"]


@pytest.mark.usefixtures("corpus")
async def test_pages_follow_one_another_and_say_whether_more_follow(client: AsyncClient) -> None:
    first = await search(client, "tomato", limit=2)
    last = await search(client, "tomato", skip=4, limit=2)
    beyond = await search(client, "tomato", skip=10, limit=2)

    assert (titles(first), first["has_more"]) == (
        ["Green tomato chutney jars", "Growing tomatoes in pots"],
        True,
    )
    assert (titles(last), last["total"], last["has_more"]) == (["Kitchen diary"], 5, False)
    assert (titles(beyond), beyond["total"]) == ([], 5)


@pytest.mark.usefixtures("corpus")
async def test_a_hit_says_its_post_author_tags_and_address(
    client: AsyncClient, author: Account
) -> None:
    (hit,) = (await search(client, "salad"))["posts"]

    assert hit["url"] == f"/posts/{hit['id']}-summer-salad"
    assert hit["tags"] == ["tomatoes"]
    assert hit["author"]["username"] == author.user["username"]
    assert hit["excerpt"].startswith("Notes from the allotment")


@pytest.mark.usefixtures("corpus")
async def test_the_snippet_marks_the_words_found(client: AsyncClient) -> None:
    (hit,) = (await search(client, "basil grew"))["posts"]

    assert "<mark>Basil</mark> <mark>grew</mark> tall" in hit["snippet"]


@pytest.mark.usefixtures("corpus")
async def test_the_snippet_marks_other_forms_of_the_words_found(client: AsyncClient) -> None:
    (hit,) = (await search(client, "pantry tomato"))["posts"]

    assert "<mark>Tomatoes</mark> ripened" in hit["snippet"]


@pytest.fixture
async def accented(factory: Factory, author: Account) -> None:
    await factory.post(
        author, title="Café culture", content=f"{FILLER} Naïve sketches of São Paulo."
    )
    await factory.post(author, title="Resume writing", content=f"{FILLER} A plain cafe menu.")


@pytest.mark.usefixtures("accented")
@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("cafe", ["Resume writing", "Café culture"]),
        ("café", ["Resume writing", "Café culture"]),
        ("naive sketches", ["Café culture"]),
        ('"sao paulo"', ["Café culture"]),
        ("résumé", ["Resume writing"]),
    ],
)
async def test_a_word_is_found_with_or_without_its_accents(
    client: AsyncClient, q: str, found: list[str]
) -> None:
    """As a reader types it: on a keyboard without the accent, or with one the writer left out."""
    assert sorted(titles(await search(client, q)), reverse=True) == found


@pytest.mark.usefixtures("accented")
async def test_the_snippet_marks_the_accented_word_found_without_its_accents(
    client: AsyncClient,
) -> None:
    (hit,) = (await search(client, "naive"))["posts"]

    assert "<mark>Naïve</mark> sketches" in hit["snippet"]


async def test_the_snippet_escapes_everything_but_its_marks(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    content = 'Tomato <script>alert(1)</script> & <mark class="x">jam</mark> <img src=x>'
    await factory.post(author, title="Jam", content=content)

    (hit,) = (await search(client, "tomato"))["posts"]

    snippet = hit["snippet"].replace("<mark>", "").replace("</mark>", "")
    assert "<" not in snippet
    assert ">" not in snippet
    assert hit["snippet"].startswith("<mark>Tomato</mark>")


async def test_no_word_of_a_post_becomes_a_mark(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    """The snippet's markers are random: no text a writer could put in a post ends up as
    one, not even the words a fixed marker (such as `None`) would make."""
    await factory.post(author, title="Jam", content="Nones and Nonee sat by the tomato jars.")

    (hit,) = (await search(client, "tomato"))["posts"]

    assert hit["snippet"].count("<mark>") == 1
    assert "Nones and Nonee" in hit["snippet"]


async def test_a_long_post_s_snippet_is_about_thirty_words_around_the_word_found(
    client: AsyncClient, factory: Factory, author: Account, settings: Settings
) -> None:
    words = [f"w{number}" for number in range(200)]
    await factory.post(author, title="Long", content=" ".join([*words[:100], "tomato", *words]))

    (hit,) = (await search(client, "tomato"))["posts"]

    snippet = hit["snippet"]
    assert "<mark>tomato</mark>" in snippet
    assert 15 <= len(snippet.split()) <= SNIPPET_WORDS + 1
    if settings.is_sqlite:  # PostgreSQL's ts_headline marks no cut
        assert snippet.startswith("…")
        assert snippet.endswith("…")


async def test_a_page_past_the_last_still_counts_every_hit(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    """Past the end no row carries the totals: they are asked for on their own."""
    await factory.user("tomato")
    await factory.post(author, title="Tomato", content=FILLER)

    beyond = await search(client, "tomato", skip=3)

    assert (beyond["posts"], beyond["total"]) == ([], 1)
    assert (beyond["users"], beyond["user_total"]) == ([], 1)
    assert beyond["has_more"] is False


async def test_a_page_past_the_last_of_nothing_found_counts_none(client: AsyncClient) -> None:
    beyond = await search(client, "tomato", skip=3)

    assert (beyond["total"], beyond["user_total"], beyond["has_more"]) == (0, 0, False)


async def test_equal_hits_show_the_latest_published_first_whatever_their_order_of_writing(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    draft = await factory.post(author, title="Tomato", content=FILLER, status="draft")
    written_later = await factory.post(author, title="Tomato", content=FILLER)
    published = await client.patch(
        f"/api/posts/{draft['id']}", json={"status": "published"}, headers=author.headers
    )
    assert published.status_code == 200

    hits = (await search(client, "tomato"))["posts"]

    assert [hit["id"] for hit in hits] == [draft["id"], written_later["id"]]


async def test_the_database_cuts_each_page_of_hits_rather_than_send_every_one(
    client: AsyncClient, factory: Factory, author: Account, count_statements: StatementCounter
) -> None:
    await factory.post(author, title="Tomato", content=FILLER)
    await factory.user("tomato")
    sent = len(count_statements)

    await search(client, "tomato", limit=1)

    # One row more than the page: whether more follow.
    posts, users = count_statements.statements[sent:]
    assert re.search(r"\bLIMIT 2\b", posts)
    assert re.search(r"\bLIMIT 2\b", users)


@pytest.mark.parametrize(("posts", "users"), [(1, 3), (3, 1)])
async def test_every_page_by_cursor_tells_both_totals(
    client: AsyncClient, factory: Factory, author: Account, posts: int, users: int
) -> None:
    """A kind that has shown all it found is not looked for again, yet its total is told."""
    for n in range(posts):
        await factory.post(author, title=f"Tomato {n}", content=FILLER)
    for n in range(users):
        await factory.user(f"tomato{n}")

    pages = [await search(client, "tomato", limit=1)]
    while pages[-1]["next_cursor"] is not None:
        pages.append(await search(client, "tomato", limit=1, cursor=pages[-1]["next_cursor"]))

    assert [(len(page["posts"]), len(page["users"])) for page in pages] == [
        (int(n < posts), int(n < users)) for n in range(3)
    ]
    assert [(page["total"], page["user_total"]) for page in pages] == [(posts, users)] * 3


async def test_a_kind_that_has_shown_all_it_found_costs_only_its_total(
    client: AsyncClient, factory: Factory, author: Account, count_statements: StatementCounter
) -> None:
    """Past its last user, a page by cursor asks for its posts and for the users' total."""
    for n in range(2):
        await factory.post(author, title=f"Tomato {n}", content=FILLER)
    await factory.user("tomato")
    first = await search(client, "tomato", limit=1)
    sent = len(count_statements)

    second = await search(client, "tomato", limit=1, cursor=first["next_cursor"])

    assert (len(second["posts"]), second["users"], second["user_total"]) == (1, [], 1)
    assert len(count_statements.statements[sent:]) == 2


async def test_users_are_found_by_username_or_display_name_the_closest_username_first(
    client: AsyncClient, factory: Factory
) -> None:
    """Oldest first, so that the newest-first tie-break alone would give another order."""
    await factory.user("tomato", display_name="Cleo")
    await factory.user("tomatolover", display_name="Ben")
    await factory.user("gardener", display_name="Ann Weeds")
    await factory.user("cook", display_name="Tomato Queen")

    found = await search(client, "TOMATO")

    assert [user["username"] for user in found["users"]] == ["tomato", "tomatolover", "cook"]
    assert found["user_total"] == 3
    assert [user["username"] for user in (await search(client, "weeds"))["users"]] == ["gardener"]


async def test_users_are_found_by_their_names_with_or_without_accents(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.user("zoe_k", display_name="Zoë Kravitz")
    await factory.user("ÉLODIE")
    await factory.user("sébastien")

    found = {q: await search(client, q) for q in ("zoe", "ZOË", "élodie", "Elodie", "SEBASTIEN")}

    assert {q: [user["username"] for user in hits["users"]] for q, hits in found.items()} == {
        "zoe": ["zoe_k"],
        "ZOË": ["zoe_k"],
        "élodie": ["ÉLODIE"],
        "Elodie": ["ÉLODIE"],
        "SEBASTIEN": ["sébastien"],
    }


async def test_a_username_without_its_accents_is_the_closest_match(
    client: AsyncClient, factory: Factory
) -> None:
    """Oldest first, so that the newest-first tie-break alone would give the other order."""
    await factory.user("renee_cooks", display_name="Renée")
    await factory.user("renée")

    found = await search(client, "renee")

    assert [user["username"] for user in found["users"]] == ["renée", "renee_cooks"]


async def test_people_found_by_several_words_come_newest_first(
    client: AsyncClient, factory: Factory
) -> None:
    """No username holds a space: `jo an` is no username, nor the start of one, though the
    older one's names read `jo ann`."""
    await factory.user("jo", display_name="Ann")
    await factory.user("joanne")

    found = await search(client, "jo an")

    assert [user["username"] for user in found["users"]] == ["joanne", "jo"]


async def test_people_found_by_several_words_page_by_cursor(
    client: AsyncClient, factory: Factory
) -> None:
    for name in ("joan", "joanne", "jo_ann"):
        await factory.user(name)
    first = await search(client, "jo an", limit=1)
    seen = [user["username"] for user in first["users"]]

    cursor = first["next_cursor"]
    while cursor:
        page = await search(client, "jo an", limit=1, cursor=cursor)
        seen += [user["username"] for user in page["users"]]
        cursor = page["next_cursor"]

    assert seen == ["jo_ann", "joanne", "joan"]


async def test_a_user_is_found_by_a_new_display_name_and_not_the_old(
    client: AsyncClient, factory: Factory
) -> None:
    user = await factory.user("writer", display_name="Zoë")
    changed = await client.patch(
        f"/api/users/{user.id}", json={"display_name": "Chloé"}, headers=factory.headers(user)
    )
    assert changed.status_code == 200, changed.text

    assert [len((await search(client, q))["users"]) for q in ("zoe", "chloe")] == [0, 1]


async def test_a_user_found_carries_their_picture(client: AsyncClient, factory: Factory) -> None:
    await factory.user("tomato", image_file="profile_pics/ab12.webp")
    await factory.user("tomatoes")

    users = (await search(client, "tomato"))["users"]

    assert [user["image_path"] for user in users] == [
        "/media/profile_pics/ab12.webp",
        "/static/img/default-avatar.svg",
    ]


async def test_a_name_made_of_stop_words_is_found_though_no_post_is(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    """`will` and `the` are not looked for in posts, as PostgreSQL's english configuration
    drops them; a name is no prose."""
    await factory.user("will")
    await factory.user("ann", display_name="The Who")
    await factory.post(author, title="The will to write", content=FILLER)

    will = await search(client, "Will")
    the_who = await search(client, '"the who"')

    assert [user["username"] for user in will["users"]] == ["will"]
    assert (will["posts"], will["total"]) == ([], 0)
    assert [user["username"] for user in the_who["users"]] == ["ann"]


async def test_a_page_past_the_last_of_a_name_of_stop_words_counts_the_names(
    client: AsyncClient, factory: Factory
) -> None:
    await factory.user("will")

    beyond = await search(client, "will", skip=1)

    assert (beyond["users"], beyond["user_total"], beyond["total"]) == ([], 1, 0)


@pytest.mark.parametrize("q", ["%", "_", "%_%"])
async def test_wildcards_find_no_one(client: AsyncClient, factory: Factory, q: str) -> None:
    await factory.user("with_underscore")

    assert (await search(client, q))["users"] == []


ALL = {
    "Kitchen diary",
    "Summer salad",
    "Growing tomatoes in pots",
    "Pantry list",
    "Basil and onions",
    "Green tomato chutney jars",
}
WITH_TOMATO = ALL - {"Basil and onions"}
# One query, one answer, on both databases: each text is parsed once (search/query.py) and
# each database is handed the same parse in its own syntax.
SAME_ON_BOTH = [
    ("tomato", WITH_TOMATO),
    ("tomatoes", WITH_TOMATO),
    ("the tomato", WITH_TOMATO),
    ("tomato or basil", ALL),
    ("kitchen or pantry or salad", {"Kitchen diary", "Pantry list", "Summer salad"}),
    ("basil onions or pots", {"Basil and onions", "Green tomato chutney jars"}),
    ('"red onions" or pots', {"Green tomato chutney jars", "Growing tomatoes in pots"}),
    ("or tomato", WITH_TOMATO),
    ("tomato or", WITH_TOMATO),
    # An exclusion is never a side of an `or`: "a or -b" is "a -b" (websearch_to_tsquery
    # read it as "a, or anything without b", SQLite as "a without b").
    ("tomato or -basil", WITH_TOMATO - {"Green tomato chutney jars"}),
    ("pantry or -kitchen", {"Pantry list"}),
    ("-tomato basil", {"Basil and onions"}),
    ('tomato -"red onions"', WITH_TOMATO - {"Green tomato chutney jars"}),
    ("-basil", set()),
    # Stop words inside a phrase hold their place; at its ends they are dropped.
    ('"notes from the allotment"', ALL),
    ('"the notes from the allotment"', ALL),
    ('"notes allotment"', set()),
    ('"rain fell all night"', {"Growing tomatoes in pots"}),
    ('"rain fell night"', set()),
]


@pytest.mark.usefixtures("corpus")
@pytest.mark.parametrize(("q", "expected"), SAME_ON_BOTH, ids=[q for q, _ in SAME_ON_BOTH])
async def test_each_query_finds_the_same_posts_on_both_databases(
    client: AsyncClient, q: str, expected: set[str]
) -> None:
    found = await search(client, q, limit=100)
    assert set(titles(found)) == expected
    assert found["total"] == len(expected)
