"""What a listing's rows hold: the bodies where the listing reads them, never stand-ins,
and each optional column in its place whichever others the statement selects."""

from inkwell.posts import service as posts
from tests.conftest import StartedApp
from tests.factories import Factory


async def test_a_listing_without_bodies_answers_posts_without_them(
    started_app: StartedApp, factory: Factory
) -> None:
    await factory.post(await factory.user("writer"))

    listing = await posts.list_posts(started_app.state["reader"], skip=0, limit=10, bodies=False)

    assert [post.keys() & {"content", "content_html"} for post in listing.posts] == [set()]


async def test_a_post_read_with_its_body_and_its_authors_profile_has_both_in_place(
    started_app: StartedApp, factory: Factory
) -> None:
    author = await factory.user("writer", bio="Writes things.")
    created = await factory.post(author, content="Some *words*.")
    post_id = created["id"]
    assert isinstance(post_id, int)

    post = await posts.get_listed_post(started_app.state["reader"], post_id, None, profiles=True)

    assert (post["content"], post["content_html"]) == ("Some *words*.", created["content_html"])
    assert (post["author"]["bio"], post["author"]["following"]) == ("Writes things.", False)
