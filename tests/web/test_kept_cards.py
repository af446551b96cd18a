"""A listing's cards are rendered once and kept (rendering.card_markup): what the viewer,
the page and the clock change is filled in at every render, and what a post says can never
pass for one of those places."""

from datetime import UTC, datetime, timedelta

from inkwell.web.cards import Card
from inkwell.web.rendering import Site, page_templates, time_ago

SITE = Site("Inkwell", "Writing", "https://example.com")


def card(title: str = "A title", when: datetime | None = None) -> Card:
    return Card(
        id=7,
        title=title,
        excerpt="An excerpt",
        address="/posts/7-a-title",
        tags=("python",),
        author_name="Ann",
        author_address="/@ann",
        avatar="/static/img/avatar.svg",
        when=when or datetime.now(UTC) - timedelta(hours=3),
        reading_time="1 min read",
        like_count=2,
        comment_count=1,
        liked=False,
    )


def post_card(**fields: object) -> str:
    templates = page_templates(auto_reload=False, site=SITE)
    return str(templates.env.globals["post_card"](card(**fields), False, "token", "/?page"))


def test_a_kept_card_fills_in_each_viewers_token_and_page() -> None:
    templates = page_templates(auto_reload=False, site=SITE)
    render = templates.env.globals["post_card"]
    shown = card()

    first = str(render(shown, False, "first-token", "/"))
    second = str(render(shown, False, "second-token", "/?cursor=a&b"))

    assert 'value="first-token"' in first
    assert 'value="second-token"' in second
    assert "first-token" not in second
    assert 'name="next" value="/?cursor=a&amp;b"' in second
    assert (
        first.replace("first-token", "second-token").replace(
            'value="/"', 'value="/?cursor=a&amp;b"'
        )
        == second
    )


def test_a_kept_card_says_how_long_ago_at_every_render() -> None:
    when = datetime.now(UTC) - timedelta(days=4)

    assert f">{time_ago(when)}</time>" in post_card(when=when)


def test_a_title_that_looks_like_a_filled_in_place_is_only_text() -> None:
    shown = post_card(title="<live:csrf> & <live:back>")

    assert "&lt;live:csrf&gt; &amp; &lt;live:back&gt;" in shown
    assert shown.count('value="token"') == 1


def test_a_draft_card_is_kept_apart_from_the_same_post_s_listed_card() -> None:
    """The drafts page shows no heart nor comment count: nobody can like a draft."""
    render = page_templates(auto_reload=False, site=SITE).env.globals["post_card"]
    shown = card()

    listed = str(render(shown, False, "token", "/"))
    draft = str(render(shown, True, "token", "/drafts"))

    assert "data-like-form" in listed
    assert "data-like-form" not in draft
    assert "comment-count" not in draft
    tags = '<div class="tag-list'
    assert draft.partition(tags)[0] == listed.partition(tags)[0]
