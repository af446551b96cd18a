"""Signing in as a browser does, for the tests of sessions: the cookies stay in the client."""

from httpx import AsyncClient

from tests.conftest import PASSWORD

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
ME = "/api/users/me"


async def sign_in(client: AsyncClient, username: str = "ada") -> None:
    """The sign-in cookies land in the client's jar, as in a browser's."""
    response = await client.post(
        "/api/users/token", data={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
