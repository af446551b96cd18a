"""After an action the page tells the truth: the account forms come back to the account
page, which shows what is now stored and says what was saved, in the form's section."""

import pytest
from httpx import AsyncClient

from tests.conftest import PASSWORD
from tests.factories import Account


@pytest.fixture
async def browser(client: AsyncClient, author: Account) -> AsyncClient:
    """The client signed in with the cookies, as a browser is."""
    await client.post("/login", data={"username": "author", "password": PASSWORD})
    return client


def section(html: str, name: str) -> str:
    start = html.index(f'aria-labelledby="{name}-heading"')
    return html[start : html.index("</section>", start)]


async def test_a_saved_display_name_shows_in_the_navbar_and_the_header_of_the_page_after(
    browser: AsyncClient, author: Account
) -> None:
    csrf = {"X-CSRF-Token": browser.cookies["inkwell_csrf"]}
    response = await browser.patch(
        f"/api/users/{author.id}", json={"display_name": "Ada Writer"}, headers=csrf
    )
    assert response.status_code == 200
    html = (await browser.get("/account", params={"saved": "profile"})).text
    assert "<span>Ada Writer</span>" in html
    assert '<h1 class="h3 mb-0">Ada Writer</h1>' in html
    assert "Your profile is saved." in section(html, "profile")


async def test_a_saved_bio_and_a_switched_off_email_fill_the_forms_after(
    browser: AsyncClient, author: Account
) -> None:
    switch = 'id="email_notifications" name="email_notifications"'
    assert " checked" in section((await browser.get("/account")).text, "notification-emails")
    csrf = {"X-CSRF-Token": browser.cookies["inkwell_csrf"]}
    response = await browser.patch(
        f"/api/users/{author.id}",
        json={"bio": "Writes about engines.", "email_notifications": False},
        headers=csrf,
    )
    assert response.status_code == 200
    html = (await browser.get("/account")).text
    assert ">Writes about engines.</textarea>" in section(html, "profile")
    emails = section(html, "notification-emails")
    assert switch in emails
    assert " checked" not in emails


@pytest.mark.parametrize(
    ("saved", "where", "message"),
    [
        ("picture", "picture", "Your new picture is saved."),
        ("picture-removed", "picture", "Your picture is removed."),
        ("profile", "profile", "Your profile is saved."),
        ("email", "email", "Your email stays the one above until you open the link."),
    ],
)
async def test_the_account_page_says_what_was_saved_in_its_section(
    browser: AsyncClient, saved: str, where: str, message: str
) -> None:
    html = (await browser.get("/account", params={"saved": saved})).text
    assert html.count('data-testid="saved-notice"') == 1
    assert message in section(html, where)


async def test_the_account_page_ignores_a_saved_notice_it_does_not_know(
    browser: AsyncClient,
) -> None:
    html = (await browser.get("/account", params={"saved": "<script>"})).text
    assert 'data-testid="saved-notice"' not in html


async def test_the_account_forms_come_back_to_the_account_page_after_saving(
    browser: AsyncClient,
) -> None:
    html = (await browser.get("/account")).text
    assert 'data-redirect="/account?saved=picture#picture-heading"' in section(html, "picture")
    assert 'data-redirect="/account?saved=profile#profile-heading"' in section(html, "profile")
    assert 'data-redirect="/account?saved=email#email-heading"' in section(html, "email")
