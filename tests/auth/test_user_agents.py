"""The device a session's owner reads in their list, summarised from the User-Agent."""

import pytest

from inkwell.auth.user_agents import device_of, summarise
from tests.auth.signing_in import FIREFOX, IPHONE

CHROME_ON_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Mobile Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        (FIREFOX, "Firefox on Windows"),
        (IPHONE, "Mobile Safari on iOS"),
        (CHROME_ON_ANDROID, "Chrome Mobile on Android"),
        (GOOGLEBOT, "Googlebot"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "Windows"),
        ("curl/8.5.0", "curl"),
        ("python-httpx/0.28.1", "python-httpx"),
        ("feedreader/3.0 libcurl/8.5.0", "feedreader"),
        ("x" * 5000, "x" * 100),
        ("\x01\x02", "Unknown device"),
    ],
    ids=[
        "firefox",
        "iphone",
        "android",
        "a browser on no system the rules know",
        "a system with no browser the rules know",
        "curl",
        "an unknown client",
        "an unknown client of two products",
        "too long",
        "unprintable",
    ],
)
def test_the_device_is_the_browser_and_the_system_without_versions(
    user_agent: str, device: str
) -> None:
    assert summarise(user_agent) == device


@pytest.mark.parametrize("user_agent", [None, ""])
async def test_a_client_that_does_not_say_is_an_unknown_device(user_agent: str | None) -> None:
    assert await device_of(user_agent) == "Unknown device"
