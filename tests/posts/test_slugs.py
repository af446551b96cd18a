"""Slugs: made once from the title, on every write, transliterated to ASCII; the API gives
each post its `slug` and canonical `url`."""

import pytest
from httpx import AsyncClient
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.posts.models import Post
from inkwell.posts.slugs import SLUG_MAX_LENGTH, TAG_MAX_LENGTH, slugify, tag_name
from tests.conftest import RENDERED, Account, Api


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Hello, World!", "hello-world"),
        ("  Async   IO -- in Python 3.11  ", "async-io-in-python-3-11"),
        ("Ünïcödé çafé", "unicode-cafe"),
        ("Straße", "strasse"),
        ("ΟΔΟΣ και δρόμος", "odos-kai-dromos"),
        ("Привет, мир", "privet-mir"),
        ("東京タワー", "dongjingtawa"),
        ("I ❤ Python", "i-heart-python"),
        ("!!!", "post"),
        ("<script>alert(1)</script>", "script-alert-1-script"),
    ],
)
def test_a_slug_is_lower_case_ascii_words_joined_by_hyphens(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_a_long_slug_is_cut_at_a_word_boundary() -> None:
    slug = slugify("word " * 40)

    assert len(slug) <= SLUG_MAX_LENGTH
    assert slug.endswith("word")
    assert slugify("x" * 100) == "x" * SLUG_MAX_LENGTH


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("a" * 39 + " " + "b" * 40, "a" * 39 + "-" + "b" * 40),
        ("a" * 39 + " " + "b" * 40 + " more", "a" * 39 + "-" + "b" * 40),
        ("a" * 81 + " b", "a" * 80),
    ],
    ids=["exactly the longest whole", "a word that ends at the limit kept", "one word past it cut"],
)
def test_a_slug_is_cut_only_past_its_limit_at_the_last_boundary_within_it(
    title: str, slug: str
) -> None:
    assert len(slug) == SLUG_MAX_LENGTH
    assert slugify(title) == slug


@pytest.mark.parametrize(
    ("text", "name"),
    [("Python", "python"), (" Async IO ", "async-io"), ("C#", "c"), ("Ελληνικά", "ellinika")],
)
def test_a_tag_is_named_like_a_slug(text: str, name: str) -> None:
    assert tag_name(text) == name


def test_a_tag_of_the_longest_length_is_kept_whole() -> None:
    assert tag_name("x" * TAG_MAX_LENGTH) == "x" * TAG_MAX_LENGTH


@pytest.mark.parametrize(
    ("text", "refusal"),
    [("!!!", "a tag needs at least one letter or digit"),
     ("x" * 31, "a tag has at most 30 characters, not 31")],
)  # fmt: skip
def test_a_tag_that_cannot_be_named_is_refused_in_words(text: str, refusal: str) -> None:
    with pytest.raises(ValueError, match=f"^{refusal}$"):
        tag_name(text)


async def test_a_post_carries_its_slug_and_canonical_url(api: Api, author: Account) -> None:
    post = await api.post(author, title="Hello, Wörld!")

    assert post["slug"] == "hello-world"
    assert post["url"] == f"/posts/{post['id']}-hello-world"


async def test_a_new_title_makes_a_new_slug(api: Api, client: AsyncClient, author: Account) -> None:
    post = await api.post(author, title="First title")

    response = await client.patch(
        f"/api/posts/{post['id']}", json={"title": "Second title"}, headers=author.headers
    )

    assert response.json()["url"] == f"/posts/{post['id']}-second-title"
    listed = (await client.get("/api/posts")).json()["posts"][0]
    assert (listed["slug"], listed["url"]) == ("second-title", response.json()["url"])


async def test_a_post_inserted_without_the_model_still_gets_its_slug(
    author: Account, session: AsyncSession
) -> None:
    await session.execute(
        insert(Post), [{"title": "Bulk Import", "content": "c", "user_id": author.id} | RENDERED]
    )
    await session.commit()

    assert await session.scalar(select(Post.slug)) == "bulk-import"
