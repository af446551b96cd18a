"""Starting a browser test signed in, without going through the login form every time."""

from playwright.async_api import BrowserContext, Locator, Page

from tests.conftest import PASSWORD


async def sign_in(context: BrowserContext, username: str, password: str = PASSWORD) -> None:
    """Asks for the sign-in cookies as the login form does; they land in the browser's jar."""
    response = await context.request.post(
        "/api/users/token", form={"username": username, "password": password}
    )
    assert response.ok, await response.text()


def navbar_account(page: Page) -> Locator:
    """The navbar's right side: the signed-in user and Sign out, or Sign in and Create account."""
    return page.get_by_test_id("nav-account")


async def fill_registration(page: Page, password: str, username: str = "newcomer") -> None:
    """Fills the registration form (a new user, at `newcomer@example.com`) and sends it."""
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Email").fill(f"{username}@example.com")
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Create account").click()
