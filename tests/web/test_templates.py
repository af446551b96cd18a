"""The pages' template environment (rendering.page_templates): autoescaped, strict about
names, reloaded from disk only when asked, with the filters the templates name, and the
listing's cards kept, a bounded number of them, except in development."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from jinja2 import Environment, Template, UndefinedError
from markupsafe import escape

from inkwell.users.models import USERNAME_MAX_LENGTH
from inkwell.web.cards import Card
from inkwell.web.rendering import CARDS_KEPT, FORM_PATTERNS, Site, card_markup, page_templates

SITE = Site("Inkwell", "Writing", "https://example.com")
MOMENT = datetime(2026, 11, 25, 14, 3, tzinfo=UTC)


def environment(*, auto_reload: bool = False) -> Environment:
    return page_templates(auto_reload=auto_reload, site=SITE).env


def card(number: int) -> Card:
    return Card(
        id=number, title=f"Post {number}", excerpt="An excerpt", address=f"/posts/{number}-p",
        tags=(), author_name="Ann", author_address="/@ann", avatar="/static/img/avatar.svg",
        when=MOMENT, reading_time="1 min read", like_count=0, comment_count=0, liked=False,
    )  # fmt: skip


@dataclass
class Renders:
    """How often a card was rendered."""

    count: int = 0


def counting(environment: Environment) -> Renders:
    """Counts the cards `environment` renders from now on: each render asks for its template."""
    renders = Renders()
    get_template = environment.get_template

    def counted(name: str) -> Template:
        renders.count += name == "_post_card.html"
        return get_template(name)

    environment.get_template = counted  # type: ignore[method-assign]
    return renders


def test_what_a_template_shows_is_escaped() -> None:
    shown = environment().from_string("<p>{{ text }}</p>").render(text="<b>bold</b> & more")
    assert shown == "<p>&lt;b&gt;bold&lt;/b&gt; &amp; more</p>"


def test_a_misspelt_name_fails_the_render_instead_of_vanishing() -> None:
    with pytest.raises(UndefinedError):
        environment().from_string("{{ titel }}").render(title="A title")


@pytest.mark.parametrize("reloads", [True, False])
def test_templates_reload_from_disk_only_when_asked(reloads: bool) -> None:
    assert environment(auto_reload=reloads).auto_reload is reloads


@pytest.mark.parametrize(
    ("source", "shown"),
    [("{{ moment | readable_date }}", "Nov 25, 2026"),
     ("{{ moment | exact_time }}", "Nov 25, 2026, 14:03 UTC"),
     ("{{ moment | isoformat }}", "2026-11-25T14:03:00+00:00"),
     ("{{ 401 | reading_time }}", "3 min read"),
     ("{{ 'see https://a.example' | linkify }}",
      'see <a href="https://a.example" rel="nofollow ugc noopener">https://a.example</a>'),
     ("{{ 'ann' | author_path }}", "/@ann"),
     ("{{ None | picture_path }}", "/static/img/default-avatar.svg"),
     ("{{ None | shared_picture }}", "/static/img/share.png"),
     ("{{ 'profile_pics/a.webp' | shared_picture }}", "/media/profile_pics/a.webp")],
)  # fmt: skip
def test_the_templates_filters_are_the_ones_they_name(source: str, shown: str) -> None:
    assert environment().from_string(source).render(moment=MOMENT) == shown


def test_the_forms_hold_their_fields_to_the_apis_limits_and_patterns() -> None:
    shown = environment().from_string("{{ limits.username }} {{ patterns.username }}").render()
    assert shown == f"{USERNAME_MAX_LENGTH} {escape(FORM_PATTERNS['username'])}"


def test_the_empty_card_load_more_fills_in_says_no_time() -> None:
    empty = str(environment().globals["post_card"](None, False, "", ""))
    assert re.search(r'data-field="date"[^>]*></time>', empty)


def test_a_listed_card_is_rendered_once_and_kept() -> None:
    site = environment()
    renders = counting(site)
    post_card = site.globals["post_card"]

    post_card(card(1), False, "first-token", "/")
    again = post_card(card(1), False, "second-token", "/?page")

    assert renders.count == 1
    assert 'value="second-token"' in again


def test_the_site_keeps_its_most_recently_shown_cards_and_no_more() -> None:
    site = environment()
    renders = counting(site)
    post_card = site.globals["post_card"]

    for number in [*range(CARDS_KEPT), 0, CARDS_KEPT, 1]:
        post_card(card(number), False, "token", "/")

    # Card 0, shown again, stayed; card 1 was let go for the one past the bound.
    assert renders.count == CARDS_KEPT + 2


def test_a_card_maker_keeps_as_many_cards_as_it_is_told() -> None:
    site = environment()
    renders = counting(site)
    post_card = card_markup(site, kept=2)

    for number in (1, 2, 3, 1):
        post_card(card(number), False, "token", "/")

    assert renders.count == 4


def test_in_development_no_card_is_kept_so_template_edits_show_at_once() -> None:
    site = environment(auto_reload=True)
    renders = counting(site)
    post_card = site.globals["post_card"]

    post_card(card(1), False, "token", "/")
    post_card(card(1), False, "token", "/")

    assert renders.count == 2
